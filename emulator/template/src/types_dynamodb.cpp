// AWS::DynamoDB::Table: CreateTable (and UpdateTimeToLive) when missing; UpdateTable,
// UpdateTimeToLive and tag calls for what differs from the template when it exists. A change
// CloudFormation makes by replacing the table (KeySchema, LocalSecondaryIndexes, TableName)
// would drop its items: fogbank refuses it instead and says how to get it.

#include "resource_type.hpp"

#include "deferred.hpp"

namespace fogbank::templates {
namespace {

// DynamoDB's table names are at most 255 characters (CreateTable, TableName).
constexpr std::size_t max_table_name = 255;

const std::set<std::string> table_properties = {"TableName",
                                                "AttributeDefinitions",
                                                "KeySchema",
                                                "BillingMode",
                                                "ProvisionedThroughput",
                                                "GlobalSecondaryIndexes",
                                                "LocalSecondaryIndexes",
                                                "StreamSpecification",
                                                "TimeToLiveSpecification",
                                                "Tags",
                                                "DeletionProtectionEnabled",
                                                "PointInTimeRecoverySpecification"};
// Encryption, backups, metrics, storage class and capacity settings change nothing a client of
// the emulator can see.
const std::set<std::string> table_unemulated = {"SSESpecification", "ContributorInsightsSpecification",
                                                "TableClass",       "OnDemandThroughput",
                                                "WarmThroughput",   "ResourcePolicy"};

json key_schema(const plan_context& c, const json& value, const std::string& pointer) {
  if (!value.is_array()) fail_at(c.source, pointer, "KeySchema is a list of {AttributeName, KeyType}");
  json out = json::array();
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string at = child_path(pointer, i);
    if (!value[i].is_object() || !value[i].contains("AttributeName") || !value[i].contains("KeyType")) {
      fail_at(c.source, at, "a key schema element is {AttributeName, KeyType}");
    }
    out.push_back(
        {{"AttributeName", string_property(c, value[i]["AttributeName"], child_path(at, "AttributeName"))},
         {"KeyType", string_property(c, value[i]["KeyType"], child_path(at, "KeyType"))}});
  }
  return out;
}

json throughput(const plan_context& c, const json& value, const std::string& pointer) {
  if (!value.is_object())
    fail_at(c.source, pointer, "ProvisionedThroughput is {ReadCapacityUnits, WriteCapacityUnits}");
  json out = json::object();
  for (const char* member : {"ReadCapacityUnits", "WriteCapacityUnits"}) {
    if (!value.contains(member))
      fail_at(c.source, pointer, std::string("ProvisionedThroughput needs ") + member);
    out[member] = int_property(c, value[member], child_path(pointer, member));
  }
  return out;
}

json projection(const plan_context& c, const json& value, const std::string& pointer) {
  if (!value.is_object()) fail_at(c.source, pointer, "Projection is {ProjectionType, NonKeyAttributes}");
  json out = json::object();
  if (value.contains("ProjectionType")) {
    out["ProjectionType"] =
        string_property(c, value["ProjectionType"], child_path(pointer, "ProjectionType"));
  }
  if (value.contains("NonKeyAttributes")) {
    const json& names = value["NonKeyAttributes"];
    if (!names.is_array())
      fail_at(c.source, child_path(pointer, "NonKeyAttributes"), "must be a list of names");
    json list = json::array();
    for (std::size_t i = 0; i < names.size(); ++i) {
      list.push_back(string_property(c, names[i], child_path(child_path(pointer, "NonKeyAttributes"), i)));
    }
    out["NonKeyAttributes"] = list;
  }
  return out;
}

// A GSI or LSI as CreateTable takes it.
json index_definition(const plan_context& c, const json& value, const std::string& pointer, bool global) {
  if (!value.is_object()) fail_at(c.source, pointer, "an index is {IndexName, KeySchema, Projection}");
  static const std::set<std::string> unemulated = {"ContributorInsightsSpecification", "OnDemandThroughput",
                                                   "WarmThroughput"};
  for (const auto& [key, member] : value.items()) {
    const bool known = key == "IndexName" || key == "KeySchema" || key == "Projection" ||
                       (global && key == "ProvisionedThroughput") || (global && unemulated.contains(key));
    if (!known)
      fail_at(c.source, child_path(pointer, key), "is not a property of an index that fogbank supports");
  }
  for (const char* member : {"IndexName", "KeySchema", "Projection"}) {
    if (!value.contains(member)) fail_at(c.source, pointer, std::string("an index needs ") + member);
  }
  json out = {{"IndexName", string_property(c, value["IndexName"], child_path(pointer, "IndexName"))},
              {"KeySchema", key_schema(c, value["KeySchema"], child_path(pointer, "KeySchema"))},
              {"Projection", projection(c, value["Projection"], child_path(pointer, "Projection"))}};
  if (value.contains("ProvisionedThroughput")) {
    out["ProvisionedThroughput"] =
        throughput(c, value["ProvisionedThroughput"], child_path(pointer, "ProvisionedThroughput"));
  }
  return out;
}

json index_list(const plan_context& c, const planned_resource& r, const char* name, bool global) {
  const json& list = r.properties[name];
  const std::string pointer = property_path(r, name);
  if (!list.is_array()) fail_at(c.source, pointer, std::string(name) + " is a list of indexes");
  json out = json::array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    out.push_back(index_definition(c, list[i], child_path(pointer, i), global));
  }
  return out;
}

