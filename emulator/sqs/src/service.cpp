#include "fogbank/sqs/service.hpp"

#include "fogbank/storage/key_encoding.hpp"
#include "message_codec.hpp"
#include "message_format.hpp"
#include "queue_attributes.hpp"
#include "request.hpp"
#include "service_impl.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

namespace fogbank::sqs {
namespace {

// Every SQS operation but ReceiveMessage, GetQueueAttributes and UntagQueue (which read lists
// before the lock, see call), sorted by name (checked below) for lookup.
constexpr auto operations = core::make_operation_table<service_impl::operation>({
    {"AddPermission", &service_impl::add_permission},
    {"CancelMessageMoveTask", &service_impl::cancel_message_move_task},
    {"ChangeMessageVisibility", &service_impl::change_message_visibility},
    {"ChangeMessageVisibilityBatch", &service_impl::change_message_visibility_batch},
    {"CreateQueue", &service_impl::create_queue},
    {"DeleteMessage", &service_impl::delete_message},
    {"DeleteMessageBatch", &service_impl::delete_message_batch},
    {"DeleteQueue", &service_impl::delete_queue},
    {"GetQueueUrl", &service_impl::get_queue_url},
    {"ListDeadLetterSourceQueues", &service_impl::list_dead_letter_source_queues},
    {"ListMessageMoveTasks", &service_impl::list_message_move_tasks},
    {"ListQueueTags", &service_impl::list_queue_tags},
    {"ListQueues", &service_impl::list_queues},
    {"PurgeQueue", &service_impl::purge_queue},
    {"RemovePermission", &service_impl::remove_permission},
    {"SendMessage", &service_impl::send_message},
    {"SendMessageBatch", &service_impl::send_message_batch},
    {"SetQueueAttributes", &service_impl::set_queue_attributes},
    {"StartMessageMoveTask", &service_impl::start_message_move_task},
    {"TagQueue", &service_impl::tag_queue},
});
static_assert(operations.sorted(), "operations must be sorted by name");

// Failures no operation classified (see core::run_funneled): a member of the wrong JSON type is
// the client's fault.
constexpr core::error_funnel funnel{core::error_code::invalid_parameter_value,
                                    "The request has a member of the wrong type.", "SQS"};  // unconfirmed

// Storage layout. meta: "sqs-queue/<region>/<account>/<name>" -> queue definition (JSON).
// queues: 'm' u64(queue id) u64(seq) -> message (MessagePack); 'd' u64(queue id) bytes(dedup id)
// -> FIFO deduplication record (MessagePack).
constexpr std::string_view queue_meta_prefix = "sqs-queue/";

std::string message_key(std::uint64_t queue_id, std::uint64_t seq) {
  std::string key = "m";
  storage::key::append_u64(key, queue_id);
  storage::key::append_u64(key, seq);
  return key;
}

std::string dedup_key(std::uint64_t queue_id, std::string_view id) {
  std::string key = "d";
  storage::key::append_u64(key, queue_id);
  storage::key::append_bytes(key, id);
  return key;
}

constexpr std::string_view receipt_prefix = "fogbank-rh1|";
// fogbank's receipt handles are base64 of the prefix, a queue ARN (at most ~130 characters), a
// message id and a nonce: under 400 characters. A longer "handle" is refused without being
// decoded, so that what a client sends as one costs nothing under the lock.
constexpr std::size_t max_receipt_handle_bytes = 1024;

// A list member read before the lock (see service_impl::call).
listed_names read_listed(const json& request, const char* member) {
  listed_names out;
  try {
    out.names = string_set(request, member);
  } catch (const core::aws_error& error) {
    out.error = error;
  }
  return out;
}

// A storage error ends a scan early: it must not pass for the end of the data.
void require_complete(const storage::iterator& it) {
  if (const storage::status state = it.state(); !state.is_ok()) {
    fail(core::error_code::internal_failure, "Internal server error: " + state.message());
  }
}

}  // namespace

const service_impl::operation* service_impl::find_operation(std::string_view name) {
  return operations.find(name);
}

service_impl::service_impl(storage::database& database, core::clock& service_clock,
                           core::scheduler& scheduler, core::id_generator& id_source)
    : db_(database),
      clock_(service_clock),
      scheduler_(scheduler),
      ids_(id_source),
      lifetime_(std::make_shared<lifetime>()) {
  lifetime_->impl = this;
  std::lock_guard lock(mutex_);
  std::map<std::uint64_t, queue*> by_id;
  storage::scan_range range;
  range.lower = std::string(queue_meta_prefix);
  range.upper = storage::key::prefix_successor(queue_meta_prefix);
  auto definitions = db_.scan(storage::column::meta, range);
  for (auto* it = definitions.get(); it->valid(); it->next()) {
    const json j = json::parse(it->value());
    auto q = std::make_unique<queue>();
    q->id = j.at("id").get<std::uint64_t>();
    q->region = j.at("region").get<std::string>();
    q->account_id = j.at("account").get<std::string>();
    q->name = j.at("name").get<std::string>();
    q->fifo = j.at("fifo").get<bool>();
    q->update_attributes(j.at("attributes").get<std::map<std::string, std::string>>());
    q->tags = j.at("tags").get<std::map<std::string, std::string>>();
    q->created_s = j.at("created").get<std::int64_t>();
    q->modified_s = j.at("modified").get<std::int64_t>();
    q->next_sequence_number = j.at("next_sequence_number").get<std::uint64_t>();
    next_queue_id_ = std::max(next_queue_id_, q->id + 1);
    by_id[q->id] = q.get();
    queues_[queue_key(q->region, q->account_id, q->name)] = std::move(q);
  }
  require_complete(*definitions);
  queue_count_ = queues_.size();
  storage::scan_range all;
  auto contents = db_.scan(storage::column::queues, all);
  for (auto* it = contents.get(); it->valid(); it->next()) {
    std::string_view key = it->key();
    const char kind = key.front();
    key.remove_prefix(1);
    std::uint64_t queue_id = 0;
    if (!storage::key::read_u64(key, queue_id)) continue;
    auto owner = by_id.find(queue_id);
    if (owner == by_id.end()) continue;
    queue& q = *owner->second;
    if (kind == 'm') {
      message m = decode_stored_message(it->value());
      q.next_seq = std::max(q.next_seq, m.seq + 1);
      add_message(q, std::move(m));
    } else if (kind == 'd') {
      std::string id;
      if (!storage::key::read_bytes(key, id)) continue;
      q.dedup[id] = decode_dedup_record(it->value());
    }
  }
  require_complete(*contents);
}

service_impl::~service_impl() {
  {
    // Waits for a running scheduler entry of ours; later ones find impl null.
    std::lock_guard guard(lifetime_->mutex);
    lifetime_->impl = nullptr;
  }
  std::lock_guard lock(mutex_);
  for (auto id : entries_) scheduler_.cancel(id);
}

std::string service_impl::queue_key(std::string_view region, std::string_view account,
                                    std::string_view name) {
  std::string key;
  key.append(region).append("/").append(account).append("/").append(name);
  return key;
}

std::string service_impl::queue_url(const queue& q, const request_context& context) const {
  // An in-process caller that names no endpoint gets LocalStack's usual one.
  std::string endpoint = context.endpoint.empty() ? std::string("http://localhost:4566") : context.endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  return endpoint + "/" + q.account_id + "/" + q.name;
}

queue& service_impl::find_queue(const json& request, const request_context& context) {
  const std::string text = required_string(request, "QueueUrl");
  std::string_view url = text;
  if (auto query = url.find('?'); query != std::string_view::npos) url = url.substr(0, query);
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  // The queue is the last path segment and its account the one before, whatever the host: SDKs
  // address queues by the URL they were given, and tools also pass bare names.
  std::string_view name = url;
  std::string_view account = context.account_id;
  if (auto slash = url.rfind('/'); slash != std::string_view::npos) {
    name = url.substr(slash + 1);
    const std::string_view rest = url.substr(0, slash);
    auto previous = rest.rfind('/');
    const std::string_view segment = previous == std::string_view::npos ? rest : rest.substr(previous + 1);
    if (!segment.empty() &&
        std::all_of(segment.begin(), segment.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      account = segment;
    }
  }
  auto it = queues_.find(queue_key(context.region, account, name));
  if (it == queues_.end()) {
    // The JSON protocol's wording; the query protocol adds " for this wsdl version".
    fail(core::error_code::queue_does_not_exist, "The specified queue does not exist.");
  }
  expire(*it->second);
  return *it->second;
}

queue* service_impl::find_queue_by_arn(std::string_view arn) {
  // arn:aws:sqs:<region>:<account>:<name>
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    auto colon = arn.find(':', start);
    if (colon == std::string_view::npos) return nullptr;
    parts.emplace_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  if (parts[0] != "arn" || parts[2] != "sqs") return nullptr;
  auto it = queues_.find(queue_key(parts[3], parts[4], arn.substr(start)));
  if (it == queues_.end()) return nullptr;
  expire(*it->second);
  return it->second.get();
}

void service_impl::expire(queue& q) {
  const std::int64_t now = now_ms();
  if (q.next_expiry_ms != 0 && now < q.next_expiry_ms) return;
  const std::int64_t retention_ms = q.settings.retention_seconds * 1000;
  std::int64_t next = std::numeric_limits<std::int64_t>::max();
  storage::write_batch batch;
  // AWS deletes a message once it has been in the queue longer than the retention period,
  // counted from its original enqueue time (also after a move to a dead-letter queue).
  std::vector<std::uint64_t> expired;
  for (const auto& [seq, m] : q.messages) {
    if (m.sent_ms + retention_ms <= now) {
      expired.push_back(seq);
    } else {
      next = std::min(next, m.sent_ms + retention_ms);
    }
  }
  for (auto seq : expired) {
    stage_message_erase(batch, q, seq);
    erase_message(q, seq);
  }
  for (auto it = q.dedup.begin(); it != q.dedup.end();) {
    if (it->second.expires_ms <= now) {
      batch.erase(storage::column::queues, dedup_key(q.id, it->first));
      it = q.dedup.erase(it);
    } else {
      next = std::min(next, it->second.expires_ms);
      ++it;
    }
  }
  q.next_expiry_ms = next;
  if (!batch.empty()) commit(batch);
}

void service_impl::stage_queue(storage::write_batch& batch, const queue& q) const {
  const json j{{"id", q.id},
               {"region", q.region},
               {"account", q.account_id},
               {"name", q.name},
               {"fifo", q.fifo},
               {"attributes", q.attributes},
               {"tags", q.tags},
               {"created", q.created_s},
               {"modified", q.modified_s},
               {"next_sequence_number", q.next_sequence_number}};
  batch.put(storage::column::meta, std::string(queue_meta_prefix) + queue_key(q.region, q.account_id, q.name),
            j.dump());
}

void service_impl::stage_message(storage::write_batch& batch, const queue& q, const message& m) const {
  batch.put(storage::column::queues, message_key(q.id, m.seq), encode_stored_message(m));
}

void service_impl::stage_message_erase(storage::write_batch& batch, const queue& q, std::uint64_t seq) const {
  batch.erase(storage::column::queues, message_key(q.id, seq));
}

void service_impl::stage_dedup(storage::write_batch& batch, const queue& q, const std::string& id,
                               const dedup_record& r) const {
  batch.put(storage::column::queues, dedup_key(q.id, id), encode_dedup_record(r));
}

void service_impl::commit(storage::write_batch& batch) {
  auto status = db_.write(batch);
  if (!status.is_ok()) fail(core::error_code::internal_failure, "Internal server error: " + status.message());
}

void service_impl::erase_message(queue& q, std::uint64_t seq) {
  auto it = q.messages.find(seq);
  if (it == q.messages.end()) return;
  unindex_message(q, it->second);
  q.seq_of_id.erase(it->second.id);
  q.messages.erase(it);
}

void service_impl::add_message(queue& q, message m) {
  const std::int64_t now = now_ms();
  const std::int64_t visible_at = m.visible_at_ms;
  const std::int64_t expires = m.sent_ms + q.settings.retention_seconds * 1000;
  if (q.next_expiry_ms != 0) q.next_expiry_ms = std::min(q.next_expiry_ms, expires);
  q.seq_of_id[m.id] = m.seq;
  // A sent message has the queue's highest seq: with the end as the hint, the map takes it
  // without a search from the root (and searches as before when the hint is wrong).
  message& added = q.messages.try_emplace(q.messages.end(), m.seq)->second;
  added = std::move(m);
  added.indexed = false;
  index_message(q, added, now);
  if (visible_at > now) schedule_wake(q, visible_at);
}

void service_impl::schedule_wake(queue& q, std::int64_t at_ms) {
  if (!q.wakes.insert(at_ms).second) return;
  auto life = lifetime_;
  auto id = std::make_shared<core::scheduler::entry_id>(0);
  const std::string key = queue_key(q.region, q.account_id, q.name);
  // The entry reads *id under mutex_, which we hold until it is set.
  *id = scheduler_.schedule_at(core::time_point{std::chrono::milliseconds(at_ms)}, [life, id, key, at_ms] {
    std::lock_guard guard(life->mutex);
    if (!life->impl) return;
    service_impl& self = *life->impl;
    std::lock_guard lock(self.mutex_);
    self.entries_.erase(*id);
    self.on_wake(key, at_ms);
    self.post_completions();
  });
  entries_.insert(*id);
}

void service_impl::on_wake(const std::string& key, std::int64_t at_ms) {
  auto it = queues_.find(key);
  if (it == queues_.end()) return;
  queue& q = *it->second;
  q.wakes.erase(at_ms);
  expire(q);
  serve_waiters(q);
}

void service_impl::serve_waiters(queue& q) {
  while (!q.waiters.empty()) {
    auto it = waiters_.find(q.waiters.front());
    if (it == waiters_.end()) {
      q.waiters.pop_front();
      continue;
    }
    json body = receive_now(q, it->second.request);
    if (!body.contains("Messages")) break;
    scheduler_.cancel(it->second.deadline);
    entries_.erase(it->second.deadline);
    result r;
    r.body = std::move(body);
    queue_completion(std::move(it->second.done), std::move(r));
    waiters_.erase(it);
    q.waiters.pop_front();
  }
}

void service_impl::on_deadline(std::uint64_t waiter_id) {
  auto it = waiters_.find(waiter_id);
  if (it == waiters_.end()) return;
  auto owner = queues_.find(it->second.request.queue_key);
  if (owner != queues_.end()) {
    auto& list = owner->second->waiters;
    list.erase(std::remove(list.begin(), list.end(), waiter_id), list.end());
  }
  queue_completion(std::move(it->second.done), result{});
  waiters_.erase(it);
}

void service_impl::release_waiters(queue& q) {
  for (auto waiter_id : q.waiters) {
    auto it = waiters_.find(waiter_id);
    if (it == waiters_.end()) continue;
    scheduler_.cancel(it->second.deadline);
    entries_.erase(it->second.deadline);
    queue_completion(std::move(it->second.done), result{});
    waiters_.erase(it);
  }
  q.waiters.clear();
}

void service_impl::queue_completion(core::call_completion done, result r) {
  outbox_.emplace_back(std::move(done), std::move(r));
}

void service_impl::post_completions() {
  if (outbox_.empty()) return;
  // Another caller's answer (a long poll a send has satisfied) is a scheduler entry of its own:
  // it never runs on the thread of the call that satisfied it, and on a manual clock it arrives
  // when the scheduler runs, in order with everything else.
  auto completions =
      std::make_shared<std::vector<std::pair<core::call_completion, result>>>(std::move(outbox_));
  outbox_.clear();
  scheduler_.post([completions] {
    for (auto& [done, r] : *completions) done(std::move(r));
  });
}

std::string service_impl::make_receipt_handle(const queue& q, const message& m) {
  // The prefix, the queue's ARN, '|', the message id, '|', the nonce as 16 lower-case hex digits.
  const std::uint64_t nonce = ids_.next();
  const std::string arn = q.arn();
  std::string text;
  text.reserve(receipt_prefix.size() + arn.size() + 1 + m.id.size() + 1 + 16);
  text.append(receipt_prefix).append(arn).append("|").append(m.id).append("|");
  core::append_hex(text, nonce, 16);
  return base64_encode(text);
}

std::optional<std::pair<std::string, std::string>> service_impl::parse_receipt_handle(
    std::string_view handle) {
  if (handle.size() > max_receipt_handle_bytes) return std::nullopt;
  auto decoded = base64_decode(handle);
  if (!decoded || !decoded->starts_with(receipt_prefix)) return std::nullopt;
  std::string_view rest(*decoded);
  rest.remove_prefix(receipt_prefix.size());
  auto first = rest.find('|');
  auto last = rest.rfind('|');
  if (first == std::string_view::npos || last == first) return std::nullopt;
  return std::make_pair(std::string(rest.substr(0, first)),
                        std::string(rest.substr(first + 1, last - first - 1)));
}

std::vector<std::string>& listed_names::get() {
  if (error) throw *error;
  return names;
}

service_impl::receive_names service_impl::read_receive_names(const json& request) {
  receive_names out;
  out.system = read_listed(request, "AttributeNames");
  if (!out.system.error) {
    listed_names more = read_listed(request, "MessageSystemAttributeNames");
    if (more.error) {
      out.system.error = std::move(more.error);
    } else {
      out.system.names.insert(out.system.names.end(), more.names.begin(), more.names.end());
      std::sort(out.system.names.begin(), out.system.names.end());
      out.system.names.erase(std::unique(out.system.names.begin(), out.system.names.end()),
                             out.system.names.end());
    }
  }
  out.message = read_listed(request, "MessageAttributeNames");
  return out;
}

std::optional<json> service_impl::call(std::string_view operation_name, const json& request,
                                       const request_context& context, core::call_completion& done) {
  core::require_request_object(request);
  // Lists a client may make as long as its request are read here, before the lock, into sorted
  // sets that the operation only searches: what it does under the lock is then bounded by the
  // queue, not by the request.
  if (operation_name == "GetQueueAttributes" || operation_name == "UntagQueue") {
    const bool untag = operation_name == "UntagQueue";
    listed_names names = read_listed(request, untag ? "TagKeys" : "AttributeNames");
    if (!untag && !names.error) {
      // Unknown names are reported as GetQueueAttributes reads them: the first in request order.
      try {
        check_attribute_names(string_list(request, "AttributeNames"));
      } catch (const core::aws_error& error) {
        names.error = error;
      }
    }
    std::lock_guard lock(mutex_);
    json body = untag ? untag_queue(request, context, std::move(names))
                      : get_queue_attributes(request, context, std::move(names));
    post_completions();
    return body;
  }
  if (operation_name != "ReceiveMessage") {
    const operation* handler = find_operation(operation_name);
    if (!handler) {
      fail(core::error_code::unsupported_operation,
           "The action " + std::string(operation_name) + " is not valid for this endpoint.");
    }
    std::lock_guard lock(mutex_);
    json body = (this->**handler)(request, context);
    post_completions();
    return body;
  }

  receive_names names = read_receive_names(request);
  std::lock_guard lock(mutex_);
  receive_request parsed = parse_receive(request, context, std::move(names));
  queue& q = *queues_.at(parsed.queue_key);
  json body = receive_now(q, parsed);
  if (body.contains("Messages") || parsed.wait_seconds == 0 || !context.may_defer) {
    post_completions();
    return body;
  }
  // Park the long poll: a send, a visibility timeout or delay ending, or the deadline completes
  // it (serve_waiters / on_deadline), as a scheduler entry.
  const std::uint64_t waiter_id = next_waiter_id_++;
  auto life = lifetime_;
  auto entry = std::make_shared<core::scheduler::entry_id>(0);
  const auto deadline = clock_.now() + std::chrono::seconds(parsed.wait_seconds);
  *entry = scheduler_.schedule_at(deadline, [life, entry, waiter_id] {
    std::lock_guard guard(life->mutex);
    if (!life->impl) return;
    service_impl& self = *life->impl;
    std::lock_guard inner(self.mutex_);
    self.entries_.erase(*entry);
    self.on_deadline(waiter_id);
    self.post_completions();
  });
  entries_.insert(*entry);
  q.waiters.push_back(waiter_id);
  waiters_.emplace(waiter_id, waiter{std::move(parsed), std::move(done), *entry});
  post_completions();
  return std::nullopt;
}

// ---- public surface --------------------------------------------------------------------------

service::service(storage::database& db, core::clock& clock, core::scheduler& scheduler,
                 core::id_generator& ids)
    : impl_(std::make_unique<service_impl>(db, clock, scheduler, ids)) {}

service::~service() = default;

void service::call(std::string_view operation, const nlohmann::json& request,
                   const core::call_context& context, core::call_completion done) {
  // The answer is given here, outside the service's lock (a completion may call the service
  // again), unless the call parked a long poll, which then owns `done`.
  bool parked = false;
  result out = core::run_funneled(funnel, operation, [&]() -> json {
    std::optional<json> body = impl_->call(operation, request, context, done);
    if (body) return std::move(*body);
    parked = true;
    return json::object();
  });
  if (!parked) done(std::move(out));
}

nlohmann::json service::health() const {
  return {{"queues", queue_count()}};
}

std::size_t service::queue_count() const {
  return impl_->queue_count();
}

}  // namespace fogbank::sqs
