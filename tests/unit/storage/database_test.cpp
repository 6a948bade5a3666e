#include "fogbank/storage/database.hpp"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <stdlib.h>  // mkdtemp

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace fogbank::storage {
namespace {

std::unique_ptr<database> open_in_memory() {
  open_options options;
  options.in_memory = true;
  std::string error;
  auto db = database::open(options, &error);
  EXPECT_NE(db, nullptr) << error;
  return db;
}

// A fresh directory under the system temp dir, removed with everything in it at scope exit.
class temp_dir {
 public:
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fogbank-db-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string get_or(const database& db, column c, std::string_view key, const snapshot* at = nullptr) {
  std::string value;
  const status s = db.get(c, key, &value, at);
  if (s.is_not_found()) return "<absent>";
  if (!s.is_ok()) return "<error: " + s.message() + ">";
  return value;
}

std::vector<std::string> keys_of(const database& db, column c, const scan_range& range,
                                 const snapshot* at = nullptr) {
  std::vector<std::string> keys;
  auto it = db.scan(c, range, at);
  for (; it->valid(); it->next()) keys.emplace_back(it->key());
  EXPECT_TRUE(it->state().is_ok()) << it->state().message();
  return keys;
}

void put_all(database& db, column c, const std::vector<std::string>& keys) {
  write_batch batch;
  for (const auto& k : keys) batch.put(c, k, "v-" + k);
  ASSERT_TRUE(db.write(batch).is_ok());
}

TEST(write_batch, counts_operations) {
  write_batch batch;
  EXPECT_TRUE(batch.empty());
  batch.put(column::items, "a", "1");
  batch.erase(column::meta, "b");
  EXPECT_EQ(batch.count(), 2);
  write_batch moved = std::move(batch);
  EXPECT_EQ(moved.count(), 2);
}

TEST(database, put_get_erase) {
  auto db = open_in_memory();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(get_or(*db, column::items, "k"), "<absent>");

  write_batch put;
  put.put(column::items, "k", "value");
  put.put(column::meta, "k", "other family");
  ASSERT_TRUE(db->write(put).is_ok());
  EXPECT_EQ(get_or(*db, column::items, "k"), "value");
  EXPECT_EQ(get_or(*db, column::meta, "k"), "other family");
  EXPECT_EQ(get_or(*db, column::queues, "k"), "<absent>");

  // Binary keys and values, including zero bytes, are stored as given.
  const std::string binary_key("\x00\xFFk", 3);
  const std::string binary_value("v\x00\x01", 3);
  write_batch binary;
  binary.put(column::streams, binary_key, binary_value);
  ASSERT_TRUE(db->write(binary).is_ok());
  EXPECT_EQ(get_or(*db, column::streams, binary_key), binary_value);

  write_batch erase;
  erase.erase(column::items, "k");
  ASSERT_TRUE(db->write(erase).is_ok());
  EXPECT_EQ(get_or(*db, column::items, "k"), "<absent>");
  EXPECT_EQ(get_or(*db, column::meta, "k"), "other family");

  write_batch empty;
  EXPECT_TRUE(db->write(empty).is_ok());
}

TEST(database, batch_applies_in_order_and_atomically) {
  auto db = open_in_memory();
  ASSERT_NE(db, nullptr);
  put_all(*db, column::items, {"a", "b"});
  auto before = db->take_snapshot();

  // Later operations in a batch win over earlier ones on the same key.
  write_batch batch;
  batch.put(column::items, "a", "first");
  batch.put(column::items, "a", "second");
  batch.erase(column::items, "b");
  batch.put(column::index_entries, "i", "entry");
  batch.put(column::streams, "s", "record");
  ASSERT_TRUE(db->write(batch).is_ok());

  EXPECT_EQ(get_or(*db, column::items, "a"), "second");
  EXPECT_EQ(get_or(*db, column::items, "b"), "<absent>");
  EXPECT_EQ(get_or(*db, column::index_entries, "i"), "entry");
  EXPECT_EQ(get_or(*db, column::streams, "s"), "record");
  // A reader sees all of the batch or none of it: the snapshot taken before sees none.
  EXPECT_EQ(get_or(*db, column::items, "a", before.get()), "v-a");
  EXPECT_EQ(get_or(*db, column::items, "b", before.get()), "v-b");
  EXPECT_EQ(get_or(*db, column::index_entries, "i", before.get()), "<absent>");
  EXPECT_EQ(get_or(*db, column::streams, "s", before.get()), "<absent>");
}

TEST(database, bounded_forward_and_reverse_scans) {
  auto db = open_in_memory();
  ASSERT_NE(db, nullptr);
  put_all(*db, column::items, {"a", "b", "ba", "bb", "c", "d"});
  put_all(*db, column::meta, {"zz"});  // other families stay out of the scan

  using v = std::vector<std::string>;
  EXPECT_EQ(keys_of(*db, column::items, {}), (v{"a", "b", "ba", "bb", "c", "d"}));
  EXPECT_EQ(keys_of(*db, column::items, {"b", "c", false}), (v{"b", "ba", "bb"}));
  EXPECT_EQ(keys_of(*db, column::items, {"b", "c", true}), (v{"bb", "ba", "b"}));
  EXPECT_EQ(keys_of(*db, column::items, {"", "b", true}), (v{"a"}));
  EXPECT_EQ(keys_of(*db, column::items, {"bb", std::nullopt, false}), (v{"bb", "c", "d"}));
  EXPECT_EQ(keys_of(*db, column::items, {"bb", std::nullopt, true}), (v{"d", "c", "bb"}));
  EXPECT_EQ(keys_of(*db, column::items, {"", std::nullopt, true}), (v{"d", "c", "bb", "ba", "b", "a"}));
  // Bounds between keys, and empty ranges.
  EXPECT_EQ(keys_of(*db, column::items, {"b0", "bz", false}), (v{"ba", "bb"}));
  EXPECT_EQ(keys_of(*db, column::items, {"b0", "bz", true}), (v{"bb", "ba"}));
  EXPECT_EQ(keys_of(*db, column::items, {"x", std::nullopt, false}), v{});
  EXPECT_EQ(keys_of(*db, column::items, {"x", std::nullopt, true}), v{});
  EXPECT_EQ(keys_of(*db, column::items, {"c", "c", false}), v{});
  EXPECT_EQ(keys_of(*db, column::items, {"c", "c", true}), v{});

  auto it = db->scan(column::items, {"c", std::nullopt, false});
  ASSERT_TRUE(it->valid());
  EXPECT_EQ(it->key(), "c");
  EXPECT_EQ(it->value(), "v-c");
}

TEST(database, snapshots_are_isolated_from_later_writes) {
  auto db = open_in_memory();
  ASSERT_NE(db, nullptr);
  put_all(*db, column::queues, {"m1", "m2"});
  auto snap = db->take_snapshot();

  write_batch change;
  change.erase(column::queues, "m1");
  change.put(column::queues, "m2", "changed");
  change.put(column::queues, "m3", "new");
  ASSERT_TRUE(db->write(change).is_ok());

  using v = std::vector<std::string>;
  EXPECT_EQ(keys_of(*db, column::queues, {}, snap.get()), (v{"m1", "m2"}));
  EXPECT_EQ(keys_of(*db, column::queues, {"", std::nullopt, true}, snap.get()), (v{"m2", "m1"}));
  EXPECT_EQ(get_or(*db, column::queues, "m2", snap.get()), "v-m2");
  EXPECT_EQ(keys_of(*db, column::queues, {}), (v{"m2", "m3"}));
  EXPECT_EQ(get_or(*db, column::queues, "m2"), "changed");

  // An iterator without a snapshot reads the state as of its creation.
  auto it = db->scan(column::queues, {});
  write_batch more;
  more.put(column::queues, "m4", "later");
  ASSERT_TRUE(db->write(more).is_ok());
  std::vector<std::string> seen;
  for (; it->valid(); it->next()) seen.emplace_back(it->key());
  EXPECT_EQ(seen, (v{"m2", "m3"}));
}

// flush writes a column's memtable out, keeping the newest version of each key and those a
// snapshot still reads; waiting or not, reads see the same thing before and after.
TEST(database, a_flush_keeps_the_newest_versions_and_what_snapshots_read) {
  for (const bool wait : {true, false}) {
    SCOPED_TRACE(wait ? "waiting" : "in the background");
    auto db = open_in_memory();
    ASSERT_NE(db, nullptr);
    put_all(*db, column::items, {"a", "b", "c"});
    auto snap = db->take_snapshot();
    for (int round = 0; round < 50; ++round) {
      write_batch batch;
      batch.put(column::items, "a", "a" + std::to_string(round));
      batch.put(column::items, "b", "b" + std::to_string(round));
      ASSERT_TRUE(db->write(batch).is_ok());
    }
    write_batch erase;
    erase.erase(column::items, "c");
    ASSERT_TRUE(db->write(erase).is_ok());

    ASSERT_TRUE(db->flush(column::items, wait).is_ok());
    // A second one right after (in the background, perhaps while the first is under way).
    ASSERT_TRUE(db->flush(column::items, false).is_ok());

    using v = std::vector<std::string>;
    EXPECT_EQ(keys_of(*db, column::items, {}), (v{"a", "b"}));
    EXPECT_EQ(get_or(*db, column::items, "a"), "a49");
    EXPECT_EQ(get_or(*db, column::items, "b"), "b49");
    EXPECT_EQ(get_or(*db, column::items, "c"), "<absent>");
    EXPECT_EQ(keys_of(*db, column::items, {}, snap.get()), (v{"a", "b", "c"}));
    EXPECT_EQ(get_or(*db, column::items, "a", snap.get()), "v-a");
    EXPECT_EQ(get_or(*db, column::items, "c", snap.get()), "v-c");
  }
}

TEST(database, rejects_a_snapshot_of_another_database) {
  auto db = open_in_memory();
  auto other = open_in_memory();
  ASSERT_NE(db, nullptr);
  ASSERT_NE(other, nullptr);
  auto foreign = other->take_snapshot();
  std::string value;
  EXPECT_EQ(db->get(column::items, "k", &value, foreign.get()).code(), status::kind::invalid_argument);
  auto it = db->scan(column::items, {}, foreign.get());
  EXPECT_FALSE(it->valid());
  EXPECT_EQ(it->state().code(), status::kind::invalid_argument);
}

TEST(database, in_memory_databases_are_separate_and_leave_nothing_behind) {
  auto first = open_in_memory();
  auto second = open_in_memory();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  put_all(*first, column::items, {"only-in-first"});
  EXPECT_EQ(get_or(*second, column::items, "only-in-first"), "<absent>");
  first.reset();
  auto third = open_in_memory();
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(get_or(*third, column::items, "only-in-first"), "<absent>");
}

TEST(database, iterators_and_snapshots_may_outlive_the_database_object) {
  auto db = open_in_memory();
  ASSERT_NE(db, nullptr);
  put_all(*db, column::items, {"a", "b"});
  auto snap = db->take_snapshot();
  auto it = db->scan(column::items, {});
  db.reset();
  std::vector<std::string> seen;
  for (; it->valid(); it->next()) seen.emplace_back(it->key());
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
}

TEST(database, data_survives_close_and_reopen_on_disk) {
  temp_dir dir;
  open_options options;
  options.path = dir.path() + "/db";
  std::string error;
  {
    auto db = database::open(options, &error);
    ASSERT_NE(db, nullptr) << error;
    put_all(*db, column::items, {"a", "b"});
    put_all(*db, column::streams, {"s"});
    write_batch erase;
    erase.erase(column::items, "a");
    ASSERT_TRUE(db->write(erase).is_ok());
  }
  {
    const auto start = std::chrono::steady_clock::now();
    auto db = database::open(options, &error);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_NE(db, nullptr) << error;
    EXPECT_LT(elapsed, std::chrono::seconds(1));
    EXPECT_EQ(get_or(*db, column::items, "a"), "<absent>");
    EXPECT_EQ(get_or(*db, column::items, "b"), "v-b");
    EXPECT_EQ(get_or(*db, column::streams, "s"), "v-s");
    EXPECT_EQ(keys_of(*db, column::items, {}), (std::vector<std::string>{"b"}));
    put_all(*db, column::meta, {"m"});
  }
  {
    options.sync_writes = true;
    auto db = database::open(options, &error);
    ASSERT_NE(db, nullptr) << error;
    EXPECT_EQ(get_or(*db, column::meta, "m"), "v-m");
    EXPECT_EQ(get_or(*db, column::items, "b"), "v-b");
  }
}

// A database an older fogbank left: some of today's families missing, the others created in
// another order, and one this version does not know. Opening it creates the missing families and
// finds each of the others by name, not by position.
TEST(database, opens_a_database_with_families_missing_or_unknown) {
  temp_dir dir;
  const std::string path = dir.path() + "/db";
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, path, &raw).ok());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    ASSERT_TRUE(
        raw->CreateColumnFamilies(rocksdb::ColumnFamilyOptions(), {"someday", "items", "meta"}, &handles)
            .ok());
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), handles[1], "i", "old-item").ok());
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), handles[2], "m", "old-meta").ok());
    for (auto* handle : handles) ASSERT_TRUE(raw->DestroyColumnFamilyHandle(handle).ok());
    ASSERT_TRUE(raw->Close().ok());
    delete raw;
  }
  open_options options;
  options.path = path;
  std::string error;
  for (int round = 0; round < 2; ++round) {
    auto db = database::open(options, &error);
    ASSERT_NE(db, nullptr) << error;
    EXPECT_EQ(get_or(*db, column::items, "i"), "old-item");
    EXPECT_EQ(get_or(*db, column::meta, "m"), "old-meta");
    EXPECT_EQ(get_or(*db, column::meta, "i"), "<absent>");
    if (round == 0) {
      put_all(*db, column::lambda, {"l"});
      put_all(*db, column::queues, {"q"});
    }
    EXPECT_EQ(get_or(*db, column::lambda, "l"), "v-l");
    EXPECT_EQ(get_or(*db, column::queues, "q"), "v-q");
    EXPECT_EQ(get_or(*db, column::streams, "q"), "<absent>");
  }
}

TEST(database, open_reports_why_it_failed) {
  temp_dir dir;
  const std::string file = dir.path() + "/not-a-directory";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  open_options options;
  options.path = file + "/db";
  std::string error;
  EXPECT_EQ(database::open(options, &error), nullptr);
  EXPECT_FALSE(error.empty());

  open_options no_path;
  error.clear();
  EXPECT_EQ(database::open(no_path, &error), nullptr);
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace fogbank::storage
