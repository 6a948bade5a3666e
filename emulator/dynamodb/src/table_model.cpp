#include "table_model.hpp"

#include "fogbank/core/aws_error.hpp"
#include "request.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <string_view>

namespace fogbank::dynamodb {
namespace {

using core::throw_validation;

// CreateTable validation messages below are DynamoDB's, as recorded against the real service
// by dynalite (validations/createTable.js).
constexpr std::string_view invalid = "One or more parameter values were invalid: ";

// DynamoDB's per-table index quotas
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-secondary-indexes).
constexpr std::size_t max_local_indexes = 5;
constexpr std::size_t max_global_indexes = 20;
constexpr std::size_t max_projected_attributes = 100;  // NonKeyAttributes over all indexes
// Unconfirmed wording, as a CloudFormation policy (pf-dynamodb-projection-nonkey-total) quotes it.
const std::string too_many_projected_attributes =
    std::string(invalid) + "Number of projected attributes in all indexes exceeds limit of 100";

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += ", ";
    out += part;
  }
  return out;
}

std::string_view projection_name(projection_type type) {
  switch (type) {
    case projection_type::all:
      return "ALL";
    case projection_type::keys_only:
      return "KEYS_ONLY";
    case projection_type::include:
      return "INCLUDE";
  }
  return "ALL";
}

// Multi-attribute GSI keys: "partition and sort keys composed of up to four attributes each"
// (developer guide, GSI.DesignPattern.MultiAttributeKeys; SDK changelogs of November 2025:
// "Extended Global Secondary Index (GSI) composite keys to support up to 8 attributes").
constexpr std::size_t max_key_attributes = 4;

// Key attribute names (KeySchemaElement and AttributeDefinition's AttributeName) are the model's
// KeySchemaAttributeName, 1 to 255 bytes, where other attribute names may reach 64 KB; DynamoDB
// checks it before the schema's consistency (ScyllaDB Alternator's
// test_limit_attribute_length_key_bad and ..._incoherent_names, run against AWS). The wording is
// the request validator's for a length constraint.
void check_key_attribute_name(const std::string& name, const std::string& member) {
  if (name.size() > 255)
    throw_validation(
        constraint_message("'" + name + "'", member, "Member must have length less than or equal to 255"));
}

