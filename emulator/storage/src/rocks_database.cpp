// storage::database over RocksDB: one column family per storage::column, atomic write batches,
// snapshots, bounded iterators. This is the only file that includes RocksDB.

#include "fogbank/storage/database.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <cstdarg>
#include <cstddef>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace fogbank::storage {
namespace {

// Column family names are on disk: renaming one orphans its data.
constexpr std::array<std::string_view, column_count> column_names{
    "meta", "items", "index_entries", "streams", "queues", "lambda",
};
static_assert(static_cast<int>(column::lambda) + 1 == column_count, "every column needs a name");

// The database name inside the in-memory Env; any absolute path works there.
constexpr const char* in_memory_path = "/fogbank";

// Sized for one small local server: a shared 32 MiB block cache and at most 64 MiB of
// memtables across all column families, so idle memory stays modest.
constexpr std::size_t block_cache_bytes = std::size_t{32} << 20;
constexpr std::size_t write_buffer_bytes = std::size_t{16} << 20;
constexpr std::size_t total_write_buffer_bytes = std::size_t{64} << 20;
// Point reads (GetItem, catalog lookups) dominate; a 10-bit bloom filter saves most misses a
// disk read.
constexpr double bloom_bits_per_key = 10.0;

// In memory, RocksDB's info LOG would be a file of the in-memory Env that nobody can read and that
// only grows: the options of every column family at open (100 KiB, held as one string), then the
// statistics every stats_dump_period_sec for as long as the server runs. Its lines are dropped
// instead: at HEADER_LEVEL, RocksDB's Log() skips even formatting them.
class discarding_logger final : public rocksdb::Logger {
 public:
  discarding_logger() : rocksdb::Logger(rocksdb::InfoLogLevel::HEADER_LEVEL) {}
  void LogHeader(const char* /*format*/, va_list /*ap*/) override {}
  void Logv(const char* /*format*/, va_list /*ap*/) override {}
  void Logv(const rocksdb::InfoLogLevel /*level*/, const char* /*format*/, va_list /*ap*/) override {}
};

// RocksDB comes from Debian uninstrumented, yet ThreadSanitizer sees some of its memory accesses:
// those made through intercepted libc calls (memcpy, memcmp) and through libstdc++ templates
// instantiated in fogbank's instrumented code. It never sees the atomics that order them (the
// write group of concurrent DB::Write calls, the memtable's skip list), so writes to different
// tables at once were reported as races inside RocksDB: the WAL buffer (WritableFileWriter::
// Append), MemTable::Add against a Get's key comparison, a follower's batch read by the group's
// leader (string copies with no RocksDB frame to suppress by name). Under TSan, each call into
// RocksDB therefore runs with this thread's memory accesses ignored, as if all of RocksDB were
// uninstrumented; its locks are still seen, and fogbank's own accesses are checked as before.
// In any other build this is nothing.
#if defined(__SANITIZE_THREAD__)
#define FOGBANK_TSAN_RUNTIME 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FOGBANK_TSAN_RUNTIME 1
#endif
#endif
#ifdef FOGBANK_TSAN_RUNTIME
extern "C" void __tsan_ignore_thread_begin();  // NOLINT(bugprone-reserved-identifier): TSan's API
extern "C" void __tsan_ignore_thread_end();    // NOLINT(bugprone-reserved-identifier)
#endif
class inside_rocksdb {
 public:
  inside_rocksdb() {
#ifdef FOGBANK_TSAN_RUNTIME
    __tsan_ignore_thread_begin();
#endif
  }
  ~inside_rocksdb() {
#ifdef FOGBANK_TSAN_RUNTIME
    __tsan_ignore_thread_end();
#endif
  }
  inside_rocksdb(const inside_rocksdb&) = delete;
  inside_rocksdb& operator=(const inside_rocksdb&) = delete;
};

rocksdb::Slice to_slice(std::string_view s) {
  return {s.data(), s.size()};
}
std::string_view to_view(const rocksdb::Slice& s) {
  return {s.data(), s.size()};
}

status to_status(const rocksdb::Status& s) {
  if (s.ok()) return status::ok();
  if (s.IsNotFound()) return status::not_found();
  status::kind k = status::kind::io_error;
  if (s.IsCorruption()) {
    k = status::kind::corruption;
  } else if (s.IsInvalidArgument() || s.IsNotSupported()) {
    k = status::kind::invalid_argument;
  }
  return status::error(k, s.ToString());
}

// The open RocksDB instance. Shared by the database, its iterators and its snapshots so that
// none of them can outlive the DB they point into; the last owner closes it.
struct engine {
  // Declared first so it is destroyed last: RocksDB requires its Env to outlive the DB.
  std::unique_ptr<rocksdb::Env> memory_env;
  rocksdb::DB* db = nullptr;
  // Every handle opened, including "default" and families this version does not know.
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  std::array<rocksdb::ColumnFamilyHandle*, column_count> columns{};

