#include "rest_api_front.hpp"

#include "fogbank/apigw/rest_api.hpp"

#include <string>
#include <string_view>

namespace fogbank::http {
namespace {

constexpr std::string_view path_prefix = "/rest/";
constexpr std::string_view host_marker = ".execute-api.";

struct target {
  std::string api_id;
  std::string stage;
  std::string path;  // after the stage, starting with '/'
  std::string query;
  bool host_form = false;
};

std::optional<target> target_of(const request& req) {
  std::string_view path = sv(req.target());
  target out;
  if (const std::size_t q = path.find('?'); q != std::string_view::npos) {
    out.query = std::string(path.substr(q + 1));
    path = path.substr(0, q);
  }
  if (path.starts_with(path_prefix)) {
    path.remove_prefix(path_prefix.size());
    const std::size_t slash = path.find('/');
    out.api_id = std::string(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  } else {
    const std::string_view host = header_value(req, bhttp::field::host);
    const std::size_t marker = host.find(host_marker);
    if (marker == std::string_view::npos || marker == 0) return std::nullopt;
    out.api_id = std::string(host.substr(0, marker));
    out.host_form = true;
  }
  // "/<stage>/<path>"
  if (!path.starts_with('/')) return std::nullopt;
  path.remove_prefix(1);
  const std::size_t slash = path.find('/');
  out.stage = std::string(path.substr(0, slash));
  out.path = slash == std::string_view::npos ? std::string("/") : std::string(path.substr(slash));
  if (out.api_id.empty() || out.stage.empty()) return std::nullopt;
  return out;
}

}  // namespace

bool is_rest_api_request(const request& req, const apigw::rest_gateway& gateway) noexcept {
  try {
    const std::optional<target> found = target_of(req);
    if (!found) return false;
    // The path form is ours whatever the id; the host form only for a REST API's id.
    return !found->host_form || gateway.serves(found->api_id);
  } catch (...) {
    return false;
  }
}

std::optional<response> handle_rest_api(const request& req, const reply_to& to, reply_channel& channel,
                                        const apigw::rest_gateway& gateway) {
  std::optional<target> found = target_of(req);
  apigw::rest_request call;
  if (found) {
    call.api_id = std::move(found->api_id);
    call.stage = std::move(found->stage);
    call.path = std::move(found->path);
    call.query = std::move(found->query);
  }
  call.method = std::string(sv(req.method_string()));
  for (const auto& field : req)
    call.headers.emplace_back(std::string(sv(field.name_string())), std::string(sv(field.value())));
  call.body = req.body();
  call.domain_name = std::string(header_value(req, bhttp::field::host));
  // The session does not pass the peer's address this far: a client's own X-Forwarded-For, else
  // the loopback address fogbank usually serves (unconfirmed for other set-ups).
  const std::string_view forwarded = header_value(req, "X-Forwarded-For");
  call.source_ip = forwarded.empty() ? "127.0.0.1" : std::string(forwarded.substr(0, forwarded.find(',')));
  call.tls = to.tls;
  if (const std::size_t colon = call.domain_name.rfind(':');
      colon != std::string::npos && call.domain_name.find(']', colon) == std::string::npos) {
    call.port = call.domain_name.substr(colon + 1);
  } else {
    call.port = to.tls ? "443" : "80";
  }

  std::shared_ptr<deferred_reply> reply = channel.defer();
  // A server that stops while the function runs answers at once (unconfirmed wording).
  reply->set_fallback([to] {
    return make_response(to, bhttp::status::service_unavailable, plain_json,
                         R"({"message":"Service Unavailable"})");
  });
  gateway.handle(std::move(call), [reply, to](apigw::rest_response answer) {
    try {
      response res{static_cast<bhttp::status>(answer.status), to.version};
      res.set(bhttp::field::server, "fogbank");
      for (const auto& [name, value] : answer.headers) res.insert(bsv(name), bsv(value));
      // The request id in API Gateway's header (x-amzn-RequestId, as on AWS).
      res.set("x-amzn-RequestId", bsv(answer.request_id.empty() ? to.request_id : answer.request_id));
      res.body() = std::move(answer.body);
      res.keep_alive(to.keep_alive);
      res.prepare_payload();
      reply->complete(std::move(res));
    } catch (...) {
      reply->complete(make_response(to, bhttp::status::internal_server_error, plain_json,
                                    R"({"message": "Internal server error"})"));
    }
  });
  return reply->take_if_ready();
}

}  // namespace fogbank::http
