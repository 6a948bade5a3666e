// Queue operations: create, look up, list, delete, attributes, tags, purge, DLQ sources,
// permissions.

#include "fogbank/core/json_limits.hpp"
#include "fogbank/storage/key_encoding.hpp"
#include "message_format.hpp"
#include "queue_attributes.hpp"
#include "request.hpp"
#include "service_impl.hpp"

#include <algorithm>
#include <array>

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

// Quotas: up to 50 tags per queue (SQS developer guide, "Amazon SQS queue quotas").
constexpr std::size_t max_queue_tags = 50;

// The tags of a CreateQueue (`tags`) or TagQueue (`Tags`), validated. The count is checked on
// the request's map before any tag is looked at, so an oversized request costs nothing.
std::vector<std::pair<std::string, std::string>> read_tags(const json& request, const char* member,
                                                           const std::string& queue_name) {
  if (auto it = request.find(member); it != request.end() && it->is_object() && it->size() > max_queue_tags) {
    // moto's wording for TagQueue; the same for CreateQueue is unconfirmed.
    fail(core::error_code::invalid_parameter_value, "Too many tags added for queue " + queue_name + ".");
  }
  auto tags = string_map(request, member);
  for (const auto& [key, value] : tags) {
    if (key.empty() || key.size() > 128 || value.size() > 256) {
      fail(core::error_code::invalid_parameter_value,
           "Tag keys must be 1 to 128 characters and values at most 256.");
    }
    // Tags are stored and returned as text (wording unconfirmed).
    if (!has_only_allowed_characters(key) || !has_only_allowed_characters(value)) {
      fail(core::error_code::invalid_parameter_value, "Tag keys and values must be valid Unicode text.");
    }
  }
  return tags;
}

// "Amazon SQS policy quotas".
constexpr std::size_t max_policy_actions = 7;
constexpr std::size_t max_policy_principals = 50;

