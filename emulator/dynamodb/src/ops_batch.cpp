// BatchGetItem, BatchWriteItem, TransactWriteItems and TransactGetItems.
//
// A batch write is validated whole (a bad request changes nothing), then committed one item at
// a time, each item with its index entries and stream record, in request order, holding its
// tables' locks throughout (apply_writes, write_commit::each). DynamoDB promises no more: "The
// individual PutItem and DeleteItem operations specified in BatchWriteItem are atomic; however
// BatchWriteItem as a whole is not. If any requested operations fail because [...] an internal
// processing failure occurs, the failed operations are returned in the UnprocessedItems
// response parameter" (API_BatchWriteItem). One storage batch of 25 items of 400 KB (10 MB)
// made every other writer of the database, other tables and SQS included, wait 15-50 ms
// behind it in RocksDB's write queue (bench/README.md); one item at a time they wait for at
// most one item. A storage failure after the first item answers the items not written as
// UnprocessedItems; on the first, InternalServerError with nothing written.
//
// A transaction checks every condition against one state and writes every change in one
// batch, holding the locks of all its tables for the check and the commit (apply_writes,
// write_commit::together), so it is all or nothing.

#include "attribute_value.hpp"
#include "expressions.hpp"
#include "fogbank/core/json_text.hpp"
#include "item_collections.hpp"
#include "item_keys.hpp"
#include "item_writes.hpp"
#include "request.hpp"
#include "request_expressions.hpp"
#include "service_impl.hpp"

#include <chrono>
#include <set>

namespace fogbank::dynamodb {
namespace {

using core::aws_error;
using core::error_code;
using core::throw_validation;

// DynamoDB's limits for batch and transaction operations.
constexpr std::size_t max_batch_get_keys = 100;
constexpr std::size_t max_batch_write_requests = 25;
constexpr std::size_t max_transaction_actions = 100;
// "The aggregate size of the items in the transaction cannot exceed 4 MB" (API_TransactWriteItems;
// MB as in the 400 KB item limit, 1024-based).
constexpr std::size_t max_transaction_bytes = 4 * 1024 * 1024;
constexpr auto client_token_lifetime = std::chrono::minutes(10);

const json& request_items(const json& request) {
  const json* items = find_member(request, "RequestItems");
  if (!items) throw_validation(null_member_message("requestItems"));
  if (!items->is_object()) throw aws_error(error_code::serialization, "Unexpected value type in payload");
  if (items->empty()) {
    throw_validation(
        constraint_message("'{}'", "requestItems", "Member must have length greater than or equal to 1"));
  }
  return *items;
}

// The TransactItems of TransactWriteItems or TransactGetItems: 1 to 100 actions.
const json& transact_items(const json& request) {
  const json* actions = find_member(request, "TransactItems");
  if (!actions) throw_validation(null_member_message("transactItems"));
  if (!actions->is_array()) throw aws_error(error_code::serialization, "Unexpected value type in payload");
  if (actions->empty() || actions->size() > max_transaction_actions) {
    throw_validation(constraint_message("'" + actions->dump() + "'", "transactItems",
                                        actions->empty()
                                            ? "Member must have length greater than or equal to 1"
                                            : "Member must have length less than or equal to 100"));
  }
  return *actions;
}

// What one write of a batch or transaction consumed. A ConditionCheck reads its item but is
// charged as a write of it (unconfirmed beyond emulators measured against DynamoDB:
// nubo-db/dynoxide#123 reports 2 write units for a standalone ConditionCheck in a transaction).
table_capacity write_result_capacity(const write_request& write, const write_result& result) {
  const json* old_item = result.old_item ? &*result.old_item : nullptr;
  if (write.kind == write_kind::check) {
    table_capacity usage;
    usage.table = write_units(old_item ? item_size(*old_item) : 0);
    return usage;
  }
  return write_capacity(*write.table, old_item, result.new_item ? &*result.new_item : nullptr);
}

// ItemCollectionMetrics of BatchWriteItem and TransactWriteItems: for each table with item
// collections (LSIs), one entry per collection the call changed, in request order ("for each
// table, information about any item collections that were affected", API_BatchWriteItem). A
// collection written twice is listed once: unconfirmed.
json collection_metrics(const service_impl& service, const std::vector<write_request>& writes,
                        const std::vector<write_result>& results) {
  json out = json::object();
  std::set<std::pair<std::string, std::string>> listed;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const write_request& write = writes[i];
    if (write.kind == write_kind::check || !results[i].written || !has_item_collections(*write.table))
      continue;
    std::string partition;
    append_key_value(partition, write.key.at(write.table->keys.hash));
    if (!listed.emplace(write.table->name, partition).second) continue;
    out[write.table->name].push_back(item_collection_metrics(service, *write.table, write.key));
  }
  return out;
}

}  // namespace

