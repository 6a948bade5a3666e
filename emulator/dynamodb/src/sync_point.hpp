#pragma once
// Named points in DynamoDB's write path at which a test can hold a thread, after RocksDB's
// TEST_SYNC_POINT: a concurrency test makes the interleaving it wants happen (a write held with
// its table locks taken while another thread writes elsewhere) instead of hoping for it with
// sleeps. Unarmed, which is always outside such tests, a point costs one relaxed atomic load.
//
// The points:
//   "write:prepared"       an item write (or a BatchWriteItem, a TransactWriteItems) has done
//                          what needs no lock and takes its table locks next; once per table
//                          written, in name order
//   "table_lock:acquired"  a table's write lock was just taken (`table` names it); in a
//                          multi-table write, once per table, in the order they are taken
//   "write:before_commit"  a write holds every lock it needs and is about to write its batch;
//                          once per table it holds (`table` names it)

#include <functional>
#include <string_view>

namespace fogbank::dynamodb {

using sync_point_callback = std::function<void(std::string_view point, std::string_view table)>;

// Installs `callback`, called on the writing thread at every point; nullptr removes it. Only
// for tests: install before the threads under test start, remove after they are joined.
void set_sync_point_callback(sync_point_callback callback);

// Calls the installed callback, if any.
void sync_point(std::string_view point, std::string_view table);

}  // namespace fogbank::dynamodb
