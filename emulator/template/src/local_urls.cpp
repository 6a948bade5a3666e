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

}  // namespace fogbank::templates