json service_impl::batch_get_item(const json& request, const request_context& context) {
  const json& items = request_items(request);
  std::size_t total = 0;
  struct table_read {
    table_ptr table;
    std::vector<json> keys;
    std::optional<projection> wanted;
    bool consistent = false;
  };
  // The shape and every count first, so that no key is validated (or table looked up) for a
  // request that asks for more than DynamoDB reads in one call.
  for (const auto& [name, spec] : items.items()) {
    validate_table_name(json(name), "requestItems.member.key");
    if (!spec.is_object()) throw aws_error(error_code::serialization, "Unexpected value type in payload");
    const json* keys = find_member(spec, "Keys");
    if (!keys || !keys->is_array() || keys->empty()) {
      throw_validation(constraint_message("[]", "requestItems." + name + ".member.keys",
                                          "Member must have length greater than or equal to 1"));
    }
    if (keys->size() > max_batch_get_keys) {
      throw_validation(constraint_message("'" + keys->dump() + "'", "requestItems." + name + ".member.keys",
                                          "Member must have length less than or equal to 100"));
    }
    total += keys->size();
    if (total > max_batch_get_keys) throw_validation("Too many items requested for the BatchGetItem call");
  }
  const capacity_mode mode = capacity_mode_of(request);
  std::vector<table_read> reads;
  for (const auto& [name, spec] : items.items()) {
    table_read read;
    read.table = find_table(name);
    const json* keys = find_member(spec, "Keys");
    std::set<std::string> seen;
    for (const auto& key : *keys) {
      json valid = validate_key(*read.table, key);
      if (!seen.insert(item_storage_key(*read.table, valid)).second) {
        throw_validation("Provided list of item keys contains duplicates");
      }
      read.keys.push_back(std::move(valid));
    }
    request_expressions expressions(spec, expression_operation::get,
                                    "requestItems." + name + ".member.attributesToGet");
    if (expressions.projection())
      read.wanted = parse_projection(*expressions.projection(), expressions.attributes());
    expressions.attributes().check_all_used();
    read.consistent = boolean_member(spec, "ConsistentRead", false);
    reads.push_back(std::move(read));
  }

  json responses = json::object();
  json capacities = json::array();
  auto snapshot = db_.take_snapshot();
  for (const auto& read : reads) {
    json found = json::array();
    // A table's items as one text written from their bytes, for a caller that only writes the
    // answer out, when nothing here reads them (no projection).
    const bool splice = context.renders_text && !read.wanted;
    std::string found_text = "[";
    // Each item rounded up to 4 KB on its own, a missing one too, and then summed (Alternator's
    // test_simple_batch_get_items and test_multi_table_batch_get_items, pinned against DynamoDB).
    table_capacity usage;
    for (const auto& key : read.keys) {
      if (splice) {
        const auto bytes = read_item_bytes(item_storage_key(*read.table, key), snapshot.get());
        std::size_t size = 0;
        if (bytes) {
          if (found_text.size() > 1) found_text += ',';
          size = append_item_text(found_text, *bytes, true);
        }
        usage.table += read_units(size, read.consistent);
        continue;
      }
      auto item = read_item(*read.table, item_storage_key(*read.table, key), snapshot.get());
      usage.table += read_units(item ? item_size(*item) : 0, read.consistent);
      if (item) found.push_back(read.wanted ? project(*read.wanted, *item) : std::move(*item));
    }
    if (splice) {
      found_text += ']';
      responses[read.table->name] = core::spliced_text(found_text);
    } else {
      responses[read.table->name] = std::move(found);
    }
    json capacity = capacity_json(mode, read.table->name, usage);
    if (!capacity.is_null()) capacities.push_back(std::move(capacity));
  }
  json response{{"Responses", std::move(responses)}, {"UnprocessedKeys", json::object()}};
  if (!capacities.empty()) response["ConsumedCapacity"] = std::move(capacities);
  return response;
}