  engine() = default;
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  ~engine() {
    if (db == nullptr) return;
    // Flush the memtables so the next open has no WAL to replay and starts fast. The WAL
    // already holds everything, so a failure here loses nothing; there is no one to tell.
    if (!memory_env) {
      rocksdb::FlushOptions flush;
      flush.allow_write_stall = true;
      // Null only when the open failed half way (a column family could not be created).
      std::vector<rocksdb::ColumnFamilyHandle*> ours;
      for (auto* handle : columns) {
        if (handle != nullptr) ours.push_back(handle);
      }
      db->Flush(flush, ours).PermitUncheckedError();
    }
    for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    db->Close().PermitUncheckedError();
    delete db;
  }

  rocksdb::ColumnFamilyHandle* handle(column c) const { return columns[static_cast<std::size_t>(c)]; }
};

class rocks_snapshot final : public snapshot {
 public:
  explicit rocks_snapshot(std::shared_ptr<const engine> owner) : owner_(std::move(owner)) {
    const inside_rocksdb ignored;
    snapshot_ = owner_->db->GetSnapshot();
  }
  ~rocks_snapshot() override {
    const inside_rocksdb ignored;
    owner_->db->ReleaseSnapshot(snapshot_);
  }
  rocks_snapshot(const rocks_snapshot&) = delete;
  rocks_snapshot& operator=(const rocks_snapshot&) = delete;

  const engine* owner() const { return owner_.get(); }
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  std::shared_ptr<const engine> owner_;
  const rocksdb::Snapshot* snapshot_ = nullptr;
};

class rocks_iterator final : public iterator {
 public:
  rocks_iterator(std::shared_ptr<const engine> owner, column c, const scan_range& range,
                 const rocksdb::Snapshot* at)
      : owner_(std::move(owner)),
        lower_(range.lower),
        upper_(range.upper.value_or(std::string())),
        lower_slice_(lower_),
        upper_slice_(upper_),
        reverse_(range.reverse) {
    rocksdb::ReadOptions read;
    read.snapshot = at;
    // The bounds must outlive the RocksDB iterator, hence the member strings and slices.
    if (!lower_.empty()) read.iterate_lower_bound = &lower_slice_;
    if (range.upper) read.iterate_upper_bound = &upper_slice_;
    const inside_rocksdb ignored;
    it_.reset(owner_->db->NewIterator(read, owner_->handle(c)));
    // With bounds set, SeekToFirst starts at the lower bound and SeekToLast at the last key
    // below the (exclusive) upper bound.
    if (reverse_) {
      it_->SeekToLast();
    } else {
      it_->SeekToFirst();
    }
  }

  ~rocks_iterator() override {
    const inside_rocksdb ignored;
    it_.reset();
  }
  rocks_iterator(const rocks_iterator&) = delete;
  rocks_iterator& operator=(const rocks_iterator&) = delete;

  bool valid() const override {
    const inside_rocksdb ignored;
    return it_->Valid();
  }
  std::string_view key() const override {
    const inside_rocksdb ignored;
    return to_view(it_->key());
  }
  std::string_view value() const override {
    const inside_rocksdb ignored;
    return to_view(it_->value());
  }
  void next() override {
    const inside_rocksdb ignored;
    if (reverse_) {
      it_->Prev();
    } else {
      it_->Next();
    }
  }
  status state() const override {
    const inside_rocksdb ignored;
    return to_status(it_->status());
  }

