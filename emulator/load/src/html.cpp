#include "html.hpp"

namespace fogbank::load {

std::string html_report(const nlohmann::json& result) {
  // Filled in by the HTML commit.
  return "<!doctype html><pre>" + result.dump(2) + "</pre>";
}

}  // namespace fogbank::load
