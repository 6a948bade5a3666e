// CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions, UpdateFunctionCode,
// UpdateFunctionConfiguration, DeleteFunction.
//
// A function is ready as soon as fogbank has created or updated it: the code is unpacked before
// the call returns. CreateFunction still answers State Pending ("The function is being
// created.") and the updates LastUpdateStatus InProgress, as AWS's answers do, so that clients
// that wait for the transition (`aws lambda wait function-active-v2`) see it on their first poll
// of GetFunction, which reads Active and Successful. Invoke never meets a function that is not
// ready (AWS would answer ResourceConflictException).

#include "code_store.hpp"
#include "service_impl.hpp"
#include "validation.hpp"

#include "fogbank/core/encoding.hpp"

#include <algorithm>
#include <system_error>

namespace fogbank::lambda {
namespace {

namespace fs = std::filesystem;
using core::error_code;

// LocalStack's convention for code used in place, which serverless-localstack and LocalStack's
// documentation ("hot reloading") give users: Code {"S3Bucket": "hot-reload", "S3Key": "/abs/path"}.
constexpr std::string_view hot_reload_bucket = "hot-reload";
// What such functions report, as LocalStack's do.
constexpr std::string_view hot_reload_sha256 = "hot-reloading-hash-not-available";

// Recorded AWS answers.
constexpr std::string_view no_code_source = "Please provide a source for function code.";
constexpr std::string_view runtime_and_handler =
    "Runtime and Handler are mandatory parameters for functions created with deployment packages.";
// LocalStack's port of AWS's PreconditionFailedException wording.
constexpr std::string_view revision_mismatch =
    "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to "
    "retrieve the latest Revision Id";

void check_revision(const function_record& fn, const json& request) {
  if (const auto revision = validate::string_member(request, "RevisionId");
      revision && *revision != fn.revision_id) {
    fail(error_code::lambda_precondition_failed, std::string(revision_mismatch));
  }
}

// What an update answers: the configuration with the update in progress (see the top of the file).
json updating(const function_record& fn) {
  json out = fn.configuration();
  out["LastUpdateStatus"] = "InProgress";
  out["LastUpdateStatusReason"] = "The function is being created.";
  out["LastUpdateStatusReasonCode"] = "Creating";
  return out;
}

json code_location(const function_record& fn) {
  // Not a download URL: fogbank keeps the unpacked code, not the package. LocalStack answers
  // "Code location: <path>" for hot-reload functions.
  if (fn.code == code_kind::local)
    return {{"RepositoryType", "S3"}, {"Location", "Code location: " + fn.code_dir}};
  return {{"RepositoryType", "S3"}, {"Location", "file://" + fn.code_dir}};
}

}  // namespace

service_impl::prepared_code service_impl::prepare_code(const json& code, std::string_view operation) {
  prepared_code out;
  const std::optional<std::string> zip = validate::string_member(code, "ZipFile");
  const std::optional<std::string> bucket = validate::string_member(code, "S3Bucket");
  const std::optional<std::string> image = validate::string_member(code, "ImageUri");
  if (zip) {
    if (zip->size() > max_code_request_bytes) {
      fail(error_code::lambda_request_too_large,
           "Request must be smaller than " + std::to_string(max_code_request_bytes) + " bytes for the " +
               std::string(operation) + " operation");
    }
    const std::optional<std::string> package = core::base64_decode_lenient(*zip);
    if (!package) {
      // Unconfirmed wording: Lambda reads ZipFile while it parses the body.
      fail(error_code::lambda_invalid_request_content,
           "Could not parse request body into json: ZipFile is not valid base64");
    }
    const fs::path dir = options_.code_root / "lambda" / ids_.uuid();
    remove_code(dir);
    unpack_zip(*package, dir);
    out.kind = code_kind::zip;
    out.sha256 = code_sha256(*package);
    out.size = static_cast<std::int64_t>(package->size());
    out.dir = dir.string();
    return out;
  }
  if (bucket) {
    if (*bucket != hot_reload_bucket) {
      fail(error_code::lambda_invalid_parameter_value,
           "fogbank does not emulate S3: give the code as ZipFile, or as a local directory with S3Bucket "
           "\"hot-reload\" and S3Key its absolute path");
    }
    const std::string path = validate::string_member(code, "S3Key").value_or("");
    std::error_code ec;
    if (path.empty() || path.front() != '/' || !fs::is_directory(path, ec)) {
      fail(error_code::lambda_invalid_parameter_value,
           "The S3Key of a hot-reload function must be the absolute path of a directory on the machine "
           "fogbank "
           "runs on: '" +
               path + "' is not one");
    }
    out.kind = code_kind::local;
    out.sha256 = hot_reload_sha256;
    out.size = 0;
    out.dir = fs::path(path).lexically_normal().string();
    return out;
  }
  if (image) {
    fail(error_code::lambda_invalid_parameter_value,
         "fogbank does not run container images: give the code as ZipFile, or as a local directory with "
         "S3Bucket \"hot-reload\"");
  }
  fail(error_code::lambda_invalid_parameter_value, std::string(no_code_source));
}

void service_impl::apply_configuration(function_record& fn, const json& request) {
  if (const auto role = validate::string_member(request, "Role")) fn.role = validate::role(*role);
  if (const auto runtime = validate::string_member(request, "Runtime"))
    fn.runtime = validate::runtime(*runtime);
  if (const auto handler = validate::string_member(request, "Handler"))
    fn.handler = validate::handler(*handler);
  if (const auto description = validate::string_member(request, "Description")) {
    fn.description = validate::description(*description);
  }
  if (const auto timeout = validate::integer_member(request, "Timeout"))
    fn.timeout_seconds = validate::timeout(*timeout);
  if (const auto memory = validate::integer_member(request, "MemorySize"))
    fn.memory_mb = validate::memory_size(*memory);
  if (const auto it = request.find("Environment"); it != request.end() && !it->is_null()) {
    fn.environment = validate::environment(*it);
    fn.has_environment = true;
  }
  if (const auto it = request.find("TracingConfig"); it != request.end() && !it->is_null()) {
    fn.tracing_mode = validate::tracing_mode(*it);
  }
  if (const auto it = request.find("EphemeralStorage"); it != request.end() && !it->is_null()) {
    fn.ephemeral_storage_mb = validate::ephemeral_storage(*it);
  }
  if (const auto it = request.find("DeadLetterConfig"); it != request.end() && !it->is_null()) {
    fn.dead_letter_arn = validate::dead_letter_target(*it);
  }
  if (const auto it = request.find("Layers"); it != request.end() && it->is_array() && !it->empty()) {
    fail(error_code::lambda_invalid_parameter_value,
         "fogbank does not emulate layers: put what the layer holds in the function's code");
  }
  // VpcConfig, KMSKeyArn, ImageConfig, FileSystemConfigs, SnapStart and LoggingConfig are
  // accepted and have no effect here.
}

json service_impl::create_function(const json& request, const core::call_context& context) {
  const validate::function_name_parts parts = validate::function_name(request);
  const std::optional<std::string> role = validate::string_member(request, "Role");
  if (!role) validate::constraint("null", "role", "Member must not be null");
  const auto code = request.find("Code");
  if (code == request.end() || code->is_null())
    validate::constraint("null", "code", "Member must not be null");
  if (validate::string_member(request, "PackageType").value_or("Zip") == "Image") {
    fail(error_code::lambda_invalid_parameter_value,
         "fogbank does not run container images: give the code as ZipFile, or as a local directory with "
         "S3Bucket \"hot-reload\"");
  }
  if (!validate::string_member(request, "Runtime") || !validate::string_member(request, "Handler")) {
    fail(error_code::lambda_invalid_parameter_value, std::string(runtime_and_handler));
  }

  function_record fn;
  fn.region = context.region;
  fn.account = context.account_id;
  fn.name = parts.name;
  apply_configuration(fn, request);
  if (const auto it = request.find("Architectures"); it != request.end() && !it->is_null()) {
    fn.architectures = validate::architectures(*it);
  }
  if (const auto it = request.find("Tags"); it != request.end() && !it->is_null()) {
    fn.tags = it->get<std::map<std::string, std::string>>();
  }
  if (functions_.count(fn.key()) != 0) {
    // LocalStack's port of AWS's wording (sic).
    fail(error_code::lambda_resource_conflict, "Function already exist: " + fn.name);
  }

  const prepared_code prepared = prepare_code(*code, "CreateFunction");
  fn.code = prepared.kind;
  fn.code_sha256 = prepared.sha256;
  fn.code_size = prepared.size;
  fn.code_dir = prepared.dir;
  fn.revision_id = ids_.uuid();
  fn.last_modified = now_timestamp();
  try {
    store_function(fn);
  } catch (...) {
    if (fn.code == code_kind::zip) remove_code(fn.code_dir);
    throw;
  }
  json out = fn.configuration();
  out["State"] = "Pending";
  out["StateReason"] = "The function is being created.";
  out["StateReasonCode"] = "Creating";
  out.erase("LastUpdateStatus");
  functions_.emplace(fn.key(), std::move(fn));
  return out;
}

json service_impl::get_function(const json& request, const core::call_context& context) {
  const function_record& fn = find_function(request, context);
  json out = {{"Configuration", fn.configuration()}, {"Code", code_location(fn)}};
  if (!fn.tags.empty()) out["Tags"] = fn.tags;
  if (fn.reserved_concurrency)
    out["Concurrency"] = {{"ReservedConcurrentExecutions", *fn.reserved_concurrency}};
  return out;
}

json service_impl::get_function_configuration(const json& request, const core::call_context& context) {
  return find_function(request, context).configuration();
}

json service_impl::list_functions(const json& request, const core::call_context& context) {
  std::int64_t max_items = list_page_size;
  if (const auto given = validate::integer_member(request, "MaxItems")) {
    if (*given < 1)
      validate::constraint(std::to_string(*given), "maxItems",
                           "Member must have value greater than or equal to 1");
    if (*given > 10000) {
      validate::constraint(std::to_string(*given), "maxItems",
                           "Member must have value less than or equal to 10000");
    }
    max_items = std::min<std::int64_t>(*given, list_page_size);
  }
  // The marker is the name of the last function of the previous page, in base64 (opaque to
  // clients, as AWS's is).
  std::string after;
  if (const auto marker = validate::string_member(request, "Marker")) {
    const std::optional<std::string> decoded = core::base64_decode_lenient(*marker);
    if (!decoded) fail(error_code::lambda_invalid_parameter_value, "Invalid marker: " + *marker);
    after = *decoded;
  }
  const std::string prefix = context.region + "/" + context.account_id + "/";
  json functions = json::array();
  std::string last;
  bool more = false;
  for (auto it = functions_.lower_bound(prefix + after); it != functions_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    if (it->second.name == after) continue;
    if (static_cast<std::int64_t>(functions.size()) == max_items) {
      more = true;
      break;
    }
    functions.push_back(it->second.configuration());
    last = it->second.name;
  }
  json out = {{"Functions", std::move(functions)}};
  if (more) out["NextMarker"] = core::base64_encode(last);
  return out;
}

json service_impl::update_function_code(const json& request, const core::call_context& context) {
  function_record& current = find_function(request, context);
  check_revision(current, request);
  function_record fn = current;
  if (const auto it = request.find("Architectures"); it != request.end() && !it->is_null()) {
    fn.architectures = validate::architectures(*it);
  }
  const prepared_code prepared = prepare_code(request, "UpdateFunctionCode");
  if (validate::bool_member(request, "DryRun").value_or(false)) {
    // Validated and unpacked, as AWS checks the package; nothing changes.
    if (prepared.kind == code_kind::zip) remove_code(prepared.dir);
    fn.code_sha256 = prepared.sha256;
    fn.code_size = prepared.size;
    return fn.configuration();
  }
  fn.code = prepared.kind;
  fn.code_sha256 = prepared.sha256;
  fn.code_size = prepared.size;
  fn.code_dir = prepared.dir;
  fn.revision_id = ids_.uuid();
  fn.last_modified = now_timestamp();
  try {
    store_function(fn);
  } catch (...) {
    if (fn.code == code_kind::zip) remove_code(fn.code_dir);
    throw;
  }
  if (current.code == code_kind::zip && current.code_dir != fn.code_dir) {
    after_unlock_.remove_code.push_back(current.code_dir);
  }
  after_unlock_.retire.push_back(fn.name);
  current = std::move(fn);
  return updating(current);
}

json service_impl::update_function_configuration(const json& request, const core::call_context& context) {
  function_record& current = find_function(request, context);
  check_revision(current, request);
  function_record fn = current;
  apply_configuration(fn, request);
  fn.revision_id = ids_.uuid();
  fn.last_modified = now_timestamp();
  store_function(fn);
  after_unlock_.retire.push_back(fn.name);
  current = std::move(fn);
  return updating(current);
}

json service_impl::delete_function(const json& request, const core::call_context& context) {
  const function_record fn = find_function(request, context);
  erase_function(fn);
  for (auto it = events_.begin(); it != events_.end();) {
    it = it->second.function_key == fn.key() ? events_.erase(it) : std::next(it);
  }
  functions_.erase(fn.key());
  if (fn.code == code_kind::zip) after_unlock_.remove_code.push_back(fn.code_dir);
  after_unlock_.retire.push_back(fn.name);
  return json::object();
}

}  // namespace fogbank::lambda