// The create request, and the TTL setting (CloudFormation's {AttributeName, Enabled}) if on.
json create_request(const plan_context& c, const planned_resource& r) {
  const json& p = r.properties;
  for (const char* required : {"KeySchema", "AttributeDefinitions"}) {
    if (!p.contains(required))
      fail_at(c.source, r.pointer, std::string("AWS::DynamoDB::Table needs ") + required);
  }
  json request = {{"TableName", r.physical_id},
                  {"KeySchema", key_schema(c, p["KeySchema"], property_path(r, "KeySchema"))}};
  const std::string definitions_path = property_path(r, "AttributeDefinitions");
  if (!p["AttributeDefinitions"].is_array())
    fail_at(c.source, definitions_path, "is a list of {AttributeName, AttributeType}");
  json definitions = json::array();
  for (std::size_t i = 0; i < p["AttributeDefinitions"].size(); ++i) {
    const json& d = p["AttributeDefinitions"][i];
    const std::string at = child_path(definitions_path, i);
    if (!d.is_object() || !d.contains("AttributeName") || !d.contains("AttributeType")) {
      fail_at(c.source, at, "an attribute definition is {AttributeName, AttributeType}");
    }
    definitions.push_back(
        {{"AttributeName", string_property(c, d["AttributeName"], child_path(at, "AttributeName"))},
         {"AttributeType", string_property(c, d["AttributeType"], child_path(at, "AttributeType"))}});
  }
  request["AttributeDefinitions"] = definitions;
  if (p.contains("BillingMode"))
    request["BillingMode"] = string_property(c, p["BillingMode"], property_path(r, "BillingMode"));
  if (p.contains("ProvisionedThroughput")) {
    request["ProvisionedThroughput"] =
        throughput(c, p["ProvisionedThroughput"], property_path(r, "ProvisionedThroughput"));
  }
  if (p.contains("GlobalSecondaryIndexes"))
    request["GlobalSecondaryIndexes"] = index_list(c, r, "GlobalSecondaryIndexes", true);
  if (p.contains("LocalSecondaryIndexes"))
    request["LocalSecondaryIndexes"] = index_list(c, r, "LocalSecondaryIndexes", false);
  if (p.contains("StreamSpecification")) {
    // CloudFormation's StreamSpecification has no StreamEnabled: declaring it turns the stream on.
    const json& stream = p["StreamSpecification"];
    const std::string at = property_path(r, "StreamSpecification");
    if (!stream.is_object() || !stream.contains("StreamViewType"))
      fail_at(c.source, at, "StreamSpecification needs StreamViewType");
    request["StreamSpecification"] = {
        {"StreamEnabled", true},
        {"StreamViewType", string_property(c, stream["StreamViewType"], child_path(at, "StreamViewType"))}};
  }
  if (p.contains("Tags")) {
    json tags = json::array();
    for (const auto& [key, value] : tag_map(c, p["Tags"], property_path(r, "Tags"))) {
      tags.push_back({{"Key", key}, {"Value", value}});
    }
    request["Tags"] = tags;
  }
  if (p.contains("DeletionProtectionEnabled")) {
    request["DeletionProtectionEnabled"] =
        bool_property(c, p["DeletionProtectionEnabled"], property_path(r, "DeletionProtectionEnabled"));
  }
  return request;
}

