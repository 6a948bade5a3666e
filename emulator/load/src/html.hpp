#pragma once
// `--html FILE`: one self-contained page (inline SVG drawn by inline JavaScript from the result
// embedded as JSON; nothing fetched from the network) with the latency histograms per step kind,
// throughput and latency over time, and errors over time.

#include <nlohmann/json.hpp>

#include <string>

namespace fogbank::load {

// The page for a result as recorder::to_json made it.
std::string html_report(const nlohmann::json& result);

}  // namespace fogbank::load