// KeySchema of a table or index: 1 or 2 elements, HASH first, RANGE second, distinct names. A
// GSI (`multi_attribute`) may list up to four HASH elements followed by up to four RANGE ones.
key_schema parse_key_schema(const json& elements, std::string_view member, bool multi_attribute = false) {
  const std::size_t max_elements = multi_attribute ? 2 * max_key_attributes : 2;
  if (!elements.is_array()) throw_validation(null_member_message(member));
  if (elements.empty() || elements.size() > max_elements) {
    throw_validation(constraint_message(
        elements.dump(), member,
        elements.empty() ? "Member must have length greater than or equal to 1"
                         : "Member must have length less than or equal to " + std::to_string(max_elements)));
  }
  std::size_t position = 0;
  for (const auto& element : elements) {
    ++position;
    if (!element.is_object() || !element.contains("AttributeName") || !element["AttributeName"].is_string() ||
        !element.contains("KeyType") || !element["KeyType"].is_string()) {
      throw_validation(null_member_message(std::string(member) + ".member.attributeName"));
    }
    check_key_attribute_name(element["AttributeName"].get_ref<const std::string&>(),
                             std::string(member) + "." + std::to_string(position) + ".member.attributeName");
    const auto& key_type = element["KeyType"].get_ref<const std::string&>();
    if (key_type != "HASH" && key_type != "RANGE") {
      throw_validation(constraint_message("'" + key_type + "'", std::string(member) + ".1.member.keyType",
                                          "Member must satisfy enum value set: [HASH, RANGE]"));
    }
  }
  const bool classic = elements.size() == 1 || elements[1]["KeyType"] == "RANGE";
  if (!multi_attribute || (classic && elements.size() <= 2)) {
    key_schema keys;
    keys.hash = elements[0]["AttributeName"].get<std::string>();
    if (elements.size() == 2) {
      keys.range = elements[1]["AttributeName"].get<std::string>();
      if (*keys.range == keys.hash) {
        throw_validation("Both the Hash Key and the Range Key element in the KeySchema have the same name");
      }
    }
    if (elements[0]["KeyType"] != "HASH")
      throw_validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
    if (elements.size() == 2 && elements[1]["KeyType"] != "RANGE") {
      throw_validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
    }
    return keys;
  }
  // A multi-attribute GSI key. DynamoDB's wordings for these violations are unconfirmed: the
  // rules (HASH elements first, at most four of each kind, no name twice) are those of the
  // developer guide and of ScyllaDB's conformance tests run against DynamoDB
  // (test/alternator/test_gsi_composite_keys.py), which pin only the error type.
  if (elements[0]["KeyType"] != "HASH")
    throw_validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  key_schema keys;
  std::vector<std::string> hashes;
  std::vector<std::string> ranges;
  std::set<std::string> seen;
  for (const auto& element : elements) {
    const std::string name = element["AttributeName"].get<std::string>();
    if (!seen.insert(name).second) {
      throw_validation("Invalid KeySchema: Duplicate attribute name in KeySchema: " + name);
    }
    if (element["KeyType"] == "HASH") {
      if (!ranges.empty()) {
        throw_validation("Invalid KeySchema: A HASH KeySchemaElement cannot follow a RANGE KeySchemaElement");
      }
      hashes.push_back(name);
    } else {
      ranges.push_back(name);
    }
  }
  if (hashes.size() > max_key_attributes || ranges.size() > max_key_attributes) {
    throw_validation("Invalid KeySchema: A KeySchema can have at most " + std::to_string(max_key_attributes) +
                     " HASH and " + std::to_string(max_key_attributes) + " RANGE KeySchemaElements");
  }
  keys.hash = hashes.front();
  keys.more_hash.assign(hashes.begin() + 1, hashes.end());
  if (!ranges.empty()) {
    keys.range = ranges.front();
    keys.more_range.assign(ranges.begin() + 1, ranges.end());
  }
  return keys;
}

std::vector<std::string> key_names(const key_schema& keys) {
  return keys.attributes();
}

void require_defined(const key_schema& keys, const std::map<std::string, std::string>& types,
                     const std::vector<std::string>& definition_order) {
  auto names = key_names(keys);
  for (const auto& name : names) {
    if (!types.count(name)) {
      throw_validation(std::string(invalid) +
                       "Some index key attributes are not defined in AttributeDefinitions. Keys: [" +
                       join(names) + "], AttributeDefinitions: [" + join(definition_order) + "]");
    }
  }
}