// {"AttributeName": ..., "Enabled": bool} or null when TTL is off.
json ttl_setting(const plan_context& c, const planned_resource& r) {
  if (!r.properties.contains("TimeToLiveSpecification")) return nullptr;
  const json& ttl = r.properties["TimeToLiveSpecification"];
  const std::string at = property_path(r, "TimeToLiveSpecification");
  if (!ttl.is_object() || !ttl.contains("Enabled"))
    fail_at(c.source, at, "TimeToLiveSpecification is {AttributeName, Enabled}");
  if (!bool_property(c, ttl["Enabled"], child_path(at, "Enabled"))) return nullptr;
  if (!ttl.contains("AttributeName"))
    fail_at(c.source, at, "TimeToLiveSpecification needs AttributeName when Enabled");
  return {{"AttributeName", string_property(c, ttl["AttributeName"], child_path(at, "AttributeName"))},
          {"Enabled", true}};
}

// UpdateContinuousBackups' PointInTimeRecoverySpecification for CloudFormation's
// {PointInTimeRecoveryEnabled, RecoveryPeriodInDays}, or null when the property is absent.
json recovery_setting(const plan_context& c, const planned_resource& r) {
  if (!r.properties.contains("PointInTimeRecoverySpecification")) return nullptr;
  const json& value = r.properties["PointInTimeRecoverySpecification"];
  const std::string at = property_path(r, "PointInTimeRecoverySpecification");
  if (!value.is_object()) fail_at(c.source, at, "is {PointInTimeRecoveryEnabled, RecoveryPeriodInDays}");
  json out = {{"PointInTimeRecoveryEnabled", value.contains("PointInTimeRecoveryEnabled")
                                                 ? bool_property(c, value["PointInTimeRecoveryEnabled"],
                                                                 child_path(at, "PointInTimeRecoveryEnabled"))
                                                 : false}};
  if (value.contains("RecoveryPeriodInDays")) {
    out["RecoveryPeriodInDays"] =
        int_property(c, value["RecoveryPeriodInDays"], child_path(at, "RecoveryPeriodInDays"));
  }
  return out;
}

// ---- bringing an existing table in line ---------------------------------------------------

std::map<std::string, json> indexes_by_name(const json& list) {
  std::map<std::string, json> out;
  if (list.is_array()) {
    for (const json& index : list) out[index.value("IndexName", "")] = index;
  }
  return out;
}

json projection_of(const json& index) {
  json p = index.value("Projection", json::object());
  if (!p.contains("ProjectionType")) p["ProjectionType"] = "ALL";
  if (p.contains("NonKeyAttributes") && p["NonKeyAttributes"].empty()) p.erase("NonKeyAttributes");
  return p;
}

bool same_shape(const json& a, const json& b) {
  return a.value("KeySchema", json::array()) == b.value("KeySchema", json::array()) &&
         projection_of(a) == projection_of(b);
}

json live_throughput(const json& described) {
  const json t = described.value("ProvisionedThroughput", json::object());
  return {{"ReadCapacityUnits", t.value("ReadCapacityUnits", 0)},
          {"WriteCapacityUnits", t.value("WriteCapacityUnits", 0)}};
}

class dynamodb_table final : public resource_type {
 public:
  std::string_view type_name() const override { return "AWS::DynamoDB::Table"; }
  const std::set<std::string>& supported() const override { return table_properties; }
  const std::set<std::string>& accepted_unemulated() const override { return table_unemulated; }