// AddPermission's Label: "Maximum 80 characters. Allowed characters include alphanumeric
// characters, hyphens (-), and underscores (_)." (API reference). Wording from ElasticMQ;
// unconfirmed against AWS.
void check_permission_label(const std::string& label) {
  const bool ok = label.size() <= 80 && std::all_of(label.begin(), label.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
                  });
  if (!ok) {
    fail(core::error_code::invalid_parameter_value,
         "Label can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  }
}

// AddPermission's AWSAccountIds: 12-digit account numbers, which become the principals
// "arn:aws:iam::<account>:root". AWS checks the account exists and answers this (the wording of
// other emulators; unconfirmed) for one it cannot find.
void check_permission_account(const std::string& account) {
  const bool ok = account.size() == 12 &&
                  std::all_of(account.begin(), account.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!ok) {
    fail_invalid_value("PrincipalId",
                       "[" + (has_only_allowed_characters(account) ? account : std::string("?")) + "]",
                       "Unable to verify.");
  }
}

// AddPermission's Actions: the names of SQS actions (or "*"), and none that only the queue's
// owner may call. Wording from LocalStack and ElasticMQ; unconfirmed against AWS.
void check_permission_action(const std::string& action) {
  static constexpr std::array<std::string_view, 10> grantable{"*",
                                                              "ChangeMessageVisibility",
                                                              "DeleteMessage",
                                                              "GetQueueAttributes",
                                                              "GetQueueUrl",
                                                              "ListDeadLetterSourceQueues",
                                                              "PurgeQueue",
                                                              "ReceiveMessage",
                                                              "SendMessage",
                                                              "ListQueueTags"};
  static constexpr std::array<std::string_view, 8> owner_only{
      "AddPermission",    "CreateQueue",        "DeleteQueue", "ListQueues",
      "RemovePermission", "SetQueueAttributes", "TagQueue",    "UntagQueue"};
  if (std::find(grantable.begin(), grantable.end(), action) != grantable.end()) return;
  const bool owners = std::find(owner_only.begin(), owner_only.end(), action) != owner_only.end();
  fail_invalid_value("ActionName", "SQS:" + (has_only_allowed_characters(action) ? action : std::string("?")),
                     owners ? "Only the queue owner is allowed to invoke this action."
                            : "Please refer to the appropriate WSDL for a list of valid actions.");
}

// The queue's Policy document for AddPermission / RemovePermission to edit: what was set (read
// through the bounded parser), or an empty object if none is set or it does not parse.
json policy_document(const queue& q) {
  auto it = q.attributes.find("Policy");
  if (it == q.attributes.end() || it->second.empty()) return json::object();
  auto document = core::parse_json_within(it->second, max_attribute_json_depth);
  return document && document->is_object() ? std::move(*document) : json::object();
}

// Applies `change` to a copy of the queue's definition, writes the copy, and only once that
// write succeeded applies the same change to `q`: a storage failure answers InternalError
// (service_impl::commit) and changes nothing. `change` must do the same thing both times.
template <typename Change>
void change_definition(service_impl& service, queue& q, const Change& change) {
  queue updated = q.definition();
  change(updated);
  storage::write_batch batch;
  service.stage_queue(batch, updated);
  service.commit(batch);
  change(q);
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
  const auto given = attribute_entries(request, "Attributes");
  bool fifo = false;
  if (const auto value = attribute_value(request, "Attributes", "FifoQueue")) {
    if (*value != "true" && *value != "false" && *value != "True" && *value != "False") {
      fail(core::error_code::invalid_attribute_value, "Invalid value for the parameter FifoQueue.");
    }
    fifo = *value == "true" || *value == "True";
  }
  check_queue_name(name, fifo);
  auto attributes = validate_attributes(given, fifo, *this);
  const auto tags = read_tags(request, "tags", name);
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
  q->update_attributes(default_attributes(fifo));
  q->update_attributes(attributes);
  q->created_s = q->modified_s = now_ms() / 1000;
  for (const auto& [tag, value] : tags) q->tags[tag] = value;
  storage::write_batch batch;
  stage_queue(batch, *q);
  commit(batch);
  json out{{"QueueUrl", queue_url(*q, context)}};
  queues_[key] = std::move(q);
  queue_count_ = queues_.size();
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
  queue_count_ = queues_.size();
  return json::object();
}

json service_impl::get_queue_attributes(const json& request, const request_context& context,
                                        listed_names names) {
  queue& q = find_queue(request, context);
  json attributes = read_attributes(q, names.get(), now_ms());
  if (attributes.empty()) return json::object();
  return json{{"Attributes", std::move(attributes)}};
}

json service_impl::set_queue_attributes(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  if (!request.contains("Attributes")) fail_missing("Attributes");
  const auto given = attribute_entries(request, "Attributes");
  if (const auto value = attribute_value(request, "Attributes", "FifoQueue");
      value && q.fifo != (*value == "true" || *value == "True")) {
    fail(core::error_code::invalid_attribute_value,
         "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.");
  }
  auto attributes = validate_attributes(given, q.fifo, *this);
  if (auto policy = attributes.find("RedrivePolicy"); policy != attributes.end() && !policy->second.empty()) {
    const auto parsed = parse_redrive_policy(policy->second);  // normalized above: it parses
    if (parsed && parsed->dead_letter_target_arn == q.arn()) {
      fail_invalid_value("RedrivePolicy", policy->second, "Dead letter target must not be the queue itself.");
    }
  }
  const std::int64_t modified_s = now_ms() / 1000;
  change_definition(*this, q, [&](queue& target) {
    target.update_attributes(attributes);
    target.modified_s = modified_s;
  });
  q.next_expiry_ms = 0;  // MessageRetentionPeriod may have changed
  expire(q);
  serve_waiters(q);
  return json::object();
}

json service_impl::tag_queue(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  if (!request.contains("Tags")) fail_missing("Tags");
  const auto tags = read_tags(request, "Tags", q.name);
  std::map<std::string, std::string> merged = q.tags;
  for (const auto& [key, value] : tags) merged[key] = value;
  if (merged.size() > max_queue_tags) {
    fail(core::error_code::invalid_parameter_value, "Too many tags added for queue " + q.name + ".");
  }
  change_definition(*this, q, [&](queue& target) { target.tags = merged; });
  return json::object();
}

json service_impl::untag_queue(const json& request, const request_context& context, listed_names keys) {
  queue& q = find_queue(request, context);
  if (!request.contains("TagKeys")) fail_missing("TagKeys");
  const std::vector<std::string>& removed = keys.get();
  // The queue's tags (at most 50) looked up in the keys, not the keys (any number) in the tags.
  change_definition(*this, q, [&](queue& target) {
    std::erase_if(target.tags, [&](const auto& tag) { return contains(removed, tag.first); });
  });
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
  clear_index(q);
  q.messages.clear();
  q.seq_of_id.clear();
  return json::object();
}

json service_impl::list_dead_letter_source_queues(const json& request, const request_context& context) {
  queue& dlq = find_queue(request, context);
  const std::string arn = dlq.arn();
  std::vector<std::string> urls;
  for (const auto& [key, q] : queues_) {
    if (q->settings.redrive && q->settings.redrive->dead_letter_target_arn == arn) {
      urls.push_back(queue_url(*q, context));
    }
  }
  return page_urls(std::move(urls), request, "queueUrls");
}

json service_impl::add_permission(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  const std::string label = required_string(request, "Label");
  check_permission_label(label);
  // Counts before anything is read or built: 7 actions per statement and 50 principals
  // ("Amazon SQS policy quotas"). The OverLimit wording is other emulators'; unconfirmed
  // against AWS.
  const std::size_t account_count = list_size(request, "AWSAccountIds");
  const std::size_t action_count = list_size(request, "Actions");
  if (account_count == 0) fail_missing("AWSAccountIds");
  if (action_count == 0) fail_missing("Actions");
  if (action_count > max_policy_actions) {
    fail(core::error_code::over_limit, std::to_string(action_count) +
                                           " Actions were found, maximum allowed is " +
                                           std::to_string(max_policy_actions) + ".");
  }
  if (account_count > max_policy_principals) {
    fail(core::error_code::over_limit, std::to_string(account_count) +
                                           " Principals were found, maximum allowed is " +
                                           std::to_string(max_policy_principals) + ".");
  }
  const auto accounts = string_list(request, "AWSAccountIds");
  const auto actions = string_list(request, "Actions");
  for (const auto& account : accounts) check_permission_account(account);
  for (const auto& action : actions) check_permission_action(action);
  json policy = policy_document(q);
  if (!policy.contains("Version")) policy["Version"] = "2008-10-17";
  if (!policy.contains("Id")) policy["Id"] = q.arn() + "/SQSDefaultPolicy";
  json& statements = policy["Statement"];
  if (!statements.is_array()) statements = json::array();
  for (const auto& statement : statements) {
    if (statement.is_object() && statement.value("Sid", json()) == label) {
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
  const std::string text = policy.dump();
  change_definition(*this, q, [&](queue& target) { target.update_attributes({{"Policy", text}}); });
  return json::object();
}

json service_impl::remove_permission(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  const std::string label = required_string(request, "Label");
  json policy = policy_document(q);
  json kept = json::array();
  bool found = false;
  if (auto statements = policy.find("Statement"); statements != policy.end() && statements->is_array()) {
    for (auto& statement : *statements) {
      if (statement.is_object() && statement.value("Sid", json()) == label) {
        found = true;
      } else {
        kept.push_back(std::move(statement));
      }
    }
  }
  if (!found) fail_invalid_value("Label", label, "can't find label.");
  std::string text;  // no statement left: no policy
  if (!kept.empty()) {
    policy["Statement"] = std::move(kept);
    text = policy.dump();
  }
  change_definition(*this, q, [&](queue& target) { target.update_attributes({{"Policy", text}}); });
  return json::object();
}

}  // namespace fogbank::sqs
