#pragma once
// Lambda authorizer results kept for AuthorizerResultTtlInSeconds, keyed by the request's identity
// source values, so that a client reconnecting with the same credentials does not invoke the
// authorizer function again within the TTL.
//
// AWS's behaviour:
//   - "If it equals 0, authorization caching is disabled. If it is greater than 0, API Gateway
//     caches authorizer responses. The maximum value is 3600, or 1 hour." (apigatewayv2 API
//     reference, Authorizer.authorizerResultTtlInSeconds; the bound is checked by CreateAuthorizer,
//     authorizer_control.hpp);
//   - "When caching is enabled for an authorizer, API Gateway uses the authorizer's identity
//     sources as the cache key. If a client specifies the same parameters in identity sources
//     within the configured TTL, API Gateway uses the cached authorizer result, rather than invoking
//     your Lambda function." (developer guide, "Working with AWS Lambda authorizers for HTTP APIs",
//     Caching authorizer responses); "To enable caching, your authorizer must have at least one
//     identity source." Without identity sources nothing is cached.
//   - the same API reference says the TTL is "Supported only for HTTP API Lambda authorizers",
//     while the WebSocket guide calls its REQUEST authorizer "similar to that for REST APIs", which
//     cache by the same key. fogbank caches WebSocket $connect authorizers too (unconfirmed);
//   - an apigatewayv2 authorizer created without the member has no TTL in the API reference
//     (the 2018-11-29 model's first reference said "If this field is not set, the default value is
//     300"; today's gives no default): fogbank reads a missing TTL as 0, no caching
//     (unconfirmed), so a test sees its authorizer run on every $connect unless it asks otherwise.
//   - what is cached is the function's answer, Allow or Deny (REST's guide: "API Gateway caches
//     the returned policy"); a failure (401 "Unauthorized", 500) is not, so the next request asks
//     the function again.
// Expiry is on the service clock: a manual clock's advance() expires entries.

#include "authorizer.hpp"

#include "fogbank/core/clock.hpp"

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fogbank::apigw {

// Entries kept at most; a full cache first drops its expired entries, then, if still full, the
// entry that expires first. Bounds the memory a stream of distinct tokens can take (AWS states
// no number; unconfirmed).
inline constexpr std::size_t max_cached_authorizations = 10'000;

// The cache key of a request: which authorizer (its API, id and stage, since its answer is
// evaluated against the stage's methodArn) and the values of its identity sources, in order.
// Each part is length-prefixed, so that no two different requests share a key. nullopt when
// `sources` is empty (no caching).
std::optional<std::string> authorizer_cache_key(
    std::string_view api_id, std::string_view authorizer_id, std::string_view stage,
    const std::vector<std::string>& sources, const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view query);

// Thread-safe.
class authorizer_cache {
 public:
  explicit authorizer_cache(const core::clock& clock) : clock_(clock) {}

  // The decision stored under `key` that has not expired on the service clock, else nullopt.
  std::optional<authorizer_decision> find(const std::string& key);
  // Keeps `decision` under `key` for `ttl` from now. Does nothing for a ttl of zero or less, or a
  // decision that is neither an Allow (200) nor a Deny (403).
  void store(const std::string& key, const authorizer_decision& decision, std::chrono::seconds ttl);
  std::size_t size() const;

 private:
  struct entry {
    authorizer_decision decision;
    core::time_point expires;
  };
  const core::clock& clock_;
  mutable std::mutex mutex_;
  std::map<std::string, entry, std::less<>> entries_;
};

}  // namespace fogbank::apigw