json service_impl::batch_write_item(const json& request, const request_context&) {
  const json& items = request_items(request);
  std::vector<write_request> writes;
  std::vector<std::pair<std::string, const json*>> entries;  // each write's table and WriteRequest
  std::size_t total = 0;
  for (const auto& [name, list] : items.items()) {
    if (!list.is_array()) throw aws_error(error_code::serialization, "Unexpected value type in payload");
    total += list.size();
    if (list.empty() || total > max_batch_write_requests) {
      throw_validation(
          constraint_message("'" + items.dump() + "'", "requestItems",
                             "Map value must satisfy constraint: [Member must have length less than or equal "
                             "to 25, Member must have length greater than or equal to 1]"));
    }
  }
  const capacity_mode mode = capacity_mode_of(request);
  const bool metrics = item_collection_metrics_wanted(request);
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& [name, list] : items.items()) {
    for (const auto& entry : list) {
      const bool is_put = entry.contains("PutRequest");
      const bool is_delete = entry.contains("DeleteRequest");
      if (is_put == is_delete) {
        throw_validation(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
            "supported "
            "datatypes");  // unconfirmed for a WriteRequest with zero or two members
      }
      const json& single = is_put ? entry["PutRequest"] : entry["DeleteRequest"];
      if (!single.is_object()) throw aws_error(error_code::serialization, "Unexpected value type in payload");
      if (is_put && single.contains("Item") && single["Item"].is_object()) {
        // BatchWriteItem words a missing or mistyped key in a PutRequest as a key mismatch, unlike
        // PutItem (dynalite's batchWriteItem tests, recorded against DynamoDB).
        const table_ptr table = find_table(name);
        const json& item = single["Item"];
        auto key_ok = [&](const std::string& attribute) {
          auto it = item.find(attribute);
          return it != item.end() && it->is_object() && it->contains(table->attribute_types.at(attribute));
        };
        if (!key_ok(table->keys.hash) || (table->keys.range && !key_ok(*table->keys.range))) {
          throw_validation("The provided key element does not match the schema");
        }
      }
      write_request write = parse_write(*this, is_put ? write_kind::put : write_kind::remove, single, &name);
      // Only the consumed capacity reads the items the puts replace.
      write.caller_reads_old_item = mode != capacity_mode::none;
      if (!seen.emplace(name, write.storage_key).second)
        throw_validation("Provided list of item keys contains duplicates");
      writes.push_back(std::move(write));
      entries.emplace_back(name, &entry);
    }
  }

  const std::vector<write_result> results =
      apply_writes(*this, writes, write_failure::raise, write_commit::each);
  // Each item costs what the same PutItem or DeleteItem would, the old item's size included:
  // "each specified put and delete request consumes the same number of write capacity units
  // whether it is processed in parallel or not. Delete operations on nonexistent items consume
  // one write capacity unit" (API_BatchWriteItem); a DeleteItem is charged by the size of the
  // deleted item (read-write-operations.html). Summed per table, in request order.
  capacity_by_table totals;
  json unprocessed = json::object();
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const write_result& result = results[i];
    if (!result.written) {
      // Returned as sent, so that the client can retry them as they are.
      unprocessed[entries[i].first].push_back(*entries[i].second);
      continue;
    }
    totals.add(writes[i].table->name, write_result_capacity(writes[i], result));
  }
  json response{{"UnprocessedItems", std::move(unprocessed)}};
  json capacities = totals.to_json(mode, unit_kind::unreported);
  if (!capacities.empty()) response["ConsumedCapacity"] = std::move(capacities);
  if (metrics) {
    json collections = collection_metrics(*this, writes, results);
    if (!collections.empty()) response["ItemCollectionMetrics"] = std::move(collections);
  }
  return response;
}