  void plan(const plan_context& c, planned_resource& r) const override {
    r.physical_id = physical_name(c, r, "TableName", max_table_name);
    const json request = create_request(c, r);
    r.create.push_back({"dynamodb", "CreateTable", request});
    if (const json ttl = ttl_setting(c, r); !ttl.is_null()) {
      r.create.push_back(
          {"dynamodb", "UpdateTimeToLive", {{"TableName", r.physical_id}, {"TimeToLiveSpecification", ttl}}});
    }
    if (const json recovery = recovery_setting(c, r); !recovery.is_null()) {
      r.create.push_back({"dynamodb",
                          "UpdateContinuousBackups",
                          {{"TableName", r.physical_id}, {"PointInTimeRecoverySpecification", recovery}}});
    }
    r.attributes["Ref"] = r.physical_id;
    r.attributes["Arn"] =
        "arn:aws:dynamodb:" + c.options.region + ":" + c.options.account_id + ":table/" + r.physical_id;
    if (request.contains("StreamSpecification")) {
      // The stream's label is its creation time: known once the table exists.
      r.attributes["StreamArn"] = deferred_token(r.logical_id, "StreamArn");
    } else {
      r.missing["StreamArn"] = "the table has no stream (no StreamSpecification)";
    }
  }

  std::vector<planned_call> delete_calls(const ensure_result& done) const override {
    return {{"dynamodb", "DeleteTable", {{"TableName", done.physical_id}}}};
  }

  ensure_result ensure(resource_calls& calls, const planned_resource& r,
                       const recorded_resource* previous) const override {
    ensure_result out;
    out.physical_id = r.physical_id;
    const std::optional<json> found = calls.find("dynamodb", "DescribeTable", {{"TableName", r.physical_id}},
                                                 core::error_code::resource_not_found);
    if (!found) {
      json created;
      for (const planned_call& call : r.create) {
        const json response = calls.must(call);
        if (call.operation == "CreateTable") created = response;
      }
      out.action = resource_action::created;
      set_stream_arn(r, created.value("TableDescription", json::object()), out);
      return out;
    }
    const json table = found->value("Table", json::object());
    const json& desired = r.create.front().request;
    json latest = table;
    check_replacement(calls, desired, table);
    update_billing(calls, desired, table, latest, out);
    const json before = previous != nullptr ? previous->request : json::object();
    update_indexes(calls, desired, table, before, latest, out);
    update_stream(calls, desired, table, before, latest, out);
    update_ttl(calls, r, previous, out);
    update_recovery(calls, r, out);
    update_tags(calls, desired, table.value("TableArn", ""), previous, out);
    if (desired.contains("DeletionProtectionEnabled") &&
        desired["DeletionProtectionEnabled"] != table.value("DeletionProtectionEnabled", false)) {
      latest = update(calls, {{"TableName", r.physical_id},
                              {"DeletionProtectionEnabled", desired["DeletionProtectionEnabled"]}});
      out.notes.push_back("DeletionProtectionEnabled");
    }
    out.action = out.notes.empty() ? resource_action::unchanged : resource_action::updated;
    set_stream_arn(r, latest, out);
    return out;
  }

 private:
  static json update(resource_calls& calls, const json& request) {
    return calls.must("dynamodb", "UpdateTable", request).value("TableDescription", json::object());
  }

  static void set_stream_arn(const planned_resource& r, const json& description, ensure_result& out) {
    if (r.attributes.contains("StreamArn") && description.contains("LatestStreamArn")) {
      out.deferred["StreamArn"] = description["LatestStreamArn"].get<std::string>();
    }
  }

  static void check_replacement(resource_calls& calls, const json& desired, const json& table) {
    const char* why =
        " differs from the existing table's: CloudFormation would replace the table, dropping its items; "
        "fogbank keeps it. Delete the table (or the data directory) to have it made anew";
    if (desired["KeySchema"] != table.value("KeySchema", json::array()))
      calls.fail(std::string("KeySchema") + why, "KeySchema");
    std::map<std::string, json> wanted =
        indexes_by_name(desired.value("LocalSecondaryIndexes", json::array()));
    std::map<std::string, json> live = indexes_by_name(table.value("LocalSecondaryIndexes", json::array()));
    bool same = wanted.size() == live.size();
    for (const auto& [name, index] : wanted)
      same = same && live.contains(name) && same_shape(index, live[name]);
    if (!same) calls.fail(std::string("LocalSecondaryIndexes") + why, "LocalSecondaryIndexes");
  }

