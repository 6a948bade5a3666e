#include "http_api_front.hpp"

#include <boost/beast/websocket/rfc6455.hpp>

#include <algorithm>
#include <cctype>

namespace fogbank::http {
namespace {

constexpr std::string_view host_marker = ".execute-api.";

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

// Whether a header from a function may go out as it is: a token name, a value without CR, LF or
// NUL (a value with them would split the response), and not one the server itself owns.
bool sendable(const std::string& name, const std::string& value) {
  if (name.empty()) return false;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == ':') return false;
  }
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) return false;
  for (const char* owned : {"Content-Length", "Transfer-Encoding", "Connection"}) {
    if (same_name(name, owned)) return false;
  }
  return true;
}

response beast_response(const apigw::http_api_response& answer, unsigned version, bool keep_alive) {
  response res{static_cast<bhttp::status>(answer.status), version};
  res.set(bhttp::field::server, "fogbank");
  for (const auto& [name, value] : answer.headers) {
    if (sendable(name, value)) res.insert(bsv(name), bsv(value));
  }
  res.body() = answer.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace

std::optional<apigw::http_api_request> http_api_call_of(const request& req,
                                                        const apigw::http_api_gateway& gateway) {
  std::string_view target = sv(req.target());
  std::string_view query;
  if (const std::size_t q = target.find('?'); q != std::string_view::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  apigw::http_api_request out;
  if (target.starts_with(http_api_prefix)) {
    std::string_view rest = target.substr(http_api_prefix.size());
    const std::size_t slash = rest.find('/');
    out.api_id = std::string(rest.substr(0, slash));
    out.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (out.api_id.empty()) return std::nullopt;
  } else {
    // A WebSocket upgrade in the host form is the WebSocket side's.
    if (boost::beast::websocket::is_upgrade(req)) return std::nullopt;
    const std::string_view host = header_value(req, bhttp::field::host);
    const std::size_t marker = host.find(host_marker);
    if (marker == std::string_view::npos || marker == 0 || !target.starts_with('/')) return std::nullopt;
    out.api_id = std::string(host.substr(0, marker));
    if (!gateway.is_http_api(out.api_id)) return std::nullopt;
    out.path = std::string(target);
  }
  out.query = std::string(query);
  out.method = std::string(sv(req.method_string()));
  for (const auto& field : req)
    out.headers.emplace_back(std::string(sv(field.name_string())), std::string(sv(field.value())));
  out.body = req.body();
  out.domain_name = std::string(header_value(req, bhttp::field::host));
  out.protocol = req.version() == 10 ? "HTTP/1.0" : "HTTP/1.1";
  return out;
}

std::optional<response> serve_http_api(apigw::http_api_request call, const request& req,
                                       reply_channel& channel, apigw::http_api_gateway& gateway) {
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  std::shared_ptr<deferred_reply> reply = channel.defer();
  // A server that stops while a function runs answers as a timed-out integration does.
  reply->set_fallback([version] {
    apigw::http_api_response unavailable;
    unavailable.status = 503;
    unavailable.headers.emplace_back("content-type", "application/json");
    unavailable.body = R"({"message":"Service Unavailable"})";
    return beast_response(unavailable, version, false);
  });
  gateway.handle(std::move(call), [reply, version, keep_alive](apigw::http_api_response answer) {
    reply->complete(beast_response(answer, version, keep_alive));
  });
  return reply->take_if_ready();
}

}  // namespace fogbank::http