 private:
  // Destroyed in reverse order: the RocksDB iterator first, the engine last.
  std::shared_ptr<const engine> owner_;
  std::string lower_;
  std::string upper_;
  rocksdb::Slice lower_slice_;
  rocksdb::Slice upper_slice_;
  bool reverse_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

// What scan() returns when it cannot create a real iterator (a foreign snapshot).
class failed_iterator final : public iterator {
 public:
  explicit failed_iterator(std::string message) : message_(std::move(message)) {}
  bool valid() const override { return false; }
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  void next() override {}
  status state() const override { return status::error(status::kind::invalid_argument, message_); }

 private:
  std::string message_;
};

constexpr std::string_view foreign_snapshot_message = "snapshot was taken from a different database";

}  // namespace

// ---- write_batch ----------------------------------------------------------------------------

// The batch records operations rather than building a rocksdb::WriteBatch directly: a RocksDB
// batch needs column family handles, and a write_batch is not tied to any open database.
struct write_batch::impl {
  struct operation {
    column target;
    bool is_put;
    std::string key;
    std::string value;
  };
  std::vector<operation> operations;
};

write_batch::write_batch() : impl_(std::make_unique<impl>()) {}
write_batch::~write_batch() = default;
write_batch::write_batch(write_batch&&) noexcept = default;
write_batch& write_batch::operator=(write_batch&&) noexcept = default;

void write_batch::put(column c, std::string_view key, std::string_view value) {
  if (!impl_) impl_ = std::make_unique<impl>();  // reuse after being moved from
  impl_->operations.push_back({c, true, std::string(key), std::string(value)});
}

void write_batch::erase(column c, std::string_view key) {
  if (!impl_) impl_ = std::make_unique<impl>();
  impl_->operations.push_back({c, false, std::string(key), {}});
}

int write_batch::count() const {
  return impl_ ? static_cast<int>(impl_->operations.size()) : 0;
}

// ---- rocks_database -------------------------------------------------------------------------

class rocks_database final : public database {
 public:
  rocks_database(std::shared_ptr<engine> owner, bool sync_writes, bool in_memory)
      : engine_(std::move(owner)) {
    // RocksDB refuses a synced write without the log ("Sync writes has to enable WAL"): in memory
    // there is nothing to sync to anyway.
    write_options_.sync = sync_writes && !in_memory;
    // In memory nothing outlives the process, so a write-ahead log would never be read back; in
    // the in-memory Env it was a second copy of every write, kept until the memtables flushed
    // (bench/README.md, "Footprint"). A batch stays atomic without it (sequence numbers).
    write_options_.disableWAL = in_memory;
  }

  status get(column c, std::string_view key, std::string* value, const snapshot* at) const override {
    rocksdb::ReadOptions read;
    if (at != nullptr) {
      const auto* snap = dynamic_cast<const rocks_snapshot*>(at);
      if (snap == nullptr || snap->owner() != engine_.get()) {
        return status::error(status::kind::invalid_argument, std::string(foreign_snapshot_message));
      }
      read.snapshot = snap->get();
    }
    const inside_rocksdb ignored;
    return to_status(engine_->db->Get(read, engine_->handle(c), to_slice(key), value));
  }

  status write(write_batch& batch) override {
    if (batch.empty()) return status::ok();
    const inside_rocksdb ignored;
    rocksdb::WriteBatch rocks_batch;
    for (const auto& op : batch.impl_->operations) {
      rocksdb::Status s = op.is_put ? rocks_batch.Put(engine_->handle(op.target), op.key, op.value)
                                    : rocks_batch.Delete(engine_->handle(op.target), op.key);
      if (!s.ok()) return to_status(s);
    }
    return to_status(engine_->db->Write(write_options_, &rocks_batch));
  }

  std::unique_ptr<iterator> scan(column c, const scan_range& range, const snapshot* at) const override {
    const rocksdb::Snapshot* rocks_snap = nullptr;
    if (at != nullptr) {
      const auto* snap = dynamic_cast<const rocks_snapshot*>(at);
      if (snap == nullptr || snap->owner() != engine_.get()) {
        return std::make_unique<failed_iterator>(std::string(foreign_snapshot_message));
      }
      rocks_snap = snap->get();
    }
    return std::make_unique<rocks_iterator>(engine_, c, range, rocks_snap);
  }

  std::unique_ptr<snapshot> take_snapshot() const override {
    return std::make_unique<rocks_snapshot>(engine_);
  }

