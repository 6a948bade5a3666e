#include "query_model.hpp"

#include <algorithm>

namespace fogbank::http::query_model {

// Once for every generated table (sqs_query_model.cpp, sns_query_model.cpp), each of which
// asserts that its operations are sorted by name.
const operation* service_model::find(std::string_view name) const noexcept {
  const auto it = std::lower_bound(operations.begin(), operations.end(), name,
                                   [](const operation& op, std::string_view n) { return op.name < n; });
  return it != operations.end() && it->name == name ? &*it : nullptr;
}

}  // namespace fogbank::http::query_model