  static void update_billing(resource_calls& calls, const json& desired, const json& table, json& latest,
                             ensure_result& out) {
    const std::string mode = desired.value("BillingMode", "PROVISIONED");
    const std::string live_mode =
        table.value("BillingModeSummary", json::object()).value("BillingMode", "PROVISIONED");
    json request = {{"TableName", desired["TableName"]}};
    if (mode != live_mode) request["BillingMode"] = mode;
    if (mode == "PROVISIONED" && desired.contains("ProvisionedThroughput") &&
        desired["ProvisionedThroughput"] != live_throughput(table)) {
      request["ProvisionedThroughput"] = desired["ProvisionedThroughput"];
    }
    if (request.size() == 1) return;
    latest = update(calls, request);
    out.notes.push_back(request.contains("BillingMode") ? "BillingMode" : "ProvisionedThroughput");
  }

  // One index created or deleted per UpdateTable, as DynamoDB allows; an index whose keys or
  // projection changed is deleted and made again (CloudFormation does the same).
  // Indexes the last load made and this one drops are deleted; indexes made by other means are
  // left alone.
  static void update_indexes(resource_calls& calls, const json& desired, const json& table,
                             const json& before, json& latest, ensure_result& out) {
    std::map<std::string, json> wanted =
        indexes_by_name(desired.value("GlobalSecondaryIndexes", json::array()));
    std::map<std::string, json> live = indexes_by_name(table.value("GlobalSecondaryIndexes", json::array()));
    const std::map<std::string, json> made =
        indexes_by_name(before.value("GlobalSecondaryIndexes", json::array()));
    const json& name = desired["TableName"];
    for (const auto& [index, definition] : live) {
      if (wanted.contains(index) ? same_shape(wanted[index], definition) : !made.contains(index)) continue;
      latest = update(calls, {{"TableName", name},
                              {"GlobalSecondaryIndexUpdates", {{{"Delete", {{"IndexName", index}}}}}}});
      out.notes.push_back("GlobalSecondaryIndexes: deleted " + index);
    }
    for (const auto& [index, definition] : wanted) {
      if (live.contains(index) && same_shape(definition, live[index])) {
        if (definition.contains("ProvisionedThroughput") &&
            definition["ProvisionedThroughput"] != live_throughput(live[index])) {
          latest = update(calls, {{"TableName", name},
                                  {"GlobalSecondaryIndexUpdates",
                                   {{{"Update",
                                      {{"IndexName", index},
                                       {"ProvisionedThroughput", definition["ProvisionedThroughput"]}}}}}}});
          out.notes.push_back("GlobalSecondaryIndexes: updated " + index);
        }
        continue;
      }
      latest = update(calls, {{"TableName", name},
                              {"AttributeDefinitions", desired["AttributeDefinitions"]},
                              {"GlobalSecondaryIndexUpdates", {{{"Create", definition}}}}});
      out.notes.push_back("GlobalSecondaryIndexes: created " + index);
    }
  }

  // A different view type needs the stream turned off and on again (DynamoDB refuses to enable
  // a second stream: "Table already has an enabled stream").
  static void update_stream(resource_calls& calls, const json& desired, const json& table, const json& before,
                            json& latest, ensure_result& out) {
    const json wanted = desired.value("StreamSpecification", json());
    const json live = table.value("StreamSpecification", json());
    const bool live_on = live.is_object() && live.value("StreamEnabled", false);
    if (live_on && wanted.is_object() && live.value("StreamViewType", "") == wanted["StreamViewType"]) return;
    if (!live_on && wanted.is_null()) return;
    // A stream turned on by other means stays on unless the last load had declared it.
    if (wanted.is_null() && !before.contains("StreamSpecification")) return;
    const json& name = desired["TableName"];
    if (live_on)
      latest = update(calls, {{"TableName", name}, {"StreamSpecification", {{"StreamEnabled", false}}}});
    if (wanted.is_object()) latest = update(calls, {{"TableName", name}, {"StreamSpecification", wanted}});
    out.notes.push_back("StreamSpecification");
  }

