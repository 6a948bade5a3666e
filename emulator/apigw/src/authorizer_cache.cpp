#include "authorizer_cache.hpp"

#include <algorithm>

namespace fogbank::apigw {
namespace {

void append_part(std::string& key, std::string_view part) {
  key.append(std::to_string(part.size())).append(":").append(part);
}

}  // namespace

std::optional<std::string> authorizer_cache_key(
    std::string_view api_id, std::string_view authorizer_id, std::string_view stage,
    const std::vector<std::string>& sources, const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view query) {
  if (sources.empty()) return std::nullopt;
  std::string key;
  append_part(key, api_id);
  append_part(key, authorizer_id);
  append_part(key, stage);
  for (const std::string& source : sources) append_part(key, identity_source_value(source, headers, query));
  return key;
}

std::optional<authorizer_decision> authorizer_cache::find(const std::string& key) {
  const core::time_point now = clock_.now();
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (now >= it->second.expires) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.decision;
}

void authorizer_cache::store(const std::string& key, const authorizer_decision& decision,
                             std::chrono::seconds ttl) {
  if (ttl <= std::chrono::seconds::zero() || (decision.status != 200 && decision.status != 403)) return;
  const core::time_point now = clock_.now();
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_cached_authorizations && !entries_.contains(key)) {
    std::erase_if(entries_, [&](const auto& e) { return now >= e.second.expires; });
    if (entries_.size() >= max_cached_authorizations) {
      const auto first = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
        return a.second.expires < b.second.expires;
      });
      entries_.erase(first);
    }
  }
  entries_.insert_or_assign(key, entry{decision, now + ttl});
}

std::size_t authorizer_cache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace fogbank::apigw
