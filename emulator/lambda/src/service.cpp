#include "fogbank/lambda/service.hpp"

#include "code_store.hpp"
#include "fogbank/core/log.hpp"
#include "fogbank/storage/key_encoding.hpp"
#include "service_impl.hpp"
#include "validation.hpp"

#include <utility>

namespace fogbank::lambda {
namespace {

// Every Lambda operation fogbank emulates but Invoke (which may complete later, see
// service_impl::invoke), sorted by name (checked below) for lookup.
constexpr auto operations = core::make_operation_table<service_impl::operation>({
    {"AddPermission", &service_impl::add_permission},
    {"CreateEventSourceMapping", &service_impl::create_event_source_mapping},
    {"CreateFunction", &service_impl::create_function},
    {"DeleteEventSourceMapping", &service_impl::delete_event_source_mapping},
    {"DeleteFunction", &service_impl::delete_function},
    {"DeleteFunctionConcurrency", &service_impl::delete_function_concurrency},
    {"DeleteFunctionEventInvokeConfig", &service_impl::delete_function_event_invoke_config},
    {"GetEventSourceMapping", &service_impl::get_event_source_mapping},
    {"GetFunction", &service_impl::get_function},
    {"GetFunctionConcurrency", &service_impl::get_function_concurrency},
    {"GetFunctionConfiguration", &service_impl::get_function_configuration},
    {"GetFunctionEventInvokeConfig", &service_impl::get_function_event_invoke_config},
    {"GetPolicy", &service_impl::get_policy},
    {"ListEventSourceMappings", &service_impl::list_event_source_mappings},
    {"ListFunctionEventInvokeConfigs", &service_impl::list_function_event_invoke_configs},
    {"ListFunctions", &service_impl::list_functions},
    {"ListTags", &service_impl::list_tags},
    {"PutFunctionConcurrency", &service_impl::put_function_concurrency},
    {"PutFunctionEventInvokeConfig", &service_impl::put_function_event_invoke_config},
    {"RemovePermission", &service_impl::remove_permission},
    {"TagResource", &service_impl::tag_resource},
    {"UntagResource", &service_impl::untag_resource},
    {"UpdateEventSourceMapping", &service_impl::update_event_source_mapping},
    {"UpdateFunctionCode", &service_impl::update_function_code},
    {"UpdateFunctionConfiguration", &service_impl::update_function_configuration},
    {"UpdateFunctionEventInvokeConfig", &service_impl::update_function_event_invoke_config},
});
static_assert(operations.sorted(), "operations must be sorted by name");

// Failures no operation classified (core::run_funneled): a member of the wrong JSON type. Lambda
// refuses such a body while reading it ("Could not parse request body into json: ..."; the rest
// of the wording, which names Java types, is not reproduced).
constexpr core::error_funnel funnel{core::error_code::lambda_invalid_request_content,
                                    "Could not parse request body into json: a member has the wrong type",
                                    "Lambda"};

// Storage layout (column lambda): 'f' bytes(region/account/name) -> function (JSON);
// 'e' u64(seq) -> pending asynchronous invocation (JSON, see async_events.cpp);
// 'm' bytes(uuid) -> event source mapping (JSON, see ops_mappings.cpp).
std::string function_storage_key(const function_record& fn) {
  std::string key = "f";
  storage::key::append_bytes(key, fn.key());
  return key;
}

// Lambda answers its internal failures as ServiceException, not the catalog's InternalServerError.
core::call_result as_lambda(core::call_result result) {
  if (result.error && result.error->code() == core::error_code::internal_failure) {
    result.error.emplace(core::error_code::lambda_service, result.error->message());
  }
  return result;
}

}  // namespace

void fail(core::error_code code, std::string message) {
  throw core::aws_error(code, std::move(message));
}

const service_impl::operation* service_impl::find_operation(std::string_view name) {
  return operations.find(name);
}

service_impl::service_impl(storage::database& db, core::clock& clock, core::scheduler& scheduler,
                           core::id_generator& ids, core::id_generator& request_ids,
                           const dispatch::client& client, service_options options)
    : db_(db),
      clock_(clock),
      scheduler_(scheduler),
      ids_(ids),
      request_ids_(request_ids),
      client_(client),
      options_(std::move(options)),
      lifetime_(std::make_shared<lifetime>()) {
  lifetime_->impl = this;
  std::lock_guard lock(mutex_);
  storage::scan_range range;
  range.lower = "f";
  range.upper = "g";
  auto it = db_.scan(storage::column::lambda, range);
  for (; it->valid(); it->next()) {
    function_record fn = function_record::from_stored(json::parse(it->value()));
    functions_.emplace(fn.key(), std::move(fn));
  }
  if (const storage::status state = it->state(); !state.is_ok()) {
    throw std::runtime_error("cannot read Lambda functions: " + state.message());
  }
  load_events();
  load_mappings();
}

service_impl::~service_impl() {
  {
    // Waits for scheduler entries and completions inside the service; later ones find it gone.
    std::unique_lock guard(lifetime_->mutex);
    lifetime_->impl = nullptr;
    lifetime_->idle.wait(guard, [&] { return lifetime_->active == 0; });
  }
  std::lock_guard lock(mutex_);
  for (auto id : entries_) scheduler_.cancel(id);
  // Stream subscriptions would only find the service gone; they go with it.
  for (const auto& [uuid, state] : mapping_states_) {
    if (state.subscription != 0 && options_.unsubscribe_stream)
      options_.unsubscribe_stream(state.subscription);
  }
}

bool service_impl::with_service(const std::shared_ptr<lifetime>& life,
                                const std::function<void(service_impl&)>& work) {
  service_impl* self = nullptr;
  {
    std::lock_guard guard(life->mutex);
    if (life->impl == nullptr) return false;
    self = life->impl;
    ++life->active;
  }
  struct leave {
    const std::shared_ptr<lifetime>& life;
    ~leave() {
      std::lock_guard guard(life->mutex);
      if (--life->active == 0) life->idle.notify_all();
    }
  } left{life};
  work(*self);
  return true;
}

std::size_t service_impl::function_count() const {
  std::lock_guard lock(mutex_);
  return functions_.size();
}

int service_impl::invocations_in_flight() const {
  std::lock_guard lock(mutex_);
  int total = 0;
  for (const auto& [key, running] : in_flight_) total += running;
  return total;
}

json service_impl::recent_logs() const {
  std::lock_guard lock(mutex_);
  json out = json::object();
  for (const auto& [name, log] : logs_) out[name] = log;
  return out;
}

json service_impl::metrics() const {
  std::lock_guard lock(mutex_);
  json out = json::object();
  for (const auto& [name, counts] : counts_)
    out[name] = {{"Invocations", counts.invocations}, {"Throttles", counts.throttles}};
  return out;
}

std::string service_impl::key_of(const json& request, const core::call_context& context) const {
  const validate::function_name_parts parts = validate::function_name(request);
  if (!parts.region.empty() && parts.region != context.region) {
    // LocalStack's port of AWS's answer to an ARN of another region.
    fail(core::error_code::lambda_resource_not_found,
         "Functions from '" + parts.region + "' are not reachable in this region ('" + context.region + "')");
  }
  std::string qualifier = parts.qualifier;
  if (const auto given = validate::string_member(request, "Qualifier")) {
    if (!qualifier.empty() && qualifier != *given) {
      fail(core::error_code::lambda_invalid_parameter_value,
           "The derived qualifier from the function name does not match the specified qualifier.");
    }
    qualifier = *given;
  }
  std::string key = function_record::key_of(context.region, context.account_id, parts.name);
  // Versions and aliases are not emulated: only $LATEST exists.
  if (!qualifier.empty() && qualifier != "$LATEST") {
    fail(core::error_code::lambda_resource_not_found, "Function not found: arn:aws:lambda:" + context.region +
                                                          ":" + context.account_id +
                                                          ":function:" + parts.name + ":" + qualifier);
  }
  return key;
}

function_record& service_impl::find_function(const json& request, const core::call_context& context) {
  const std::string key = key_of(request, context);
  const auto it = functions_.find(key);
  if (it == functions_.end()) {
    // Recorded: "Function not found: arn:aws:lambda:us-east-1:880306299867:function:function_not_found".
    const validate::function_name_parts parts = validate::function_name(request);
    fail(core::error_code::lambda_resource_not_found, "Function not found: arn:aws:lambda:" + context.region +
                                                          ":" + context.account_id +
                                                          ":function:" + parts.name);
  }
  return it->second;
}

void service_impl::commit(storage::write_batch& batch) {
  if (const storage::status status = db_.write(batch); !status.is_ok()) {
    fail(core::error_code::lambda_service, "Internal server error: " + status.message());
  }
}

void service_impl::store_function(const function_record& fn) {
  storage::write_batch batch;
  batch.put(storage::column::lambda, function_storage_key(fn), fn.to_stored().dump());
  commit(batch);
}

void service_impl::erase_function(const function_record& fn) {
  storage::write_batch batch;
  batch.erase(storage::column::lambda, function_storage_key(fn));
  for (const auto& [seq, event] : events_) {
    if (event.function_key != fn.key()) continue;
    std::string key = "e";
    storage::key::append_u64(key, seq);
    batch.erase(storage::column::lambda, key);
  }
  commit(batch);
}

std::string service_impl::now_timestamp() const {
  // Lambda's LastModified: "2023-07-10T20:52:40.434+0000".
  return core::format_iso8601_millis(clock_.now()) + "+0000";
}

void service_impl::finish_after_unlock() {
  after_unlock work;
  {
    std::lock_guard lock(mutex_);
    std::swap(work, after_unlock_);
  }
  for (const std::string& name : work.retire) {
    for (const auto& host : options_.hosts) {
      try {
        host->retire(name);
      } catch (const std::exception& e) {
        core::log_error("a runtime host failed to retire the workers of function " + name + ": " + e.what());
      }
    }
  }
  for (const std::string& dir : work.remove_code) remove_code(dir);
}

// ---- the public face ----------------------------------------------------------------------------

service::service(storage::database& db, core::clock& clock, core::scheduler& scheduler,
                 core::id_generator& ids, core::id_generator& request_ids, const dispatch::client& client,
                 service_options options)
    : impl_(std::make_unique<service_impl>(db, clock, scheduler, ids, request_ids, client,
                                           std::move(options))) {}

service::~service() = default;

void service::call(std::string_view operation, const json& request, const core::call_context& context,
                   core::call_completion done) {
  if (operation == "Invoke") {
    // Invoke owns `done` from the moment it starts a handler; until then a failure is answered here.
    core::call_result refused = core::run_funneled(funnel, operation, [&] {
      core::require_request_object(request);
      impl_->invoke(request, context, done);
      return json::object();
    });
    if (done) done(as_lambda(std::move(refused)));
    return;
  }
  const service_impl::operation* op = service_impl::find_operation(operation);
  core::call_result result = core::run_funneled(funnel, operation, [&]() -> json {
    if (op == nullptr) {
      fail(core::error_code::unknown_operation,
           "fogbank does not emulate Lambda's " + std::string(operation));
    }
    core::require_request_object(request);
    std::lock_guard lock(impl_->mutex_);
    return (impl_.get()->*(*op))(request, context);
  });
  impl_->finish_after_unlock();
  done(as_lambda(std::move(result)));
}

json service::health() const {
  return {{"functions", impl_->function_count()}};
}

int service::invocations_in_flight() const {
  return impl_->invocations_in_flight();
}

json service::recent_logs() const {
  return impl_->recent_logs();
}

json service::metrics() const {
  return impl_->metrics();
}

}  // namespace fogbank::lambda
