// Placeholder: replaced by the RocksDB implementation of storage::database.