index_info parse_index_common(const json& definition, bool global,
                              const std::map<std::string, std::string>& types,
                              const std::vector<std::string>& definition_order) {
  const std::string kind = global ? "globalSecondaryIndexes" : "localSecondaryIndexes";
  if (!definition.is_object()) throw_validation(null_member_message(kind + ".1.member"));
  index_info index;
  index.global = global;
  validate_table_name(definition.contains("IndexName") ? definition["IndexName"] : json(),
                      kind + ".1.member.indexName");
  index.name = definition["IndexName"].get<std::string>();
  if (!definition.contains("KeySchema")) throw_validation(null_member_message(kind + ".1.member.keySchema"));
  index.keys = parse_key_schema(definition["KeySchema"], kind + ".1.member.keySchema", global);
  require_defined(index.keys, types, definition_order);
  if (!definition.contains("Projection") || !definition["Projection"].is_object()) {
    throw_validation(null_member_message(kind + ".1.member.projection"));
  }
  const json& projection = definition["Projection"];
  const json type = projection.value("ProjectionType", json());
  if (type.is_null()) throw_validation(std::string(invalid) + "Unknown ProjectionType: null");
  if (type == "ALL") {
    index.projection = projection_type::all;
  } else if (type == "KEYS_ONLY") {
    index.projection = projection_type::keys_only;
  } else if (type == "INCLUDE") {
    index.projection = projection_type::include;
  } else {
    throw_validation(
        constraint_message("'" + (type.is_string() ? type.get<std::string>() : type.dump()) + "'",
                           kind + ".1.member.projection.projectionType",
                           "Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]"));
  }
  if (projection.contains("NonKeyAttributes")) {
    if (index.projection != projection_type::include) {
      throw_validation(std::string(invalid) + "ProjectionType is " +
                       std::string(projection_name(index.projection)) +
                       ", but NonKeyAttributes is specified");
    }
    const json& attributes = projection["NonKeyAttributes"];
    if (!attributes.is_array() || attributes.empty()) {
      throw_validation(constraint_message("[]", kind + ".1.member.projection.nonKeyAttributes",
                                          "Member must have length greater than or equal to 1"));
    }
    // Checked before the list is copied; the total over all indexes is checked by the caller.
    if (attributes.size() > max_projected_attributes) throw_validation(too_many_projected_attributes);
    for (const auto& attribute : attributes) {
      if (!attribute.is_string())
        throw_validation(null_member_message(kind + ".1.member.projection.nonKeyAttributes"));
      const auto& name = attribute.get_ref<const std::string&>();
      // Captured against AWS in ack-api-quirks' DynamoDB message catalogue (CreateTable). The
      // attributes number at most 100, so the linear search stays cheap.
      if (std::find(index.non_key_attributes.begin(), index.non_key_attributes.end(), name) !=
          index.non_key_attributes.end()) {
        throw_validation(std::string(invalid) + "Duplicate element in NonKeyAttributes: " + name);
      }
      index.non_key_attributes.push_back(name);
    }
  } else if (index.projection == projection_type::include) {
    throw_validation(std::string(invalid) +
                     "ProjectionType is INCLUDE, but NonKeyAttributes is not specified");
  }
  return index;
}

}  // namespace

std::vector<std::string> key_schema::hash_attributes() const {
  std::vector<std::string> out{hash};
  out.insert(out.end(), more_hash.begin(), more_hash.end());
  return out;
}

std::vector<std::string> key_schema::range_attributes() const {
  std::vector<std::string> out;
  if (range) out.push_back(*range);
  out.insert(out.end(), more_range.begin(), more_range.end());
  return out;
}

std::vector<std::string> key_schema::attributes() const {
  std::vector<std::string> out = hash_attributes();
  for (auto& name : range_attributes()) out.push_back(std::move(name));
  return out;
}

bool key_schema::uses(std::string_view attribute) const {
  const auto names = attributes();
  return std::find(names.begin(), names.end(), attribute) != names.end();
}

const index_info* table_info::find_index(std::string_view index_name) const {
  for (const auto& index : indexes) {
    if (index.name == index_name) return &index;
  }
  return nullptr;
}

