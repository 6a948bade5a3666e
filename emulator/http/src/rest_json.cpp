#include "rest_json.hpp"

#include "log.hpp"
#include "sigv4.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

namespace fogbank::http {
namespace {

response to_response(const reply_to& to, const rest_codec::encoded& answer) {
  response res = make_response(to, static_cast<bhttp::status>(answer.status), plain_json, answer.body);
  for (const auto& [name, value] : answer.headers) res.set(bsv(name), bsv(value));
  return res;
}

response error_response(const rest_model::service_model& model, const core::aws_error& error,
                        const reply_to& to) {
  return to_response(
      to, rest_codec::encode_error(model, error.name(), error.http_status(), error.message(), error.extra()));
}

response internal_error(const rest_model::service_model& model, const reply_to& to) {
  // Lambda's (and the REST-JSON services') catch-all.
  return to_response(to, rest_codec::encode_error(model, "ServiceException", 500, "Internal server error",
                                                  nlohmann::json()));
}

}  // namespace

rest_json_front::rest_json_front(const dispatch::registry& services) : services_(services) {
  for (const dispatch::service_row& row : services.services()) {
    if (!row.rest_protocol) continue;
    const rest_model::service_model* model = rest_model::for_service(row.name);
    if (model == nullptr) throw std::logic_error("no REST-JSON route table for service " + row.name);
    rows_.push_back({&row, model});
  }
}

std::optional<rest_json_front::target> rest_json_front::find(const request& req) const {
  for (const service& s : rows_) {
    if (auto found = rest_codec::match(*s.model, sv(req.method_string()), sv(req.target()))) {
      return target{s.row, s.model, std::move(*found)};
    }
  }
  return std::nullopt;
}

std::size_t rest_json_front::body_limit(const target& found, std::size_t fallback) noexcept {
  return found.row->max_request_bytes != 0 ? found.row->max_request_bytes : fallback;
}

std::size_t rest_json_front::max_body_limit() const noexcept {
  std::size_t limit = 0;
  for (const service& s : rows_) limit = std::max(limit, s.row->max_request_bytes);
  return limit;
}

response rest_json_front::too_large(const target& found, const reply_to& to, std::size_t limit) const {
  const rest_model::service_model& model = *found.model;
  const std::string message = std::string(model.too_large_before_limit) + std::to_string(limit) +
                              std::string(model.too_large_before_operation) +
                              std::string(found.route.op->name) +
                              std::string(model.too_large_after_operation);
  return to_response(to,
                     rest_codec::encode_error(model, model.too_large_error, 413, message, nlohmann::json()));
}

response rest_json_front::refuse(const request& req, const reply_to& to, std::string_view name, int status,
                                 std::string_view message) const {
  const std::optional<target> found = find(req);
  if (!found) throw std::logic_error("rest_json_front::refuse called for a request it does not route");
  return to_response(to, rest_codec::encode_error(*found->model, name, status, message, nlohmann::json()));
}

std::optional<response> rest_json_front::handle(const request& req, const reply_to& to,
                                                reply_channel& channel) const {
  std::optional<target> found = find(req);
  if (!found) throw std::logic_error("rest_json_front::handle called for a request it does not route");
  const rest_model::service_model& model = *found->model;
  const rest_model::operation* op = found->route.op;

  nlohmann::json input;
  try {
    input = rest_codec::decode_request(model, found->route, req);
  } catch (const rest_codec::protocol_error& refused) {
    const rest_model::error_shape* shape = model.find_error(refused.name);
    return to_response(to, rest_codec::encode_error(model, refused.name, shape ? shape->status : 400,
                                                    refused.message, nlohmann::json()));
  }

  core::call_context context;
  sigv4::signed_request signed_req;
  signed_req.authorization = find_header(req, bhttp::field::authorization);
  const std::string_view target = sv(req.target());
  if (const auto q = target.find('?'); q != std::string_view::npos) signed_req.query = target.substr(q + 1);
  signed_req.has_date = true;
  if (const sigv4::check_result auth = sigv4::check(signed_req);
      auth.result == sigv4::check_result::outcome::ok) {
    if (!auth.scope.region.empty()) context.region = auth.scope.region;
    context.caller.access_key_id = auth.scope.access_key_id;
  }
  context.request_id = to.request_id;
  context.endpoint = endpoint_of(req, to, "http://localhost:4566");

  std::shared_ptr<deferred_reply> reply = channel.defer();
  try {
    // `model` and `op` are static tables: the completion may safely outlive this front.
    services_.call(*found->row, op->name, input, context, [reply, &model, op, to](core::call_result result) {
      try {
        if (result.error) {
          reply->complete(error_response(model, *result.error, to));
        } else {
          reply->complete(to_response(to, rest_codec::encode_response(*op, result.body)));
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
