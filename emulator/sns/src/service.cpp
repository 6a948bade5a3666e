#include "fogbank/sns/service.hpp"

#include "fogbank/storage/key_encoding.hpp"
#include "service_impl.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace fogbank::sns {
namespace {

// Every SNS operation fogbank emulates, sorted by name (checked below). The rest of botocore's
// model (SMS, platform applications, data protection, permissions) answers InvalidAction.
constexpr auto operations = core::make_operation_table<service_impl::operation>({
    {"ConfirmSubscription", &service_impl::confirm_subscription},
    {"CreateTopic", &service_impl::create_topic},
    {"DeleteTopic", &service_impl::delete_topic},
    {"GetSubscriptionAttributes", &service_impl::get_subscription_attributes},
    {"GetTopicAttributes", &service_impl::get_topic_attributes},
    {"ListSubscriptions", &service_impl::list_subscriptions},
    {"ListSubscriptionsByTopic", &service_impl::list_subscriptions_by_topic},
    {"ListTagsForResource", &service_impl::list_tags_for_resource},
    {"ListTopics", &service_impl::list_topics},
    {"Publish", &service_impl::publish},
    {"PublishBatch", &service_impl::publish_batch},
    {"SetSubscriptionAttributes", &service_impl::set_subscription_attributes},
    {"SetTopicAttributes", &service_impl::set_topic_attributes},
    {"Subscribe", &service_impl::subscribe},
    {"TagResource", &service_impl::tag_resource},
    {"Unsubscribe", &service_impl::unsubscribe},
    {"UntagResource", &service_impl::untag_resource},
});
static_assert(operations.sorted(), "operations must be sorted by name");

// A member of the wrong JSON type (an in-process caller's mistake; the query codec only makes
// strings, numbers and booleans where the model has them).
constexpr core::error_funnel funnel{core::error_code::sns_invalid_parameter,
                                    "Invalid parameter: the request has a member of the wrong type",
                                    "SNS"};  // unconfirmed

// Storage layout, all in column meta: "sns-topic/<arn>" and "sns-sub/<arn>" -> JSON;
// "sns-delivery/" u64(seq) -> a pending delivery (JSON).
constexpr std::string_view topic_prefix = "sns-topic/";
constexpr std::string_view subscription_prefix = "sns-sub/";
constexpr std::string_view delivery_prefix = "sns-delivery/";

std::string delivery_key(std::uint64_t seq) {
  std::string key(delivery_prefix);
  storage::key::append_u64(key, seq);
  return key;
}

template <typename F>
void scan_prefix(storage::database& db, std::string_view prefix, F&& each) {
  storage::scan_range range;
  range.lower = std::string(prefix);
  range.upper = storage::key::prefix_successor(prefix);
  auto it = db.scan(storage::column::meta, range);
  for (; it->valid(); it->next()) each(it->key(), it->value());
  if (const storage::status state = it->state(); !state.is_ok()) {
    throw std::runtime_error("cannot read SNS's stored state: " + state.message());
  }
}

json encode_delivery(const delivery& d) {
  return json{{"s", d.seq},
              {"u", d.subscription_arn},
              {"i", d.message_id},
              {"t", d.topic_arn},
              {"j", d.subject ? json(*d.subject) : json(nullptr)},
              {"m", d.message},
              {"a", d.attributes},
              {"w", d.timestamp_ms},
              {"g", d.group_id},
              {"d", d.deduplication_id},
              {"n", d.sequence_number},
              {"e", d.endpoint}};
}

delivery decode_delivery(const json& j) {
  delivery d;
  d.seq = j.at("s").get<std::uint64_t>();
  d.subscription_arn = j.at("u").get<std::string>();
  d.message_id = j.at("i").get<std::string>();
  d.topic_arn = j.at("t").get<std::string>();
  if (j.at("j").is_string()) d.subject = j.at("j").get<std::string>();
  d.message = j.at("m").get<std::string>();
  d.attributes = j.at("a");
  d.timestamp_ms = j.at("w").get<std::int64_t>();
  d.group_id = j.at("g").get<std::string>();
  d.deduplication_id = j.at("d").get<std::string>();
  d.sequence_number = j.at("n").get<std::string>();
  d.endpoint = j.at("e").get<std::string>();
  return d;
}

}  // namespace

void invalid(const std::string& message) {
  throw core::aws_error(core::error_code::sns_invalid_parameter, message);
}

bool topic::content_based_deduplication() const {
  const auto it = attributes.find("ContentBasedDeduplication");
  return it != attributes.end() && it->second == "true";
}

