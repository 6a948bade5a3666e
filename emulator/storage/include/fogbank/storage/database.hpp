#pragma once
// The storage module: an ordered key-value store over RocksDB with a fixed set of column
// families, atomic write batches and snapshots. Nothing outside this module includes RocksDB.
//
// Thread-safety: a database may be used from any number of threads at once. A write_batch,
// iterator or snapshot belongs to one thread at a time.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace fogbank::storage {

class rocks_database;

// The column families fogbank keeps. Each service owns the ones named for it.
enum class column {
  meta,           // catalog records: tables, indexes, queues; small and rarely written
  items,          // DynamoDB items by (table id, encoded primary key)
  index_entries,  // DynamoDB GSI/LSI entries by (index id, encoded index key, primary key)
  streams,        // DynamoDB stream records by (stream id, sequence number)
  queues,         // SQS messages
  lambda,         // Lambda functions and pending asynchronous invocations
};
inline constexpr int column_count = 6;

// The outcome of a storage call. Must be checked.
class [[nodiscard]] status {
 public:
  enum class kind { ok, not_found, corruption, io_error, invalid_argument };

  static status ok() { return status(kind::ok, {}); }
  static status not_found() { return status(kind::not_found, {}); }
  static status error(kind k, std::string message) { return status(k, std::move(message)); }

  bool is_ok() const noexcept { return kind_ == kind::ok; }
  bool is_not_found() const noexcept { return kind_ == kind::not_found; }
  kind code() const noexcept { return kind_; }
  const std::string& message() const noexcept { return message_; }

 private:
  status(kind k, std::string message) : kind_(k), message_(std::move(message)) {}
  kind kind_;
  std::string message_;
};

// A set of puts and deletes that is applied all at once or not at all.
class write_batch {
 public:
  write_batch();
  ~write_batch();
  write_batch(write_batch&&) noexcept;
  write_batch& operator=(write_batch&&) noexcept;

  void put(column c, std::string_view key, std::string_view value);
  void erase(column c, std::string_view key);
  // Number of puts and deletes recorded.
  int count() const;
  bool empty() const { return count() == 0; }

 private:
  friend class rocks_database;
  struct impl;
  std::unique_ptr<impl> impl_;
};

// A consistent point-in-time view for reads.
class snapshot {
 public:
  virtual ~snapshot() = default;
};

// A forward or backward cursor over one column family, bounded by a key range.
class iterator {
 public:
  virtual ~iterator() = default;
  virtual bool valid() const = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // Moves one entry in the iterator's direction.
  virtual void next() = 0;
  // OK unless iteration stopped on an error (then valid() is false).
  virtual status state() const = 0;
};

struct open_options {
  // Directory of the database; ignored when in_memory.
  std::string path;
  // Keep everything in memory (RocksDB over an in-memory Env); nothing survives close.
  bool in_memory = false;
  // fsync the write-ahead log on every write. Off by default: the WAL is still written
  // before a write is acknowledged, so data survives a process crash (kill -9); sync
  // additionally survives a machine crash.
  bool sync_writes = false;
};

struct scan_range {
  std::string lower;                 // inclusive; empty = from the start
  std::optional<std::string> upper;  // exclusive; nullopt = to the end
  bool reverse = false;              // iterate from the upper end down
};

class database {
 public:
  // Opens (creating if needed) a database. On failure `*error` says why and nullptr is returned.
  static std::unique_ptr<database> open(const open_options& options, std::string* error);
  virtual ~database() = default;

  // Reads one value. not_found if absent.
  virtual status get(column c, std::string_view key, std::string* value,
                     const snapshot* at = nullptr) const = 0;
  // Applies the batch atomically. Once this returns ok the batch is durable in the WAL.
  virtual status write(write_batch& batch) = 0;
  // An iterator positioned at the first entry of `range` in its direction.
  virtual std::unique_ptr<iterator> scan(column c, const scan_range& range,
                                         const snapshot* at = nullptr) const = 0;
  virtual std::unique_ptr<snapshot> take_snapshot() const = 0;
  // Starts writing column `c`'s memtable out to a table file, and returns without waiting (or,
  // with `wait`, once it is written). What the flush leaves behind holds one version of each key
  // (unless a snapshot still needs an older one): reads that walked over every version an
  // overwritten key had in the memtable no longer do. Without `wait`, does nothing while an
  // earlier flush of `c` is still under way. A database with nothing to flush (or that keeps
  // nothing in memtables) returns ok.
  virtual status flush(column c, bool wait) {
    static_cast<void>(c);
    static_cast<void>(wait);
    return status::ok();
  }
};

}  // namespace fogbank::storage
