#include "local_urls.hpp"

#include <algorithm>
#include <cctype>

namespace fogbank::templates {

std::optional<std::string> local_invoke_url(std::string_view value, std::string_view endpoint) {
  constexpr std::string_view scheme = "https://";
  constexpr std::string_view marker = ".execute-api.";
  if (!value.starts_with(scheme)) return std::nullopt;
  value.remove_prefix(scheme.size());
  const std::size_t slash = value.find('/');
  const std::string_view host = value.substr(0, slash);
  const std::string_view rest =
      slash == std::string_view::npos ? std::string_view() : value.substr(slash + 1);
  const std::size_t at = host.find(marker);
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  const std::string_view id = host.substr(0, at);
  const bool id_ok = std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c) != 0; });
  if (!id_ok || !(host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn")))
    return std::nullopt;
  std::string base = endpoint.empty() ? std::string("http://localhost:4566") : std::string(endpoint);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/rest/" + std::string(id) + "/" + std::string(rest);
}

std::optional<std::string> local_command(std::string_view value, std::string_view endpoint) {
  constexpr std::string_view scheme = "https://";
  constexpr std::string_view url_ends = " \t\r\n'\"`";
  if (local_invoke_url(value, endpoint)) return std::nullopt;
  std::string out;
  bool rewritten = false;
  std::size_t from = 0;
  for (std::size_t at = value.find(scheme); at != std::string_view::npos; at = value.find(scheme, from)) {
    std::size_t end = value.find_first_of(url_ends, at);
    if (end == std::string_view::npos) end = value.size();
    out.append(value.substr(from, at - from));
    const std::string_view url = value.substr(at, end - at);
    if (auto local = local_invoke_url(url, endpoint)) {
      out += *local;
      rewritten = true;
    } else {
      out.append(url);
    }
    from = end;
  }
  if (!rewritten) return std::nullopt;
  out.append(value.substr(from));
  return out;
}

}  // namespace fogbank::templates