bool subscription::raw() const {
  const auto it = attributes.find("RawMessageDelivery");
  return it != attributes.end() && it->second == "true";
}

bool subscription::body_scope() const {
  const auto it = attributes.find("FilterPolicyScope");
  return it != attributes.end() && it->second == "MessageBody";
}

std::string subscription::dead_letter_arn() const {
  const auto it = attributes.find("RedrivePolicy");
  if (it == attributes.end()) return {};
  const json policy = json::parse(it->second, nullptr, false);
  if (!policy.is_object()) return {};
  const auto target = policy.find("deadLetterTargetArn");
  return target != policy.end() && target->is_string() ? target->get<std::string>() : std::string();
}

arn_parts parse_arn(std::string_view arn) {
  arn_parts out;
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto colon = arn.find(':', start);
    if (colon == std::string_view::npos || parts.size() == 5) {
      parts.push_back(arn.substr(start));
      break;
    }
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  // Elements counted as AWS counts them in its refusal: every colon-separated part.
  out.elements = static_cast<std::size_t>(std::count(arn.begin(), arn.end(), ':')) + 1;
  if (parts.size() == 6 && parts[0] == "arn") {
    out.service = parts[2];
    out.region = parts[3];
    out.account = parts[4];
    out.resource = parts[5];
  }
  return out;
}

arn_parts require_arn(std::string_view arn, std::string_view member) {
  arn_parts parts = parse_arn(arn);
  // Recorded: "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1".
  if (parts.elements < 6) {
    invalid("Invalid parameter: " + std::string(member) +
            " Reason: An ARN must have at least 6 elements, not " + std::to_string(parts.elements));
  }
  if (parts.resource.empty() || parts.service.empty()) invalid("Invalid parameter: " + std::string(member));
  return parts;
}

std::optional<std::string> string_member(const json& request, const char* name) {
  const auto it = request.find(name);
  if (it == request.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) invalid("Invalid parameter: " + std::string(name));  // unconfirmed
  return it->get<std::string>();
}

std::string required_member(const json& request, const char* name) {
  std::optional<std::string> value = string_member(request, name);
  // Recorded for Unsubscribe: "Invalid parameter: SubscriptionArn Reason: no value for required parameter".
  if (!value) invalid("Invalid parameter: " + std::string(name) + " Reason: no value for required parameter");
  return std::move(*value);
}

json string_map(const json& request, const char* name) {
  const auto it = request.find(name);
  if (it == request.end() || it->is_null()) return json::object();
  if (!it->is_object()) invalid("Invalid parameter: " + std::string(name));  // unconfirmed
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string())
      invalid("Invalid parameter: " + std::string(name) + " Reason: " + key);  // unconfirmed
  }
  return *it;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xF];
  }
  return out;
}

const service_impl::operation* service_impl::find_operation(std::string_view name) {
  return operations.find(name);
}

service_impl::service_impl(storage::database& database, core::clock& clock, core::scheduler& scheduler,
                           core::id_generator& ids, const dispatch::client& client)
    : db_(database),
      clock_(clock),
      scheduler_(scheduler),
      ids_(ids),
      client_(client),
      lifetime_(std::make_shared<lifetime>()) {
  lifetime_->impl = this;
  std::lock_guard lock(mutex_);
  scan_prefix(db_, topic_prefix, [&](std::string_view, std::string_view value) {
    const json j = json::parse(value);
    auto t = std::make_unique<topic>();
    t->region = j.at("region").get<std::string>();
    t->account_id = j.at("account").get<std::string>();
    t->name = j.at("name").get<std::string>();
    t->fifo = j.at("fifo").get<bool>();
    t->attributes = j.at("attributes").get<std::map<std::string, std::string>>();
    t->tags = j.at("tags").get<std::map<std::string, std::string>>();
    t->next_sequence = j.at("next_sequence").get<std::uint64_t>();
    t->subscriptions_deleted = j.at("deleted").get<std::uint64_t>();
    const std::string arn = t->arn();
    topics_[arn] = std::move(t);
  });
  scan_prefix(db_, subscription_prefix, [&](std::string_view, std::string_view value) {
    const json j = json::parse(value);
    subscription s;
    s.arn = j.at("arn").get<std::string>();
    s.topic_arn = j.at("topic").get<std::string>();
    s.protocol = j.at("protocol").get<std::string>();
    s.endpoint = j.at("endpoint").get<std::string>();
    s.owner = j.at("owner").get<std::string>();
    s.pending = j.at("pending").get<bool>();
    s.attributes = j.at("attributes").get<std::map<std::string, std::string>>();
    s.filter = j.at("filter");
    subscriptions_[s.arn] = std::move(s);
  });
  scan_prefix(db_, delivery_prefix, [&](std::string_view, std::string_view value) {
    delivery d = decode_delivery(json::parse(value));
    next_delivery_ = std::max(next_delivery_, d.seq + 1);
    const std::uint64_t seq = d.seq;
    deliveries_[seq] = std::move(d);
  });
  topic_count_ = topics_.size();
  subscription_count_ = subscriptions_.size();
  // Deliveries accepted before a restart are made now, in the order they were accepted.
  for (const auto& [seq, d] : deliveries_) schedule(seq);
}

