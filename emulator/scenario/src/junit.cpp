#include "fogbank/scenario/runner.hpp"

#include "fogbank/core/encoding.hpp"

#include <cstdio>

namespace fogbank::scenario {
namespace {

std::string seconds_text(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", seconds);
  return buffer;
}

}  // namespace

std::string junit_report(const std::vector<scenario_result>& results, const std::string& suite_name) {
  std::size_t failures = 0;
  double total = 0;
  for (const auto& r : results) {
    failures += r.passed ? 0 : 1;
    total += r.seconds;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites tests=\"" + std::to_string(results.size()) + "\" failures=\"" +
         std::to_string(failures) + "\" time=\"" + seconds_text(total) + "\">\n";
  out += "  <testsuite name=\"" + core::xml_escape(suite_name) + "\" tests=\"" +
         std::to_string(results.size()) + "\" failures=\"" + std::to_string(failures) +
         "\" errors=\"0\" time=\"" + seconds_text(total) + "\">\n";
  for (const auto& r : results) {
    out += "    <testcase classname=\"" + core::xml_escape(r.file.parent_path().string()) + "\" name=\"" +
           core::xml_escape(r.name) + "\" file=\"" + core::xml_escape(r.file.string()) + "\" time=\"" +
           seconds_text(r.seconds) + "\"";
    if (r.passed) {
      out += "/>\n";
      continue;
    }
    const std::string first_line = r.failure.substr(0, r.failure.find('\n'));
    out += ">\n      <failure message=\"" + core::xml_escape(first_line) + "\">" +
           core::xml_escape(r.failure) + "</failure>\n    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace fogbank::scenario
