#include "fogbank/apigw/connections.hpp"

#include "ids.hpp"
#include "utf8.hpp"

#include "fogbank/core/aws_error.hpp"
#include "fogbank/core/encoding.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/core/scheduler.hpp"

#include <utility>
#include <vector>

namespace fogbank::apigw {

struct connection_registry::entry {
  connection_record record;
  std::weak_ptr<connection_link> link;
  core::scheduler::entry_id idle_check = 0;
  core::scheduler::entry_id lifetime_end = 0;
};

namespace {

// The close status and reason of a connection the server ends on a timeout: 1001 "Going away"
// (unconfirmed: AWS documents the timeouts, not the close frame they send).
constexpr int timeout_close_code = 1001;
constexpr std::string_view timeout_close_reason = "Going away";

}  // namespace

connection_registry::connection_registry(core::clock& clock, core::scheduler& scheduler,
                                         core::id_generator& ids, connection_timeouts timeouts)
    : clock_(clock), scheduler_(scheduler), ids_(ids), timeouts_(timeouts) {}

connection_registry::~connection_registry() {
  // The scheduler may outlive the registry: its entries must not call back into a destroyed one.
  std::lock_guard lock(mutex_);
  for (const auto& [id, e] : connections_) {
    scheduler_.cancel(e->idle_check);
    scheduler_.cancel(e->lifetime_end);
  }
}

void connection_registry::set_disconnect_handler(disconnect_handler handler) {
  on_disconnect_ = std::move(handler);
}

std::string connection_registry::new_connection_id() {
  std::lock_guard lock(mutex_);
  std::string id = apigw::new_event_id(ids_);
  while (connections_.contains(id)) id = apigw::new_event_id(ids_);
  return id;
}

std::string connection_registry::new_event_id() {
  return apigw::new_event_id(ids_);
}

void connection_registry::add(connection_record record, std::weak_ptr<connection_link> link) {
  const core::time_point now = clock_.now();
  record.connected_at = now;
  record.last_active_at = now;
  auto e = std::make_unique<entry>();
  e->record = std::move(record);
  e->link = std::move(link);
  const std::string id = e->record.connection_id;
  std::lock_guard lock(mutex_);
  e->idle_check = scheduler_.schedule_at(now + timeouts_.idle, [this, id] { on_idle_check(id); });
  e->lifetime_end = scheduler_.schedule_at(now + timeouts_.max_lifetime, [this, id] {
    end(id, {disconnect_info::cause::lifetime_limit, timeout_close_code, std::string(timeout_close_reason)});
  });
  connections_.insert_or_assign(id, std::move(e));
}

std::optional<connection_record> connection_registry::find(std::string_view id) const {
  std::lock_guard lock(mutex_);
  const auto it = connections_.find(id);
  if (it == connections_.end()) return std::nullopt;
  return it->second->record;
}

std::size_t connection_registry::size() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

bool connection_registry::touch(std::string_view id) {
  std::lock_guard lock(mutex_);
  const auto it = connections_.find(id);
  if (it == connections_.end()) return false;
  // The idle check already scheduled finds the new deadline when it runs and moves itself there:
  // one scheduler entry per connection, however many messages arrive.
  it->second->record.last_active_at = clock_.now();
  return true;
}

void connection_registry::on_idle_check(const std::string& id) {
  {
    std::lock_guard lock(mutex_);
    const auto it = connections_.find(id);
    if (it == connections_.end()) return;
    const core::time_point deadline = it->second->record.last_active_at + timeouts_.idle;
    if (deadline > clock_.now()) {
      it->second->idle_check = scheduler_.schedule_at(deadline, [this, id] { on_idle_check(id); });
      return;
    }
    it->second->idle_check = 0;
  }
  end(id, {disconnect_info::cause::idle_timeout, timeout_close_code, std::string(timeout_close_reason)});
}

bool connection_registry::post(std::string_view id, std::string data, bool binary) {
  std::shared_ptr<connection_link> link;
  {
    std::lock_guard lock(mutex_);
    const auto it = connections_.find(id);
    if (it == connections_.end()) return false;
    link = it->second->link.lock();
  }
  // Outside the lock: a link may call back into the registry (a failed write closing it).
  return link && link->send(std::move(data), binary);
}

std::optional<std::pair<connection_record, std::shared_ptr<connection_link>>> connection_registry::take(
    std::string_view id) {
  std::lock_guard lock(mutex_);
  const auto it = connections_.find(id);
  if (it == connections_.end()) return std::nullopt;
  std::unique_ptr<entry> e = std::move(it->second);
  connections_.erase(it);
  // cancel() is false for the entry running now (a timeout ending this connection): harmless.
  scheduler_.cancel(e->idle_check);
  scheduler_.cancel(e->lifetime_end);
  return std::make_pair(std::move(e->record), e->link.lock());
}

bool connection_registry::end(std::string_view id, const disconnect_info& info) {
  auto taken = take(id);
  if (!taken) return false;
  if (taken->second) taken->second->close(static_cast<std::uint16_t>(info.status_code), info.reason);
  if (on_disconnect_) on_disconnect_(taken->first, info);
  return true;
}

void connection_registry::closed(std::string_view id, const disconnect_info& info) {
  auto taken = take(id);
  if (taken && on_disconnect_) on_disconnect_(taken->first, info);
}

// ---- the management API ------------------------------------------------------------------------

namespace {

using json = nlohmann::json;

constexpr core::error_funnel funnel{core::error_code::apigw_bad_request, "Invalid request",  // unconfirmed
                                    "API Gateway management API"};

std::string connection_id_of(const json& request) {
  const auto it = request.find("connectionId");
  if (it == request.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    throw core::aws_error(core::error_code::apigw_bad_request,
                          "Invalid input: connectionId is required");  // unconfirmed
  }
  return it->get<std::string>();
}

[[noreturn]] void gone() {
  // GoneException has no members in the model; AWS's body carries no message (unconfirmed).
  throw core::aws_error(core::error_code::apigw_gone, "");
}

// GetConnection's timestamps (__timestampIso8601), to the millisecond.
std::string iso_millis(core::time_point at) {
  return core::format_iso8601_millis(at) + "Z";
}

}  // namespace

connections_service::connections_service(connection_registry& connections) : connections_(connections) {}

void connections_service::call(std::string_view operation, const nlohmann::json& request,
                               const core::call_context&, core::call_completion done) {
  done(core::run_funneled(funnel, operation, [&]() -> json {
    core::require_request_object(request);
    if (operation == "PostToConnection") {
      const std::string id = connection_id_of(request);
      const auto data = request.find("Data");
      if (data == request.end() || !data->is_string()) {
        throw core::aws_error(core::error_code::apigw_bad_request,
                              "Invalid input: Data is required");  // unconfirmed
      }
      // Checked on the encoded size first, so that a huge body is refused before it is decoded.
      if (data->get_ref<const std::string&>().size() / 4 * 3 > max_message_bytes + 2) {
        throw core::aws_error(core::error_code::apigw_payload_too_large, "Message too long");  // unconfirmed
      }
      std::optional<std::string> bytes = core::base64_decode_lenient(data->get_ref<const std::string&>());
      if (!bytes)
        throw core::aws_error(core::error_code::apigw_bad_request, "Invalid input: Data is not base64");
      if (bytes->size() > max_message_bytes) {
        throw core::aws_error(core::error_code::apigw_payload_too_large, "Message too long");  // unconfirmed
      }
      // Text frames for UTF-8 data, binary frames otherwise (unconfirmed: AWS documents neither).
      const bool binary = !valid_utf8(*bytes);
      if (!connections_.post(id, std::move(*bytes), binary)) gone();
      return json::object();
    }
    if (operation == "GetConnection") {
      const std::optional<connection_record> record = connections_.find(connection_id_of(request));
      if (!record) gone();
      return {{"connectedAt", iso_millis(record->connected_at)},
              {"identity", {{"sourceIp", record->source_ip}, {"userAgent", record->user_agent}}},
              {"lastActiveAt", iso_millis(record->last_active_at)}};
    }
    if (operation == "DeleteConnection") {
      // Closed normally: 1000 and "Connection Closed Normally" in $disconnect, as a $disconnect
      // event logged on AWS after DeleteConnection shows (aws/chalice, a user's capture).
      if (!connections_.end(connection_id_of(request),
                            {disconnect_info::cause::deleted, 1000, "Connection Closed Normally"})) {
        gone();
      }
      return json::object();
    }
    throw core::aws_error(core::error_code::unknown_operation,
                          "fogbank's apigatewaymanagementapi does not implement " + std::string(operation));
  }));
}

nlohmann::json connections_service::health() const {
  return {{"websocket_connections", connections_.size()}};
}

}  // namespace fogbank::apigw
