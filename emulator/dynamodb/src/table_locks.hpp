#pragma once
// Per-table write locks. Every change to a table, its items, index entries and stream records
// included, is checked and committed holding that table's lock: conditional writes and
// counters are therefore exact under any concurrency, and writes to different tables never
// wait for each other (issue 6: a large write to one table must not stall the others).
//
// A write that spans tables (BatchWriteItem, TransactWriteItems) holds all of their locks at
// once, taken in table-name order: two such writes that share tables take the shared ones in
// the same order, so neither can hold one the other waits for while waiting for one it holds.
// Nothing is locked after a table lock but small leaf locks held for constant work (the
// catalog's, the token table's, the subscriber queue's).

#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::dynamodb {

class table_locks {
 public:
  // The locks of one operation, released (in reverse order) when it is destroyed.
  class held {
   public:
    held() = default;
    held(held&&) noexcept = default;
    held& operator=(held&&) noexcept;
    held(const held&) = delete;
    held& operator=(const held&) = delete;
    ~held();

    // The tables locked, in the order they were taken.
    const std::vector<std::string>& tables() const noexcept { return names_; }

   private:
    friend class table_locks;
    void release() noexcept;
    std::vector<std::string> names_;
    std::vector<std::shared_ptr<std::mutex>> mutexes_;
  };

  // Locks the tables named in `names` (duplicates count once) in name order, waiting for each.
  held lock(std::vector<std::string> names);
  held lock(std::string_view name) { return lock(std::vector<std::string>{std::string(name)}); }

 private:
  std::shared_ptr<std::mutex> mutex_for(const std::string& name);

  std::shared_mutex mutex_;
  // One entry per table name ever locked (a few dozen bytes each), never removed: a lock that a
  // writer of a deleted table still waits on must stay the one a new table of that name gets.
  std::map<std::string, std::shared_ptr<std::mutex>, std::less<>> locks_;  // guarded by mutex_
};

}  // namespace fogbank::dynamodb