json service_impl::transact_write_items(const json& request, const request_context&) {
  const json* actions = &transact_items(request);
  std::vector<write_request> writes;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& action : *actions) {
    static constexpr std::pair<const char*, write_kind> kinds[] = {{"Put", write_kind::put},
                                                                   {"Update", write_kind::update},
                                                                   {"Delete", write_kind::remove},
                                                                   {"ConditionCheck", write_kind::check}};
    const json* body = nullptr;
    write_kind kind = write_kind::put;
    int members = 0;
    for (const auto& [name, k] : kinds) {
      if (const json* member = find_member(action, name)) {
        body = member;
        kind = k;
        ++members;
      }
    }
    if (members != 1) {
      throw_validation("TransactItems can only contain one of Check, Put, Update or Delete");
    }
    write_request write = parse_write(*this, kind, *body);
    if (!seen.emplace(write.table->name, write.storage_key).second) {
      throw_validation("Transaction request cannot include multiple operations on one item");
    }
    writes.push_back(std::move(write));
  }
  // What the request carries: a Put's item, the key of every other action; the items an Update
  // leaves are counted once applied (write_apply.cpp). The message quotes the API reference;
  // DynamoDB's own wording for this error is unconfirmed.
  std::size_t transaction_bytes = 0;
  for (const auto& write : writes)
    transaction_bytes += write.kind == write_kind::put ? write.item_bytes : item_size(write.key);
  if (transaction_bytes > max_transaction_bytes)
    throw_validation("The aggregate size of the items in the transaction cannot exceed 4 MB");
  const capacity_mode mode = capacity_mode_of(request);
  const bool metrics = item_collection_metrics_wanted(request);

  // ClientRequestToken: the same request again within the idempotency window is answered
  // without being applied again (API_TransactWriteItems: ClientRequestToken). The token table's
  // lock is held only to look up or mark a token; requests are compared outside it.
  const std::string token = optional_string(request, "ClientRequestToken");
  std::shared_ptr<const json> claimed;
  if (!token.empty()) {
    auto mine = std::make_shared<const json>(request);
    std::shared_ptr<const json> previous;
    capacity_by_table previous_capacity;
    {
      std::lock_guard lock(tokens_mutex_);
      const auto now = clock_.now();
      while (!token_expiry_.empty() && now - token_expiry_.front().first > client_token_lifetime) {
        const auto& [completed, expired] = token_expiry_.front();
        auto it = transaction_tokens_.find(expired);
        if (it != transaction_tokens_.end() && it->second.done && it->second.completed == completed)
          transaction_tokens_.erase(it);
        token_expiry_.pop_front();
      }
      auto it = transaction_tokens_.find(token);
      if (it == transaction_tokens_.end()) {
        transaction_tokens_.emplace(token, token_record{mine, {}, false});
        claimed = std::move(mine);
      } else if (!it->second.done) {
        // The exception's description in the API reference; as its message, unconfirmed.
        throw aws_error(error_code::transaction_in_progress,
                        "The transaction with the given request token is already in progress.");
      } else {
        previous = it->second.request;
        previous_capacity = it->second.capacity;
      }
    }
    if (previous) {
      if (*previous != request) {
        throw aws_error(
            error_code::idempotent_parameter_mismatch,
            "Request with ClientRequestToken was previously used with different parameters");  // unconfirmed
      }
      // The same request again: already applied, nothing more to do. "Subsequent
      // TransactWriteItems calls with the same client token return the number of read capacity
      // units consumed in reading the item" (API_TransactWriteItems, ClientRequestToken): as
      // many as the first call's write units (nubo-db/dynoxide#123, measured against DynamoDB;
      // unconfirmed here).
      json replay = json::object();
      if (mode != capacity_mode::none)
        replay["ConsumedCapacity"] = previous_capacity.to_json(mode, unit_kind::read);
      return replay;
    }
  }

  // Any failed condition cancels every action (apply_writes).
  std::vector<write_result> results;
  try {
    results = apply_writes(*this, writes, write_failure::cancel_transaction);
  } catch (...) {
    // A transaction that did not happen leaves its token free for a retry.
    if (claimed) {
      std::lock_guard lock(tokens_mutex_);
      if (auto it = transaction_tokens_.find(token);
          it != transaction_tokens_.end() && it->second.request == claimed)
        transaction_tokens_.erase(it);
    }
    throw;
  }
  // Every action twice: "TransactWriteItems ... two underlying writes of every item in the
  // transaction: one to prepare the transaction and one to commit" (transaction-apis.html,
  // "Capacity management for transactions"), index writes included (rusoto/rusoto#1919).
  capacity_by_table totals;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    table_capacity usage = write_result_capacity(writes[i], results[i]);
    usage.scale(2);
    totals.add(writes[i].table->name, usage);
  }
  if (claimed) {
    std::lock_guard lock(tokens_mutex_);
    if (auto it = transaction_tokens_.find(token);
        it != transaction_tokens_.end() && it->second.request == claimed) {
      // Valid for 10 minutes after the first request that used it completed.
      it->second.done = true;
      it->second.completed = clock_.now();
      it->second.capacity = totals;
      token_expiry_.emplace_back(it->second.completed, token);
    }
  }
  json response = json::object();
  if (mode != capacity_mode::none) response["ConsumedCapacity"] = totals.to_json(mode, unit_kind::write);
  if (metrics) {
    json collections = collection_metrics(*this, writes, results);
    if (!collections.empty()) response["ItemCollectionMetrics"] = std::move(collections);
  }
  return response;
}

