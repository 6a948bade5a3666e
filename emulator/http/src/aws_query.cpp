#include "aws_query.hpp"

#include "log.hpp"
#include "query_codec.hpp"
#include "sigv4.hpp"

#include <memory>
#include <string>

namespace fogbank::http {
namespace {

constexpr std::string_view form_urlencoded = "application/x-www-form-urlencoded";

std::string_view path_of(std::string_view target) noexcept {
  return target.substr(0, target.find('?'));
}

std::string_view query_of(std::string_view target) noexcept {
  const auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

// "/000000000000/orders" -> true: the path of a queue URL, which the query protocol accepts as
// the address of the call (QueueUrl may then be left out, as boto 2 and the JS SDK v2 did).
bool is_queue_path(std::string_view path) noexcept {
  if (path.size() < 4 || path[0] != '/') return false;
  const auto slash = path.find('/', 1);
  return slash != std::string_view::npos && slash > 1 && slash + 1 < path.size() &&
         path.find('/', slash + 1) == std::string_view::npos;
}

// A protocol error of the query front itself (no catalog row: the service never sees the call).
// Codes and messages of AWS's common query errors.
response protocol_error(const query_model::service_model& model, const reply_to& to, std::string_view code,
                        std::string_view message) {
  return make_response(
      to, bhttp::status::bad_request, aws_query_front::content_type,
      query_codec::encode_error(model.xml_namespace, code, message, "Sender", to.request_id));
}

response error_response(const query_model::service_model& model, const core::aws_error& error,
                        const reply_to& to) {
  return make_response(
      to, static_cast<bhttp::status>(error.http_status()), aws_query_front::content_type,
      query_codec::encode_error(model.xml_namespace, query_codec::error_code_of(error), error.message(),
                                query_codec::fault_of(error.http_status()), to.request_id));
}

response internal_error(const query_model::service_model& model, const reply_to& to) {
  return error_response(model, core::aws_error(core::error_code::internal_failure, "Internal server error"),
                        to);
}

}  // namespace

aws_query_front::aws_query_front(query_service service) : services_{service} {}

aws_query_front::aws_query_front(std::vector<query_service> services) : services_(std::move(services)) {}

const query_service& aws_query_front::service_for(std::string_view scope_service, const std::string* version,
                                                  const std::string* action) const noexcept {
  for (const query_service& s : services_) {
    if (!scope_service.empty() && s.row->name == scope_service) return s;
  }
  if (version != nullptr) {
    for (const query_service& s : services_) {
      if (s.model->api_version == *version) return s;
    }
  }
  if (action != nullptr) {
    for (const query_service& s : services_) {
      if (s.model->find(*action) != nullptr) return s;
    }
  }
  return services_.front();
}

bool aws_query_front::accepts(const request& req) noexcept {
  if (req.method() == bhttp::verb::post)
    return media_type(header_value(req, bhttp::field::content_type)) == form_urlencoded;
  if (req.method() == bhttp::verb::get) {
    const std::string_view query = query_of(sv(req.target()));
    return query.substr(0, 7) == "Action=" || query.find("&Action=") != std::string_view::npos;
  }
  return false;
}

response aws_query_front::refuse(const request& req, const reply_to& to, bhttp::status status,
                                 std::string_view code, std::string_view message) const {
  const std::string_view target = sv(req.target());
  query_codec::params form;
  query_codec::parse_form(query_of(target), form);
  if (req.method() == bhttp::verb::post) query_codec::parse_form(req.body(), form);
  std::string scope_service;
  sigv4::signed_request signed_req;
  signed_req.authorization = find_header(req, bhttp::field::authorization);
  signed_req.query = query_of(target);
  signed_req.has_date = true;
  if (const sigv4::check_result auth = sigv4::check(signed_req);
      auth.result == sigv4::check_result::outcome::ok)
    scope_service = auth.scope.service;
  const auto action = form.find("Action");
  const auto version = form.find("Version");
  const query_service& service =
      service_for(scope_service, version == form.end() ? nullptr : &version->second,
                  action == form.end() ? nullptr : &action->second);
  return make_response(
      to, status, content_type,
      query_codec::encode_error(service.model->xml_namespace, code, message, "Sender", to.request_id));
}

std::optional<response> aws_query_front::handle(const request& req, const reply_to& to,
                                                reply_channel& channel) const {
  const std::string_view target = sv(req.target());

  // Parameters may come in the URL, the body, or both (a presigned POST); the body wins.
  query_codec::params form;
  query_codec::parse_form(query_of(target), form);
  if (req.method() == bhttp::verb::post) query_codec::parse_form(req.body(), form);

  core::call_context context;
  sigv4::signed_request signed_req;
  signed_req.authorization = find_header(req, bhttp::field::authorization);
  signed_req.query = query_of(target);
  signed_req.has_date = true;
  std::string scope_service;
  if (const sigv4::check_result auth = sigv4::check(signed_req);
      auth.result == sigv4::check_result::outcome::ok) {
    if (!auth.scope.region.empty()) context.region = auth.scope.region;
    context.caller.access_key_id = auth.scope.access_key_id;
    scope_service = auth.scope.service;
  }

  const auto action = form.find("Action");
  const auto version = form.find("Version");
  const query_service& service =
      service_for(scope_service, version == form.end() ? nullptr : &version->second,
                  action == form.end() ? nullptr : &action->second);
  const query_model::service_model& model = *service.model;
  if (action == form.end() || action->second.empty())
    return protocol_error(model, to, "MissingAction", "The request must contain the parameter Action.");
  const query_model::operation* op = model.find(action->second);
  if (op == nullptr)
    return protocol_error(model, to, "InvalidAction",
                          "The action " + action->second + " is not valid for this web service.");

  context.request_id = to.request_id;
  context.endpoint = endpoint_of(req, to, "http://localhost:4566");

  nlohmann::json input;
  try {
    input = query_codec::decode_request(model, *op, form);
  } catch (const core::aws_error& error) {
    return error_response(model, error, to);
  }
  const std::string_view path = path_of(target);
  if (!input.contains("QueueUrl") && is_queue_path(path)) {
    for (const auto& m : model.at(op->input).members) {
      if (m.name == "QueueUrl") input["QueueUrl"] = context.endpoint + std::string(path);
    }
  }

  std::shared_ptr<deferred_reply> reply = channel.defer();
  // Only a long poll outlives its dispatch(); a server that stops meanwhile answers it with the
  // empty result the poll would have ended with.
  reply->set_fallback([&model, op, to] {
    return make_response(to, bhttp::status::ok, content_type,
                         query_codec::encode_response(model, *op, nlohmann::json::object(), to.request_id));
  });
  try {
    // `model` and `op` are static tables: the completion may safely outlive this front.
    service.registry->call(
        *service.row, op->name, input, context, [reply, &model, op, to](core::call_result result) {
          try {
            if (result.error) {
              reply->complete(error_response(model, *result.error, to));
            } else {
              reply->complete(
                  make_response(to, bhttp::status::ok, content_type,
                                query_codec::encode_response(model, *op, result.body, to.request_id)));
            }
          } catch (...) {
            reply->complete(internal_error(model, to));
          }
        });
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    log_error("internal error in " + std::string(op->name) + " (request " + to.request_id + "): " + e.what());
    reply->complete(internal_error(model, to));
  }
  return reply->take_if_ready();
}

}  // namespace fogbank::http
