// Queue operations: create, look up, list, delete, attributes, tags, purge, DLQ sources,
// permissions.

#include "fogbank/storage/key_encoding.hpp"
#include "message_format.hpp"
#include "queue_attributes.hpp"
#include "request.hpp"
#include "service_impl.hpp"

#include <algorithm>

namespace fogbank::sqs {
namespace {

bool name_chars(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

void check_queue_name(const std::string& name, bool fifo) {
  if (fifo) {
    constexpr std::string_view suffix = ".fifo";
    const bool ok = name.size() > suffix.size() && name.size() <= 80 && name.ends_with(suffix) &&
                    name_chars(std::string_view(name).substr(0, name.size() - suffix.size()));
    if (!ok) {
      fail(core::error_code::invalid_parameter_value,
           "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must "
           "end "
           "with .fifo suffix and be 1 to 80 in length.");
    }
    return;
  }
  if (name.empty() || name.size() > 80 || !name_chars(name)) {
    fail(core::error_code::invalid_parameter_value,
         "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  }
}

// Pages a sorted list of URLs for ListQueues / ListDeadLetterSourceQueues: NextToken is the
// base64 of the last URL returned.
json page_urls(std::vector<std::string> urls, const json& request, const char* list_name) {
  std::sort(urls.begin(), urls.end());
  const auto max_results = optional_int(request, "MaxResults");
  if (max_results && (*max_results < 1 || *max_results > 1000)) {
    fail_invalid_value("MaxResults", std::to_string(*max_results),
                       "MaxResults must be an integer between 1 and 1000.");
  }
  auto begin = urls.begin();
  if (auto token = optional_string(request, "NextToken"); token && !token->empty()) {
    auto after = base64_decode(*token);
    if (!after) fail(core::error_code::invalid_parameter_value, "Invalid NextToken value.");
    begin = std::upper_bound(urls.begin(), urls.end(), *after);
  }
  // Without MaxResults AWS returns at most 1,000 queues and no token.
  const std::size_t limit = max_results ? static_cast<std::size_t>(*max_results) : 1000;
  json out = json::object();
  json page = json::array();
  auto it = begin;
  for (; it != urls.end() && page.size() < limit; ++it) page.push_back(*it);
  if (!page.empty() || std::string_view(list_name) == "queueUrls") out[list_name] = page;
  if (max_results && it != urls.end()) out["NextToken"] = base64_encode(page.back().get<std::string>());
  return out;
}

}  // namespace

json service_impl::create_queue(const json& request, const request_context& context) {
  const std::string name = required_string(request, "QueueName");
  const auto given = string_map(request, "Attributes");
  bool fifo = false;
  for (const auto& [key, value] : given) {
    if (key == "FifoQueue") {
      if (value != "true" && value != "false" && value != "True" && value != "False") {
        fail(core::error_code::invalid_attribute_value, "Invalid value for the parameter FifoQueue.");
      }
      fifo = value == "true" || value == "True";
    }
  }
  check_queue_name(name, fifo);
  auto attributes = validate_attributes(given, fifo, *this);
  const std::string key = queue_key(context.region, context.account_id, name);
  if (auto it = queues_.find(key); it != queues_.end()) {
    // CreateQueue is idempotent for the same attributes; a different value for any attribute
    // given is QueueNameExists (tags are not compared).
    const queue& existing = *it->second;
    for (const auto& [attribute, value] : attributes) {
      auto current = existing.attributes.find(attribute);
      const std::string current_value =
          current == existing.attributes.end() ? std::string() : current->second;
      if (current_value != value) {
        fail(core::error_code::queue_name_exists,
             "A queue already exists with the same name and a different value for attribute " + attribute);
      }
    }
    return json{{"QueueUrl", queue_url(existing, context)}};
  }
  auto q = std::make_unique<queue>();
  q->id = next_queue_id_++;
  q->region = context.region;
  q->account_id = context.account_id;
  q->name = name;
  q->fifo = fifo;
  q->attributes = default_attributes(fifo);
  for (auto& [attribute, value] : attributes) q->attributes[attribute] = value;
  q->created_s = q->modified_s = now_ms() / 1000;
  for (const auto& [tag, value] : string_map(request, "tags")) q->tags[tag] = value;
  storage::write_batch batch;
  stage_queue(batch, *q);
  commit(batch);
  json out{{"QueueUrl", queue_url(*q, context)}};
  queues_[key] = std::move(q);
  return out;
}

json service_impl::get_queue_url(const json& request, const request_context& context) {
  const std::string name = required_string(request, "QueueName");
  std::string account = optional_string(request, "QueueOwnerAWSAccountId").value_or(context.account_id);
  if (account.empty()) account = context.account_id;
  auto it = queues_.find(queue_key(context.region, account, name));
  if (it == queues_.end())
    fail(core::error_code::queue_does_not_exist, "The specified queue does not exist.");
  return json{{"QueueUrl", queue_url(*it->second, context)}};
}

json service_impl::list_queues(const json& request, const request_context& context) {
  const std::string prefix = optional_string(request, "QueueNamePrefix").value_or("");
  std::vector<std::string> urls;
  for (const auto& [key, q] : queues_) {
    if (q->region == context.region && q->account_id == context.account_id && q->name.starts_with(prefix)) {
      urls.push_back(queue_url(*q, context));
    }
  }
  return page_urls(std::move(urls), request, "QueueUrls");
}

json service_impl::delete_queue(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  storage::write_batch batch;
  batch.erase(storage::column::meta, "sqs-queue/" + queue_key(q.region, q.account_id, q.name));
  for (const auto& [seq, m] : q.messages) stage_message_erase(batch, q, seq);
  for (const auto& [id, record] : q.dedup) {
    std::string key = "d";
    storage::key::append_u64(key, q.id);
    storage::key::append_bytes(key, id);
    batch.erase(storage::column::queues, key);
  }
  commit(batch);
  release_waiters(q);
  queues_.erase(queue_key(q.region, q.account_id, q.name));
  return json::object();
}

json service_impl::get_queue_attributes(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  const auto names = string_list(request, "AttributeNames");
  json attributes = read_attributes(q, names, now_ms());
  if (attributes.empty()) return json::object();
  return json{{"Attributes", std::move(attributes)}};
}

json service_impl::set_queue_attributes(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  if (!request.contains("Attributes")) fail_missing("Attributes");
  const auto given = string_map(request, "Attributes");
  for (const auto& [name, value] : given) {
    if (name == "FifoQueue" && q.fifo != (value == "true" || value == "True")) {
      fail(core::error_code::invalid_attribute_value,
           "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.");
    }
  }
  auto attributes = validate_attributes(given, q.fifo, *this);
  if (auto policy = attributes.find("RedrivePolicy"); policy != attributes.end() && !policy->second.empty()) {
    const json parsed = json::parse(policy->second);
    if (parsed.at("deadLetterTargetArn").get<std::string>() == q.arn()) {
      fail_invalid_value("RedrivePolicy", policy->second, "Dead letter target must not be the queue itself.");
    }
  }
  for (auto& [name, value] : attributes) q.attributes[name] = value;
  q.modified_s = now_ms() / 1000;
  q.next_expiry_ms = 0;  // MessageRetentionPeriod may have changed
  storage::write_batch batch;
  stage_queue(batch, q);
  commit(batch);
  expire(q);
  serve_waiters(q);
  return json::object();
}

json service_impl::tag_queue(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  if (!request.contains("Tags")) fail_missing("Tags");
  const auto tags = string_map(request, "Tags");
  // Quotas: up to 50 tags per queue (SQS developer guide, "Amazon SQS queue quotas").
  std::map<std::string, std::string> merged = q.tags;
  for (const auto& [key, value] : tags) {
    if (key.empty() || key.size() > 128 || value.size() > 256) {
      fail(core::error_code::invalid_parameter_value,
           "Tag keys must be 1 to 128 characters and values at most 256.");
    }
    merged[key] = value;
  }
  if (merged.size() > 50) {
    fail(core::error_code::invalid_parameter_value, "Too many tags added for queue " + q.name + ".");
  }
  q.tags = std::move(merged);
  storage::write_batch batch;
  stage_queue(batch, q);
  commit(batch);
  return json::object();
}

json service_impl::untag_queue(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  if (!request.contains("TagKeys")) fail_missing("TagKeys");
  for (const auto& key : string_list(request, "TagKeys")) q.tags.erase(key);
  storage::write_batch batch;
  stage_queue(batch, q);
  commit(batch);
  return json::object();
}

json service_impl::list_queue_tags(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  if (q.tags.empty()) return json::object();
  return json{{"Tags", q.tags}};
}

json service_impl::purge_queue(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  const std::int64_t now = now_ms();
  if (q.last_purge_ms >= 0 && now - q.last_purge_ms < purge_interval_ms) {
    fail(core::error_code::purge_queue_in_progress,
         "Only one PurgeQueue operation on " + q.name + " is allowed every 60 seconds.");
  }
  q.last_purge_ms = now;
  storage::write_batch batch;
  for (const auto& [seq, m] : q.messages) stage_message_erase(batch, q, seq);
  commit(batch);
  q.messages.clear();
  q.seq_of_id.clear();
  return json::object();
}

json service_impl::list_dead_letter_source_queues(const json& request, const request_context& context) {
  queue& dlq = find_queue(request, context);
  const std::string arn = dlq.arn();
  std::vector<std::string> urls;
  for (const auto& [key, q] : queues_) {
    auto policy = q->attributes.find("RedrivePolicy");
    if (policy == q->attributes.end() || policy->second.empty()) continue;
    if (json::parse(policy->second).at("deadLetterTargetArn").get<std::string>() == arn) {
      urls.push_back(queue_url(*q, context));
    }
  }
  return page_urls(std::move(urls), request, "queueUrls");
}

json service_impl::add_permission(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  const std::string label = required_string(request, "Label");
  const auto accounts = string_list(request, "AWSAccountIds");
  const auto actions = string_list(request, "Actions");
  if (accounts.empty()) fail_missing("AWSAccountIds");
  if (actions.empty()) fail_missing("Actions");
  json policy = json::parse(q.attributes["Policy"].empty() ? std::string("{}") : q.attributes["Policy"],
                            nullptr, false);
  if (!policy.is_object()) policy = json::object();
  if (!policy.contains("Version")) policy["Version"] = "2008-10-17";
  if (!policy.contains("Id")) policy["Id"] = q.arn() + "/SQSDefaultPolicy";
  json& statements = policy["Statement"];
  if (!statements.is_array()) statements = json::array();
  for (const auto& statement : statements) {
    if (statement.value("Sid", "") == label) {
      fail_invalid_value("Label", label, "Already exists.");
    }
  }
  json principals = json::array();
  for (const auto& account : accounts) principals.push_back("arn:aws:iam::" + account + ":root");
  json action_list = json::array();
  for (const auto& action : actions) action_list.push_back("SQS:" + action);
  statements.push_back(json{{"Sid", label},
                            {"Effect", "Allow"},
                            {"Principal", {{"AWS", principals.size() == 1 ? principals[0] : principals}}},
                            {"Action", action_list.size() == 1 ? action_list[0] : action_list},
                            {"Resource", q.arn()}});
  q.attributes["Policy"] = policy.dump();
  storage::write_batch batch;
  stage_queue(batch, q);
  commit(batch);
  return json::object();
}

json service_impl::remove_permission(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  const std::string label = required_string(request, "Label");
  json policy = json::parse(q.attributes["Policy"].empty() ? std::string("{}") : q.attributes["Policy"],
                            nullptr, false);
  json statements = policy.is_object() ? policy.value("Statement", json::array()) : json::array();
  json kept = json::array();
  bool found = false;
  for (const auto& statement : statements) {
    if (statement.value("Sid", "") == label) {
      found = true;
    } else {
      kept.push_back(statement);
    }
  }
  if (!found) fail_invalid_value("Label", label, "can't find label.");
  if (kept.empty()) {
    q.attributes["Policy"].clear();
  } else {
    policy["Statement"] = kept;
    q.attributes["Policy"] = policy.dump();
  }
  storage::write_batch batch;
  stage_queue(batch, q);
  commit(batch);
  return json::object();
}

}  // namespace fogbank::sqs