json service_impl::transact_get_items(const json& request, const request_context&) {
  const json* actions = &transact_items(request);
  struct get_request {
    table_ptr table;
    std::string storage_key;
    std::optional<projection> wanted;
  };
  const capacity_mode mode = capacity_mode_of(request);
  std::vector<get_request> gets;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& action : *actions) {
    const json* get = find_member(action, "Get");
    if (!get) throw_validation(null_member_message("transactItems.1.member.get"));
    validate_table_name(get->contains("TableName") ? (*get)["TableName"] : json(), "tableName");
    get_request entry;
    entry.table = find_table((*get)["TableName"].get<std::string>());
    entry.storage_key =
        item_storage_key(*entry.table, validate_key(*entry.table, required_object(*get, "Key", "key")));
    request_expressions expressions(*get, expression_operation::get);
    if (expressions.projection())
      entry.wanted = parse_projection(*expressions.projection(), expressions.attributes());
    expressions.attributes().check_all_used();
    if (!seen.emplace(entry.table->name, entry.storage_key).second) {
      throw_validation("Transaction request cannot include multiple operations on one item");
    }
    gets.push_back(std::move(entry));
  }
  // One snapshot: every item as of the same instant, as the transaction promises.
  auto snapshot = db_.take_snapshot();
  json responses = json::array();
  // Two strongly consistent reads of each item, a missing one too (transaction-apis.html,
  // "Capacity management for transactions"; nubo-db/dynoxide#57 measured 2 units per item
  // against DynamoDB).
  capacity_by_table totals;
  for (const auto& get : gets) {
    json response = json::object();
    auto item = read_item(*get.table, get.storage_key, snapshot.get());
    table_capacity usage;
    usage.table = 2 * read_units(item ? item_size(*item) : 0, true);
    totals.add(get.table->name, usage);
    if (item) response["Item"] = get.wanted ? project(*get.wanted, *item) : std::move(*item);
    responses.push_back(std::move(response));
  }
  json out{{"Responses", responses}};
  if (mode != capacity_mode::none) out["ConsumedCapacity"] = totals.to_json(mode, unit_kind::read);
  return out;
}

}  // namespace fogbank::dynamodb
