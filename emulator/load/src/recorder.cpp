#include "recorder.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

namespace fogbank::load {

std::uint64_t kind_stats::error_count() const {
  std::uint64_t n = 0;
  for (const auto& [type, count] : errors) n += count;
  return n;
}

void recorder::close_second() {
  current_.p50_us = current_latency_.percentile(50);
  current_.p99_us = current_latency_.percentile(99);
  current_.max_us = current_latency_.max();
  current_.e2e_p50_us = current_e2e_.percentile(50);
  current_.e2e_p99_us = current_e2e_.percentile(99);
  timeline_.push_back(current_);
  current_ = {};
  current_latency_ = {};
  current_e2e_ = {};
}

void recorder::advance_to(double at_seconds) {
  const auto index = static_cast<std::size_t>(std::max(0.0, at_seconds));
  while (timeline_.size() < index) close_second();
}

void recorder::success(const std::string& kind, std::uint64_t latency_us, double at_seconds) {
  kind_stats& stats = kinds_[kind];
  stats.latency.record(latency_us);
  ++stats.ok;
  if (!is_request(kind)) return;
  advance_to(at_seconds);
  ++requests_;
  all_.record(latency_us);
  ++current_.requests;
  current_latency_.record(latency_us);
}

void recorder::failure(const std::string& kind, const std::string& type, double at_seconds) {
  ++kinds_[kind].errors[type];
  advance_to(at_seconds);
  ++requests_;
  ++errors_;
  ++current_.requests;
  ++current_.errors;
}

void recorder::failed_later(const std::string& kind, const std::string& type, double at_seconds) {
  kind_stats& stats = kinds_[kind];
  if (stats.ok == 0) return failure(kind, type, at_seconds);
  --stats.ok;
  ++stats.errors[type];
  advance_to(at_seconds);
  ++errors_;
  ++current_.errors;
}

std::uint64_t recorder::lambda_throttles() const {
  std::uint64_t n = 0;
  if (lambda_.is_object())
    for (const auto& [function, counts] : lambda_.items()) n += counts.value("throttles", std::uint64_t{0});
  return n;
}

void recorder::frame(std::uint64_t latency_us, double at_seconds) {
  advance_to(at_seconds);
  e2e_.record(latency_us);
  ++current_.frames;
  current_e2e_.record(latency_us);
}

json recorder::to_json(const json& run) const {
  const double elapsed = std::max(run.value("elapsed_seconds", 0.0), 1e-9);
  json steps = json::object();
  for (const auto& [kind, stats] : kinds_) {
    steps[kind] = {{"count", stats.ok + stats.error_count()},
                   {"ok", stats.ok},
                   {"errors", stats.error_count()},
                   {"errors_by_type", stats.errors},
                   {"throughput", static_cast<double>(stats.ok + stats.error_count()) / elapsed},
                   {"latency_us", stats.latency.to_json()}};
  }
  // The second in progress is part of the result too.
  recorder copy_of_tail = *this;
  copy_of_tail.close_second();
  json timeline = json::array();
  for (std::size_t i = 0; i < copy_of_tail.timeline_.size(); ++i) {
    const second_stats& s = copy_of_tail.timeline_[i];
    timeline.push_back({{"t", i},
                        {"requests", s.requests},
                        {"errors", s.errors},
                        {"frames", s.frames},
                        {"p50_us", s.p50_us},
                        {"p99_us", s.p99_us},
                        {"max_us", s.max_us},
                        {"e2e_p50_us", s.e2e_p50_us},
                        {"e2e_p99_us", s.e2e_p99_us}});
  }
  json result = {{"fogbank_bench", 1},
                 {"run", run},
                 {"requests", requests_},
                 {"errors", errors_},
                 {"throughput", static_cast<double>(requests_) / elapsed},
                 {"latency_us", all_.to_json()},
                 {"steps", steps},
                 {"e2e",
                  {{"frames", e2e_.count()},
                   {"unattributed_frames", unattributed_frames_},
                   {"throughput", static_cast<double>(e2e_.count()) / elapsed},
                   {"latency_us", e2e_.to_json()}}},
                 {"timeline", timeline}};
  if (!lambda_.is_null()) result["lambda"] = lambda_;
  return result;
}

std::optional<std::string> gateway_error_of(std::string_view frame) {
  const json parsed = json::parse(frame, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || parsed.size() != 3) return std::nullopt;
  const auto message = parsed.find("message");
  if (message == parsed.end() || !message->is_string() || !parsed.contains("connectionId") ||
      !parsed.contains("requestId"))
    return std::nullopt;
  const std::string text = message->get<std::string>();
  if (text == "Internal server error") return text + " (route invocation failed or throttled)";
  if (text == "Forbidden") return text + " (no route for the message)";
  return text;
}

std::string format_micros(std::uint64_t us) {
  char text[32];
  if (us < 1000) {
    std::snprintf(text, sizeof text, "%lluus", static_cast<unsigned long long>(us));
  } else if (us < 1'000'000) {
    std::snprintf(text, sizeof text, "%.2fms", static_cast<double>(us) / 1e3);
  } else {
    std::snprintf(text, sizeof text, "%.2fs", static_cast<double>(us) / 1e6);
  }
  return text;
}

namespace {

std::string row(const std::string& name, std::uint64_t count, std::uint64_t errors, double throughput,
                const json& latency) {
  char text[256];
  std::snprintf(
      text, sizeof text, "%-32s %9llu %9.1f %9s %9s %9s %9s %7llu\n", name.c_str(),
      static_cast<unsigned long long>(count), throughput, format_micros(latency.value("p50", 0ULL)).c_str(),
      format_micros(latency.value("p90", 0ULL)).c_str(), format_micros(latency.value("p99", 0ULL)).c_str(),
      format_micros(latency.value("max", 0ULL)).c_str(), static_cast<unsigned long long>(errors));
  return text;
}

}  // namespace

std::string format_table(const json& result) {
  std::ostringstream out;
  char header[256];
  std::snprintf(header, sizeof header, "%-32s %9s %9s %9s %9s %9s %9s %7s\n", "step", "count", "per sec",
                "p50", "p90", "p99", "max", "errors");
  out << header;
  for (const auto& [kind, stats] : result.at("steps").items()) {
    out << row(kind, stats.at("count"), stats.at("errors"), stats.at("throughput"), stats.at("latency_us"));
  }
  const json& e2e = result.at("e2e");
  if (e2e.value("frames", 0ULL) != 0 || e2e.value("unattributed_frames", 0ULL) != 0) {
    out << row("e2e: cause -> frame", e2e.at("frames"), 0, e2e.at("throughput"), e2e.at("latency_us"));
    if (e2e.value("unattributed_frames", 0ULL) != 0)
      out << "  (" << e2e.value("unattributed_frames", 0ULL)
          << " frames beyond one per cause, not attributed)\n";
  }
  bool any_error = false;
  for (const auto& [kind, stats] : result.at("steps").items()) {
    for (const auto& [type, count] : stats.at("errors_by_type").items()) {
      if (!any_error) out << "errors by type:\n";
      any_error = true;
      out << "  " << kind << ": " << type << " x" << count.get<std::uint64_t>() << "\n";
    }
  }
  // The server's count: throttles that no client saw (a $disconnect's, a stream's) are here too.
  if (const auto lambda = result.find("lambda"); lambda != result.end() && !lambda->empty()) {
    out << "Lambda during the run (server side):\n";
    for (const auto& [function, counts] : lambda->items()) {
      out << "  " << function << ": " << counts.value("invocations", std::uint64_t{0}) << " invocations";
      if (const auto throttles = counts.value("throttles", std::uint64_t{0}); throttles > 0)
        out << ", " << throttles << " throttled (TooManyRequestsException)";
      out << "\n";
    }
  }
  return out.str();
}

namespace {

// The metrics compared, each read from a step's object.
struct metric {
  const char* name;
  double (*read)(const json& step);
};

double latency(const json& step, const char* key) {
  return step.at("latency_us").value(key, 0.0);
}

constexpr metric compared_metrics[] = {
    {"throughput", [](const json& s) { return s.value("throughput", 0.0); }},
    {"p50_us", [](const json& s) { return latency(s, "p50"); }},
    {"p90_us", [](const json& s) { return latency(s, "p90"); }},
    {"p99_us", [](const json& s) { return latency(s, "p99"); }},
    {"max_us", [](const json& s) { return latency(s, "max"); }},
    {"errors", [](const json& s) { return s.value("errors", 0.0); }},
};

json steps_of(const json& result) {
  json steps = result.value("steps", json::object());
  if (result.contains("e2e")) {
    json e2e = result.at("e2e");
    e2e["errors"] = 0;
    steps["e2e"] = e2e;
  }
  return steps;
}

}  // namespace

json compare(const json& old_result, const json& new_result) {
  const json old_steps = steps_of(old_result);
  const json new_steps = steps_of(new_result);
  std::set<std::string> names;
  for (const auto& [name, step] : old_steps.items()) names.insert(name);
  for (const auto& [name, step] : new_steps.items()) names.insert(name);
  json rows = json::array();
  for (const std::string& name : names) {
    const bool in_old = old_steps.contains(name);
    const bool in_new = new_steps.contains(name);
    for (const metric& m : compared_metrics) {
      json r = {{"step", name}, {"metric", m.name}, {"old", nullptr}, {"new", nullptr}, {"change", nullptr}};
      if (in_old) r["old"] = m.read(old_steps.at(name));
      if (in_new) r["new"] = m.read(new_steps.at(name));
      if (in_old && in_new && r["old"].get<double>() != 0) {
        r["change"] = (r["new"].get<double>() - r["old"].get<double>()) / r["old"].get<double>() * 100.0;
      }
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

std::string format_comparison(const json& rows) {
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof line, "%-32s %-11s %12s %12s %9s\n", "step", "metric", "old", "new", "change");
  out << line;
  const auto number = [](const json& v) -> std::string {
    if (v.is_null()) return "-";
    char t[32];
    std::snprintf(t, sizeof t, "%.1f", v.get<double>());
    return t;
  };
  for (const json& r : rows) {
    std::string change = "-";
    if (!r.at("change").is_null()) {
      char t[32];
      std::snprintf(t, sizeof t, "%+.1f%%", r.at("change").get<double>());
      change = t;
    } else if (r.at("old").is_null()) {
      change = "new";
    } else if (r.at("new").is_null()) {
      change = "gone";
    }
    std::snprintf(line, sizeof line, "%-32s %-11s %12s %12s %9s\n", r.at("step").get<std::string>().c_str(),
                  r.at("metric").get<std::string>().c_str(), number(r.at("old")).c_str(),
                  number(r.at("new")).c_str(), change.c_str());
    out << line;
  }
  return out.str();
}

}  // namespace fogbank::load