service_impl::~service_impl() {
  std::lock_guard guard(lifetime_->mutex);
  lifetime_->impl = nullptr;
}

topic* service_impl::topic_by_arn(const std::string& arn) {
  const auto it = topics_.find(arn);
  return it == topics_.end() ? nullptr : it->second.get();
}

topic& service_impl::find_topic(const json& request, const request_context& context, const char* member) {
  const std::string arn = string_member(request, member).value_or("");
  const arn_parts parts = require_arn(arn, member);
  // Recorded (test_cross_region_access): a topic of another region is "Invalid parameter: TopicArn".
  if (parts.region != context.region) invalid("Invalid parameter: " + std::string(member));
  topic* t = topic_by_arn(arn);
  if (t == nullptr) throw core::aws_error(core::error_code::sns_not_found, "Topic does not exist");
  return *t;
}

void service_impl::stage_topic(storage::write_batch& batch, const topic& t) const {
  const json j{{"region", t.region},
               {"account", t.account_id},
               {"name", t.name},
               {"fifo", t.fifo},
               {"attributes", t.attributes},
               {"tags", t.tags},
               {"next_sequence", t.next_sequence},
               {"deleted", t.subscriptions_deleted}};
  batch.put(storage::column::meta, std::string(topic_prefix) + t.arn(), j.dump());
}

void service_impl::stage_subscription(storage::write_batch& batch, const subscription& s) const {
  const json j{
      {"arn", s.arn},     {"topic", s.topic_arn}, {"protocol", s.protocol},     {"endpoint", s.endpoint},
      {"owner", s.owner}, {"pending", s.pending}, {"attributes", s.attributes}, {"filter", s.filter}};
  batch.put(storage::column::meta, std::string(subscription_prefix) + s.arn, j.dump());
}

void service_impl::stage_delivery(storage::write_batch& batch, const delivery& d) const {
  batch.put(storage::column::meta, delivery_key(d.seq), encode_delivery(d).dump());
}

void service_impl::commit(storage::write_batch& batch) {
  if (batch.empty()) return;
  const storage::status status = db_.write(batch);
  if (!status.is_ok()) {
    throw core::aws_error(core::error_code::internal_failure, "Internal server error: " + status.message());
  }
}

void service_impl::schedule(std::uint64_t seq) {
  // Never run on the publisher's thread: the scheduler's (real clock) or whoever runs what is
  // due (manual clock), in the order the deliveries were accepted.
  scheduler_.post([life = lifetime_, seq] {
    std::lock_guard guard(life->mutex);
    if (life->impl != nullptr) life->impl->deliver(seq);
  });
}

json service_impl::call(std::string_view operation_name, const json& request,
                        const request_context& context) {
  core::require_request_object(request);
  const operation* handler = find_operation(operation_name);
  if (handler == nullptr) {
    // The words of the query protocol's refusal of an action the service does not have.
    throw core::aws_error(core::error_code::sns_invalid_action, "The action " + std::string(operation_name) +
                                                                    " is not valid for this web service.");
  }
  std::lock_guard lock(mutex_);
  json body = (this->**handler)(request, context);
  topic_count_ = topics_.size();
  subscription_count_ = subscriptions_.size();
  return body;
}

// ---- public surface --------------------------------------------------------------------------

service::service(storage::database& db, core::clock& clock, core::scheduler& scheduler,
                 core::id_generator& ids, const dispatch::client& client)
    : impl_(std::make_unique<service_impl>(db, clock, scheduler, ids, client)) {}

service::~service() = default;

void service::call(std::string_view operation, const nlohmann::json& request,
                   const core::call_context& context, core::call_completion done) {
  done(core::run_funneled(funnel, operation, [&] { return impl_->call(operation, request, context); }));
}

nlohmann::json service::health() const {
  return {{"topics", impl_->topic_count()}, {"subscriptions", impl_->subscription_count()}};
}

}  // namespace fogbank::sns