  status flush(column c, bool wait) override {
    const inside_rocksdb ignored;
    rocksdb::ColumnFamilyHandle* handle = engine_->handle(c);
    if (!wait) {
      // A memtable of this column still being written out: a second switch now would make three
      // memtables, past max_write_buffer_number, and RocksDB would stall every writer until the
      // first flush ended. The caller asks again later.
      std::uint64_t waiting = 0;
      if (engine_->db->GetIntProperty(handle, rocksdb::DB::Properties::kNumImmutableMemTable, &waiting) &&
          waiting != 0)
        return status::ok();
    }
    rocksdb::FlushOptions options;
    options.wait = wait;
    // Without this, Flush waits (in the caller's thread) until the flush could not stall writes.
    options.allow_write_stall = true;
    return to_status(engine_->db->Flush(options, handle));
  }

 private:
  std::shared_ptr<engine> engine_;
  rocksdb::WriteOptions write_options_;
};

std::unique_ptr<database> database::open(const open_options& options, std::string* error) {
  auto fail = [&](std::string message) -> std::unique_ptr<database> {
    if (error != nullptr) *error = std::move(message);
    return nullptr;
  };
  if (!options.in_memory && options.path.empty()) return fail("storage: no database path given");

  auto owner = std::make_shared<engine>();
  const std::string path = options.in_memory ? std::string(in_memory_path) : options.path;

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.max_background_jobs = 2;
  db_options.db_write_buffer_size = total_write_buffer_bytes;
  db_options.keep_log_file_num = 3;
  if (options.in_memory) {
    owner->memory_env.reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
    db_options.env = owner->memory_env.get();
    db_options.info_log = std::make_shared<discarding_logger>();
    // The statistics dump only writes to the info LOG.
    db_options.stats_dump_period_sec = 0;
    // Without a log (rocks_database) RocksDB would flush the memtables at close, into memory that
    // is about to be freed.
    db_options.avoid_flush_during_shutdown = true;
  } else {
    // On disk the LOG keeps RocksDB's warnings and errors, not its INFO lines: those were 1,146
    // lines written at every open, 750 of them the options of every column family (the OPTIONS file
    // beside it holds them too), each formatted and written with a gettid() call -- a measurable
    // part of a start on a fresh data directory -- then statistics every ten minutes.
    db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
    db_options.stats_dump_period_sec = 0;
  }

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(bloom_bits_per_key));
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = write_buffer_bytes;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  // Open every family already on disk (RocksDB refuses to open a subset), then create ours that
  // are missing in one CreateColumnFamilies call. Not create_missing_column_families: DB::Open
  // creates those one at a time, and each creation rewrites, fsyncs and parses back the whole
  // OPTIONS file, which made most of the start on an empty directory (bench/README.md,
  // "Footprint"). A missing database lists as an error; that just means there is nothing yet.
  std::vector<std::string> names{rocksdb::kDefaultColumnFamilyName};
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(db_options, path, &existing).ok()) {
    for (auto& name : existing) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
    }
  }
  std::vector<std::string> missing;
  for (auto name : column_names) {
    if (std::find(names.begin(), names.end(), name) == names.end()) missing.emplace_back(name);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.reserve(names.size());
  for (const auto& name : names) descriptors.emplace_back(name, cf_options);

  rocksdb::Status s = rocksdb::DB::Open(db_options, path, descriptors, &owner->handles, &owner->db);
  if (!s.ok()) return fail("storage: cannot open " + path + ": " + s.ToString());
  if (!missing.empty()) {
    std::vector<rocksdb::ColumnFamilyHandle*> created;
    s = owner->db->CreateColumnFamilies(cf_options, missing, &created);
    // On a partial failure, `created` holds what was made: the engine destroys those handles too.
    owner->handles.insert(owner->handles.end(), created.begin(), created.end());
    if (!s.ok()) return fail("storage: cannot create the column families in " + path + ": " + s.ToString());
  }
  for (std::size_t i = 0; i < column_names.size(); ++i) {
    for (auto* handle : owner->handles) {
      if (handle->GetName() == column_names[i]) owner->columns[i] = handle;
    }
    // Cannot happen after the creation above succeeded; a null family would crash its first use.
    if (owner->columns[i] == nullptr)
      return fail("storage: no column family " + std::string(column_names[i]) + " in " + path);
  }
  return std::make_unique<rocks_database>(std::move(owner), options.sync_writes, options.in_memory);
}

}  // namespace fogbank::storage