  // Point-in-time recovery as declared; left as it is when the template does not say.
  static void update_recovery(resource_calls& calls, const planned_resource& r, ensure_result& out) {
    for (const planned_call& call : r.create) {
      if (call.operation != "UpdateContinuousBackups") continue;
      const bool wanted = call.request["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"];
      const json live = calls.must("dynamodb", "DescribeContinuousBackups", {{"TableName", r.physical_id}});
      const bool live_on = live.value("ContinuousBackupsDescription", json::object())
                               .value("PointInTimeRecoveryDescription", json::object())
                               .value("PointInTimeRecoveryStatus", "") == "ENABLED";
      if (live_on == wanted) return;
      calls.must(call);
      out.notes.push_back("PointInTimeRecoverySpecification");
    }
  }

  static void update_ttl(resource_calls& calls, const planned_resource& r, const recorded_resource* previous,
                         ensure_result& out) {
    json wanted;
    for (const planned_call& call : r.create) {
      if (call.operation == "UpdateTimeToLive") wanted = call.request["TimeToLiveSpecification"];
    }
    const json live = calls.must("dynamodb", "DescribeTimeToLive", {{"TableName", r.physical_id}})
                          .value("TimeToLiveDescription", json::object());
    const bool live_on = live.value("TimeToLiveStatus", "") == "ENABLED";
    const std::string live_attribute = live.value("AttributeName", "");
    if (live_on && !wanted.is_null() && live_attribute == wanted["AttributeName"]) return;
    if (!live_on && wanted.is_null()) return;
    // TTL turned on by other means stays on unless the last load had declared it.
    if (wanted.is_null() &&
        (previous == nullptr || !previous->properties.contains("TimeToLiveSpecification")))
      return;
    if (live_on) {
      calls.must("dynamodb", "UpdateTimeToLive",
                 {{"TableName", r.physical_id},
                  {"TimeToLiveSpecification", {{"AttributeName", live_attribute}, {"Enabled", false}}}});
    }
    if (!wanted.is_null()) {
      calls.must("dynamodb", "UpdateTimeToLive",
                 {{"TableName", r.physical_id}, {"TimeToLiveSpecification", wanted}});
    }
    out.notes.push_back("TimeToLiveSpecification");
  }

  // Tags the template sets are set; tags an earlier load set and this one does not are removed;
  // tags set by other means are left alone.
  static void update_tags(resource_calls& calls, const json& desired, const std::string& arn,
                          const recorded_resource* previous, ensure_result& out) {
    std::map<std::string, std::string> wanted;
    for (const json& tag : desired.value("Tags", json::array())) {
      wanted[tag["Key"].get<std::string>()] = tag["Value"].get<std::string>();
    }
    std::map<std::string, std::string> live;
    for (const json& tag :
         calls.must("dynamodb", "ListTagsOfResource", {{"ResourceArn", arn}}).value("Tags", json::array())) {
      live[tag.value("Key", "")] = tag.value("Value", "");
    }
    json add = json::array();
    for (const auto& [key, value] : wanted) {
      if (!live.contains(key) || live[key] != value) add.push_back({{"Key", key}, {"Value", value}});
    }
    json remove = json::array();
    if (previous != nullptr && previous->request.contains("Tags") && previous->request["Tags"].is_array()) {
      for (const json& tag : previous->request["Tags"]) {
        if (!tag.is_object() || !tag.contains("Key") || !tag["Key"].is_string()) continue;
        const std::string key = tag["Key"].get<std::string>();
        if (!wanted.contains(key) && live.contains(key)) remove.push_back(key);
      }
    }
    if (!add.empty()) calls.must("dynamodb", "TagResource", {{"ResourceArn", arn}, {"Tags", add}});
    if (!remove.empty()) calls.must("dynamodb", "UntagResource", {{"ResourceArn", arn}, {"TagKeys", remove}});
    if (!add.empty() || !remove.empty()) out.notes.push_back("Tags");
  }
};

}  // namespace

const resource_type& dynamodb_table_type() {
  static const dynamodb_table type;
  return type;
}

}  // namespace fogbank::templates