std::vector<std::string> table_info::all_key_attributes() const {
  std::vector<std::string> names = key_names(keys);
  for (const auto& index : indexes) {
    for (const auto& name : key_names(index.keys)) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  return names;
}

void validate_table_name(const json& name, std::string_view member) {
  if (!name.is_string()) throw_validation(null_member_message(member));
  const auto& text = name.get_ref<const std::string&>();
  if (text.size() < 3) {
    throw_validation(
        constraint_message("'" + text + "'", member, "Member must have length greater than or equal to 3"));
  }
  if (text.size() > 255) {
    throw_validation(
        constraint_message("'" + text + "'", member, "Member must have length less than or equal to 255"));
  }
  if (!matches_table_name_pattern(text)) {
    throw_validation(constraint_message("'" + text + "'", member,
                                        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"));
  }
}

json parse_throughput(const json& throughput, std::string_view member) {
  if (!throughput.is_object()) throw_validation(null_member_message(member));
  json out = json::object();
  for (const char* field : {"ReadCapacityUnits", "WriteCapacityUnits"}) {
    const json* value = throughput.contains(field) ? &throughput[field] : nullptr;
    if (!value || !value->is_number_integer()) {
      throw_validation(null_member_message(std::string(member) + "." +
                                           (field[0] == 'R' ? "readCapacityUnits" : "writeCapacityUnits")));
    }
    auto units = value->get<std::int64_t>();
    if (units < 1) {
      throw_validation(constraint_message(
          "\'" + std::to_string(units) + "\'",
          std::string(member) + "." + (field[0] == 'R' ? "readCapacityUnits" : "writeCapacityUnits"),
          "Member must have value greater than or equal to 1"));
    }
    if (units > 1'000'000'000'000) {
      throw_validation("Given value " + std::to_string(units) + " for " + field + " is out of bounds");
    }
    out[field] = units;
  }
  return out;
}

std::vector<attribute_definition> parse_attribute_definitions(const json& definitions) {
  if (!definitions.is_array()) throw_validation(null_member_message("attributeDefinitions"));
  std::vector<attribute_definition> out;
  std::set<std::string_view> names;
  std::size_t position = 0;
  for (const auto& definition : definitions) {
    ++position;
    if (!definition.is_object() || !definition.contains("AttributeName") ||
        !definition["AttributeName"].is_string()) {
      throw_validation(null_member_message("attributeDefinitions.member.attributeName"));
    }
    check_key_attribute_name(definition["AttributeName"].get_ref<const std::string&>(),
                             "attributeDefinitions." + std::to_string(position) + ".member.attributeName");
    const json type = definition.value("AttributeType", json());
    if (type != "S" && type != "N" && type != "B") {
      throw_validation(constraint_message(type.is_string() ? "'" + type.get<std::string>() + "'" : "null",
                                          "attributeDefinitions.member.attributeType",
                                          "Member must satisfy enum value set: [B, N, S]"));
    }
    const auto& name = definition["AttributeName"].get_ref<const std::string&>();
    if (!names.insert(name).second) {
      // DynamoDB's answer, without the usual prefix: quoted in scylladb/scylladb#13870 and in
      // ack-api-quirks' DynamoDB message catalogue (captured against AWS).
      throw_validation("Attribute Name is duplicated: " + name);
    }
    out.push_back({name, type.get<std::string>()});
  }
  return out;
}

index_info parse_global_index(const json& definition, const table_info& table,
                              const std::vector<attribute_definition>& attribute_definitions) {
  // The index's keys must be defined by these definitions, not merely by the table's: DynamoDB
  // wants UpdateTable's AttributeDefinitions to name the new index's keys even when the table
  // already knows them (alternator's test_gsi_backfill_with_lsi; nubo-db/dynoxide#144).
  std::map<std::string, std::string> types;
  std::vector<std::string> order;
  for (const auto& [name, type] : attribute_definitions) {
    types[name] = type;
    order.push_back(name);
  }
  index_info index = parse_index_common(definition, true, types, order);
  if (table.billing_mode == "PROVISIONED") {
    if (!definition.contains("ProvisionedThroughput")) {
      throw_validation(std::string(invalid) +
                       "ProvisionedThroughput should not be null for index: " + index.name);
    }
    index.provisioned_throughput =
        parse_throughput(definition["ProvisionedThroughput"], "provisionedThroughput");
  }
  return index;
}

table_info parse_create_table(const json& request) {
  table_info table;
  validate_table_name(request.contains("TableName") ? request["TableName"] : json(), "tableName");
  table.name = request["TableName"].get<std::string>();

  if (!request.contains("AttributeDefinitions") || !request["AttributeDefinitions"].is_array()) {
    throw_validation(null_member_message("attributeDefinitions"));
  }
  if (!request.contains("KeySchema")) throw_validation(null_member_message("keySchema"));

  std::vector<std::string> definition_order;
  for (auto& [name, type] : parse_attribute_definitions(request["AttributeDefinitions"])) {
    table.attribute_types[name] = type;
    definition_order.push_back(std::move(name));
  }

  const json& key_elements = request["KeySchema"];
  table.keys = parse_key_schema(key_elements, "keySchema");
  if (key_elements.size() == 2) {
    for (const auto& name : key_names(table.keys)) {
      if (!table.attribute_types.count(name))
        throw_validation("Invalid KeySchema: Some index key attribute have no definition");
    }
  } else {
    require_defined(table.keys, table.attribute_types, definition_order);
  }

  table.billing_mode =
      optional_enum(request, "BillingMode", "billingMode", {"PROVISIONED", "PAY_PER_REQUEST"}, "PROVISIONED");
  if (table.billing_mode == "PROVISIONED") {
    if (!request.contains("ProvisionedThroughput")) {
      throw_validation(
          std::string(invalid) +
          "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
    }
    table.provisioned_throughput =
        parse_throughput(request["ProvisionedThroughput"], "provisionedThroughput");
  } else if (request.contains("ProvisionedThroughput")) {
    throw_validation(std::string(invalid) +
                     "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is "
                     "PAY_PER_REQUEST");
  }

  std::set<std::string> index_names;
  auto remember_name = [&](const std::string& name) {
    if (!index_names.insert(name).second)
      throw_validation(std::string(invalid) + "Duplicate index name: " + name);
  };

  // Each count is checked before the definitions it counts are parsed.
  if (request.contains("LocalSecondaryIndexes")) {
    const json& locals = request["LocalSecondaryIndexes"];
    if (!locals.is_array() || locals.empty())
      throw_validation(std::string(invalid) + "List of LocalSecondaryIndexes is empty");
    if (locals.size() > max_local_indexes) {
      throw_validation(std::string(invalid) + "Number of LocalSecondaryIndexes exceeds per-table limit of 5");
    }
    if (!table.keys.range) {
      throw_validation(std::string(invalid) +
                       "Table KeySchema does not have a range key, which is required when specifying a "
                       "LocalSecondaryIndex");
    }
    for (const auto& definition : locals) {
      index_info index = parse_index_common(definition, false, table.attribute_types, definition_order);
      if (!index.keys.range) {
        throw_validation(std::string(invalid) +
                         "Index KeySchema does not have a range key for index: " + index.name);
      }
      if (index.keys.hash != table.keys.hash) {
        throw_validation(
            std::string(invalid) +
            "Index KeySchema does not have the same leading hash key as table KeySchema for index: " +
            index.name + ". index hash key: " + index.keys.hash + ", table hash key: " + table.keys.hash);
      }
      remember_name(index.name);
      table.indexes.push_back(std::move(index));
    }
  }
  if (request.contains("GlobalSecondaryIndexes")) {
    const json& globals = request["GlobalSecondaryIndexes"];
    if (!globals.is_array() || globals.empty())
      throw_validation(std::string(invalid) + "List of GlobalSecondaryIndexes is empty");
    if (globals.size() > max_global_indexes) {
      throw_validation(std::string(invalid) + "GlobalSecondaryIndex count exceeds the per-table limit of 20");
    }
    std::vector<attribute_definition> definitions;
    for (const auto& name : definition_order) definitions.push_back({name, table.attribute_types.at(name)});
    for (const auto& definition : globals) {
      index_info index = parse_global_index(definition, table, definitions);
      remember_name(index.name);
      table.indexes.push_back(std::move(index));
    }
  }
  check_projected_attributes(table);

  // Every attribute definition must be used by some key schema (DynamoDB rejects extras).
  auto used = table.all_key_attributes();
  if (used.size() != table.attribute_types.size()) {
    if (table.indexes.empty()) {
      throw_validation(std::string(invalid) +
                       "Number of attributes in KeySchema does not exactly match number of attributes "
                       "defined in AttributeDefinitions");
    }
    throw_validation(std::string(invalid) +
                     "Some AttributeDefinitions are not used. AttributeDefinitions: [" +
                     join(definition_order) + "], keys used: [" + join(used) + "]");
  }

  if (request.contains("StreamSpecification")) {
    const json& stream = request["StreamSpecification"];
    const std::optional<bool> stream_enabled =
        stream.is_object() ? optional_boolean(stream, "StreamEnabled") : std::nullopt;
    if (!stream_enabled) throw_validation(null_member_message("streamSpecification.streamEnabled"));
    if (*stream_enabled) {
      const json view = stream.value("StreamViewType", json());
      if (view != "KEYS_ONLY" && view != "NEW_IMAGE" && view != "OLD_IMAGE" && view != "NEW_AND_OLD_IMAGES") {
        throw_validation(std::string(invalid) +
                         "You must specify a StreamViewType when enabling a stream");  // unconfirmed wording
      }
      // The two members DynamoDB describes, not the client's object (which may carry anything).
      table.stream_specification = {{"StreamEnabled", true}, {"StreamViewType", view}};
    }
  }
  if (const json* tags = find_member(request, "Tags")) table.tags = tags_json(parse_tags(*tags));
  table.deletion_protection = boolean_member(request, "DeletionProtectionEnabled", false);
  return table;
}

void check_projected_attributes(const table_info& table) {
  std::size_t projected = 0;
  for (const auto& index : table.indexes) projected += index.non_key_attributes.size();
  if (projected > max_projected_attributes) throw_validation(too_many_projected_attributes);
}

// ---- tags ----------------------------------------------------------------------------------------

namespace {

// Length in characters (code points) of UTF-8 text, as AWS's length constraints count.
std::size_t characters(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

const std::string& tag_string(const json& tag, const char* field, const std::string& member, std::size_t min,
                              std::size_t max) {
  const json* value = find_member(tag, field);
  if (value == nullptr) throw_validation(null_member_message(member));
  if (!value->is_string()) {
    throw core::aws_error(core::error_code::serialization, "Unexpected value type in payload");
  }
  const auto& text = value->get_ref<const std::string&>();
  const std::size_t length = characters(text);
  if (length < min || length > max) {
    throw_validation(constraint_message(
        "'" + text + "'", member,
        length < min ? "Member must have length greater than or equal to " + std::to_string(min)
                     : "Member must have length less than or equal to " + std::to_string(max)));
  }
  return text;
}

}  // namespace

std::vector<tag> parse_tags(const json& tags) {
  if (!tags.is_array())
    throw core::aws_error(core::error_code::serialization, "Unexpected value type in payload");
  // More distinct keys than a resource may hold can never succeed: refused before any is read.
  if (tags.size() > max_tags) throw_too_many_tags();
  std::vector<tag> out;
  std::map<std::string_view, std::size_t> position;  // key -> index in out: a repeated key updates
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const json& entry = tags[i];
    const std::string member = "tags." + std::to_string(i + 1) + ".member";
    if (!entry.is_object()) throw_validation(null_member_message(member + ".key"));
    // TagKeyString and TagValueString in the API reference: 1-128 and 0-256 characters.
    const std::string& key = tag_string(entry, "Key", member + ".key", 1, 128);
    const std::string& value = tag_string(entry, "Value", member + ".value", 0, 256);
    if (const auto [it, inserted] = position.emplace(key, out.size()); !inserted) {
      out[it->second].value = value;
    } else {
      out.push_back({key, value});
    }
  }
  return out;
}

void throw_too_many_tags() {
  // Unconfirmed: the API reference lists both LimitExceededException and ValidationException
  // for TagResource; the quota of 50 tags per resource is documented.
  throw core::aws_error(core::error_code::limit_exceeded, "Too many tags on the resource");
}

json tags_json(const std::vector<tag>& tags) {
  json out = json::array();
  for (const auto& [key, value] : tags) out.push_back({{"Key", key}, {"Value", value}});
  return out;
}

std::vector<tag> tags_of(const table_info& table) {
  std::vector<tag> out;
  if (!table.tags.is_array()) return out;
  for (const auto& entry : table.tags) {
    if (entry.is_object() && entry.contains("Key") && entry["Key"].is_string() && entry.contains("Value") &&
        entry["Value"].is_string()) {
      out.push_back({entry["Key"].get<std::string>(), entry["Value"].get<std::string>()});
    }
  }
  return out;
}

// ---- persistence ---------------------------------------------------------------------------------

namespace {
json keys_to_json(const key_schema& keys) {
  json out{{"hash", keys.hash}};
  if (keys.range) out["range"] = *keys.range;
  // Written only for multi-attribute GSI keys, so that other tables' records stay as they were.
  if (!keys.more_hash.empty()) out["more_hash"] = keys.more_hash;
  if (!keys.more_range.empty()) out["more_range"] = keys.more_range;
  return out;
}
key_schema keys_from_json(const json& stored) {
  key_schema keys;
  keys.hash = stored.at("hash").get<std::string>();
  if (stored.contains("range")) keys.range = stored["range"].get<std::string>();
  if (stored.contains("more_hash")) keys.more_hash = stored["more_hash"].get<std::vector<std::string>>();
  if (stored.contains("more_range")) keys.more_range = stored["more_range"].get<std::vector<std::string>>();
  return keys;
}
}  // namespace

json to_storage_json(const table_info& table) {
  json indexes = json::array();
  for (const auto& index : table.indexes) {
    indexes.push_back({{"name", index.name},
                       {"global", index.global},
                       {"id", index.id},
                       {"keys", keys_to_json(index.keys)},
                       {"projection", projection_name(index.projection)},
                       {"non_key_attributes", index.non_key_attributes},
                       {"provisioned_throughput", index.provisioned_throughput}});
  }
  return {{"name", table.name},
          {"id", table.id},
          {"table_id", table.table_id},
          {"keys", keys_to_json(table.keys)},
          {"attribute_types", table.attribute_types},
          {"indexes", indexes},
          {"billing_mode", table.billing_mode},
          {"provisioned_throughput", table.provisioned_throughput},
          {"stream_specification", table.stream_specification},
          {"stream_label", table.stream_label},
          {"stream_id", table.stream_id},
          {"ttl_attribute", table.ttl_attribute},
          {"ttl_enabled", table.ttl_enabled},
          {"tags", table.tags},
          {"creation_time", table.creation_time},
          {"deletion_protection", table.deletion_protection},
          {"restore_summary", table.restore_summary}};
}

table_info from_storage_json(const json& stored) {
  table_info table;
  table.name = stored.at("name").get<std::string>();
  table.id = stored.at("id").get<std::uint32_t>();
  table.table_id = stored.at("table_id").get<std::string>();
  table.keys = keys_from_json(stored.at("keys"));
  table.attribute_types = stored.at("attribute_types").get<std::map<std::string, std::string>>();
  for (const auto& entry : stored.at("indexes")) {
    index_info index;
    index.name = entry.at("name").get<std::string>();
    index.global = entry.at("global").get<bool>();
    index.id = entry.at("id").get<std::uint32_t>();
    index.keys = keys_from_json(entry.at("keys"));
    const auto projection = entry.at("projection").get<std::string>();
    index.projection = projection == "KEYS_ONLY" ? projection_type::keys_only
                       : projection == "INCLUDE" ? projection_type::include
                                                 : projection_type::all;
    index.non_key_attributes = entry.at("non_key_attributes").get<std::vector<std::string>>();
    index.provisioned_throughput = entry.at("provisioned_throughput");
    table.indexes.push_back(std::move(index));
  }
  table.billing_mode = stored.at("billing_mode").get<std::string>();
  table.provisioned_throughput = stored.at("provisioned_throughput");
  table.stream_specification = stored.at("stream_specification");
  table.stream_label = stored.value("stream_label", std::string());
  table.stream_id = stored.value("stream_id", std::uint32_t{0});
  table.ttl_attribute = stored.value("ttl_attribute", std::string());
  table.ttl_enabled = stored.value("ttl_enabled", false);
  table.tags = stored.at("tags");
  table.creation_time = stored.at("creation_time").get<double>();
  table.deletion_protection = stored.value("deletion_protection", false);
  table.restore_summary = stored.value("restore_summary", json());
  return table;
}

// ---- DescribeTable -------------------------------------------------------------------------------

json key_schema_json(const key_schema& keys) {
  // In KeySchema order: every HASH element, then every RANGE element, as they were created.
  json out = json::array();
  for (const auto& name : keys.hash_attributes())
    out.push_back({{"AttributeName", name}, {"KeyType", "HASH"}});
  for (const auto& name : keys.range_attributes())
    out.push_back({{"AttributeName", name}, {"KeyType", "RANGE"}});
  return out;
}

namespace {

json throughput_description(const json& throughput) {
  if (throughput.is_null()) {
    return {{"NumberOfDecreasesToday", 0}, {"ReadCapacityUnits", 0}, {"WriteCapacityUnits", 0}};
  }
  return {{"NumberOfDecreasesToday", 0},
          {"ReadCapacityUnits", throughput.at("ReadCapacityUnits")},
          {"WriteCapacityUnits", throughput.at("WriteCapacityUnits")}};
}
}  // namespace

std::string table_arn(const table_info& table, const describe_context& context) {
  return "arn:aws:dynamodb:" + context.region + ":" + context.account_id + ":table/" + table.name;
}

json describe(const table_info& table, const describe_context& context) {
  json definitions = json::array();
  for (const auto& [name, type] : table.attribute_types) {
    definitions.push_back({{"AttributeName", name}, {"AttributeType", type}});
  }
  const std::string arn = table_arn(table, context);
  json out{{"AttributeDefinitions", definitions},
           {"TableName", table.name},
           {"KeySchema", key_schema_json(table.keys)},
           {"TableStatus", context.status},
           {"CreationDateTime", table.creation_time},
           {"ProvisionedThroughput", throughput_description(table.provisioned_throughput)},
           {"TableSizeBytes", context.size_bytes},
           {"ItemCount", context.item_count},
           {"TableArn", arn},
           {"TableId", table.table_id},
           {"DeletionProtectionEnabled", table.deletion_protection}};
  if (table.billing_mode == "PAY_PER_REQUEST") {
    out["BillingModeSummary"] = {{"BillingMode", "PAY_PER_REQUEST"},
                                 {"LastUpdateToPayPerRequestDateTime", table.creation_time}};
  }
  json globals = json::array();
  json locals = json::array();
  for (const auto& index : table.indexes) {
    json projection{{"ProjectionType", projection_name(index.projection)}};
    if (!index.non_key_attributes.empty()) projection["NonKeyAttributes"] = index.non_key_attributes;
    json described{{"IndexName", index.name},  {"KeySchema", key_schema_json(index.keys)},
                   {"Projection", projection}, {"IndexSizeBytes", 0},
                   {"ItemCount", 0},           {"IndexArn", arn + "/index/" + index.name}};
    if (index.global) {
      described["IndexStatus"] = "ACTIVE";
      described["ProvisionedThroughput"] = throughput_description(index.provisioned_throughput);
      globals.push_back(std::move(described));
    } else {
      locals.push_back(std::move(described));
    }
  }
  if (!globals.empty()) out["GlobalSecondaryIndexes"] = globals;
  if (!locals.empty()) out["LocalSecondaryIndexes"] = locals;
  if (!table.stream_specification.is_null()) out["StreamSpecification"] = table.stream_specification;
  // The latest stream's label and ARN linger after it is disabled (StreamSpecification does not).
  if (!table.stream_label.empty()) {
    out["LatestStreamLabel"] = table.stream_label;
    out["LatestStreamArn"] = arn + "/stream/" + table.stream_label;
  }
  if (!table.restore_summary.is_null()) out["RestoreSummary"] = table.restore_summary;
  return out;
}

}  // namespace fogbank::dynamodb
