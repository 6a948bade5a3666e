// The page draws its charts itself: the result sits in a <script type="application/json">, and a
// small script turns it into inline SVG when the page opens. No library, no network: the file can
// be mailed, archived with a CI run, or opened from disk.

#include "html.hpp"

#include "fogbank/core/encoding.hpp"

#include <cstdio>
#include <string>

namespace fogbank::load {
namespace {

// JSON inside <script>: "</" would end the element early; "<!--" would start a comment state.
std::string script_safe(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

constexpr const char* style = R"(
body{font:14px system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse}td,th{padding:3px 10px;text-align:right;border-bottom:1px solid #ddd}
td:first-child,th:first-child{text-align:left}
svg.chart{display:block;margin:6px 0 18px;background:#fafafa;border:1px solid #eee}
.axis{font-size:11px;fill:#555}
)";

// Charts: histogram(kind) bars per bucket on a log scale of latency; series(...) lines over the
// seconds of the run. Each drawn <svg> gets data-rendered="yes" (what the e2e test looks for).
constexpr const char* script = R"JS(
(function () {
  var result = JSON.parse(document.getElementById('result').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmt(us) {
    if (us < 1000) return us + 'us';
    if (us < 1e6) return (us / 1e3).toFixed(1) + 'ms';
    return (us / 1e6).toFixed(2) + 's';
  }
  function chart(id, title) {
    var box = document.getElementById('charts');
    var h = document.createElement('h2'); h.textContent = title; box.appendChild(h);
    var svg = el('svg', {'class': 'chart', id: id, width: 720, height: 220, viewBox: '0 0 720 220'}, box);
    return svg;
  }
  var W = 720, H = 220, L = 60, R = 12, T = 12, B = 30;
  function axes(svg, xlabel, ymax, yfmt) {
    el('line', {x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#999'}, svg);
    el('line', {x1: L, y1: T, x2: L, y2: H - B, stroke: '#999'}, svg);
    var t = el('text', {x: W / 2, y: H - 6, 'class': 'axis', 'text-anchor': 'middle'}, svg); t.textContent = xlabel;
    var m = el('text', {x: L - 4, y: T + 10, 'class': 'axis', 'text-anchor': 'end'}, svg); m.textContent = yfmt(ymax);
    var z = el('text', {x: L - 4, y: H - B, 'class': 'axis', 'text-anchor': 'end'}, svg); z.textContent = '0';
  }
  function histogram(id, title, latency) {
    var svg = chart(id, title);
    var buckets = latency.buckets || [];
    var max = 1; buckets.forEach(function (b) { max = Math.max(max, b[1]); });
    var lo = Math.log10(Math.max(1, latency.min || 1)), hi = Math.log10(Math.max(2, (latency.max || 1) + 1));
    if (hi - lo < 0.5) { lo -= 0.25; hi += 0.25; }
    axes(svg, 'latency (log scale): ' + fmt(Math.round(Math.pow(10, lo))) + ' .. ' + fmt(Math.round(Math.pow(10, hi))), max, String);
    var w = Math.max(2, (W - L - R) / 120);
    buckets.forEach(function (b) {
      var x = L + (Math.log10(Math.max(1, b[0])) - lo) / (hi - lo) * (W - L - R - w);
      var h = b[1] / max * (H - T - B);
      el('rect', {x: x.toFixed(1), y: (H - B - h).toFixed(1), width: w.toFixed(1), height: h.toFixed(1), fill: '#4a7fd0'}, svg);
    });
    svg.setAttribute('data-rendered', 'yes');
  }
  function series(id, title, lines, yfmt) {
    var svg = chart(id, title);
    var n = result.timeline.length, max = 1;
    lines.forEach(function (l) { result.timeline.forEach(function (s) { max = Math.max(max, s[l.key]); }); });
    axes(svg, 'seconds of the run (0 .. ' + n + ')', max, yfmt);
    lines.forEach(function (l, i) {
      var d = '';
      result.timeline.forEach(function (s, k) {
        var x = L + (n > 1 ? k / (n - 1) : 0.5) * (W - L - R), y = H - B - s[l.key] / max * (H - T - B);
        if (l.bars) {
          el('rect', {x: (x - 3).toFixed(1), y: y.toFixed(1), width: 6, height: (H - B - y).toFixed(1), fill: l.color}, svg);
        } else {
          d += (k ? 'L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1);
        }
      });
      if (!l.bars) el('path', {d: d || 'M0 0', fill: 'none', stroke: l.color, 'stroke-width': 2}, svg);
      var t = el('text', {x: W - R - 4, y: T + 12 + 14 * i, 'class': 'axis', 'text-anchor': 'end', fill: l.color}, svg);
      t.textContent = l.key;
    });
    svg.setAttribute('data-rendered', 'yes');
  }
  var kinds = Object.keys(result.steps);
  kinds.forEach(function (kind, i) {
    if (result.steps[kind].latency_us.count) histogram('histogram-' + i, 'Latency of ' + kind, result.steps[kind].latency_us);
  });
  if (result.e2e.frames) histogram('histogram-e2e', 'End to end: cause -> frame', result.e2e.latency_us);
  series('throughput', 'Throughput over time (requests and frames per second)',
         [{key: 'requests', color: '#4a7fd0'}, {key: 'frames', color: '#3a9a5a'}], String);
  series('latency', 'Latency over time (per second)',
         [{key: 'p50_us', color: '#4a7fd0'}, {key: 'p99_us', color: '#d0704a'}, {key: 'e2e_p99_us', color: '#3a9a5a'}], fmt);
  series('errors', 'Errors over time (per second)', [{key: 'errors', color: '#c03030', bars: true}], String);
  document.body.setAttribute('data-charts', String(document.querySelectorAll('svg[data-rendered=yes]').length));
})();
)JS";

}  // namespace

std::string html_report(const nlohmann::json& result) {
  const nlohmann::json& run = result.at("run");
  std::string title = "fogbank bench: " + run.value("scenario", std::string());
  std::string rows;
  const auto row = [&](const std::string& name, const nlohmann::json& s, std::uint64_t errors) {
    const nlohmann::json& l = s.at("latency_us");
    char line[512];
    std::snprintf(
        line, sizeof line,
        "<tr><td>%s</td><td>%llu</td><td>%.1f</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td>"
        "<td>%llu</td></tr>\n",
        core::xml_escape(name).c_str(), static_cast<unsigned long long>(l.value("count", 0ULL)),
        s.value("throughput", 0.0), static_cast<unsigned long long>(l.value("p50", 0ULL)),
        static_cast<unsigned long long>(l.value("p90", 0ULL)),
        static_cast<unsigned long long>(l.value("p99", 0ULL)),
        static_cast<unsigned long long>(l.value("max", 0ULL)), static_cast<unsigned long long>(errors));
    rows += line;
  };
  for (const auto& [kind, s] : result.at("steps").items()) row(kind, s, s.value("errors", 0ULL));
  if (result.at("e2e").value("frames", 0ULL) != 0) row("e2e: cause -> frame", result.at("e2e"), 0);
  char summary[256];
  std::snprintf(summary, sizeof summary, "%llu clients, %llu requests in %.2f s, %llu errors",
                static_cast<unsigned long long>(run.value("clients", 0ULL)),
                static_cast<unsigned long long>(result.value("requests", 0ULL)),
                run.value("elapsed_seconds", 0.0),
                static_cast<unsigned long long>(result.value("errors", 0ULL)));
  return std::string("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>") +
         core::xml_escape(title) + "</title>\n<style>" + style + "</style></head>\n<body>\n<h1>" +
         core::xml_escape(title) + "</h1>\n<p>" + core::xml_escape(run.value("file", std::string())) + ": " +
         summary +
         "</p>\n<table><tr><th>step</th><th>count</th><th>per s</th><th>p50 us</th><th>p90 us</th><th>p99 "
         "us</th><th>max us</th><th>errors</th></tr>\n" +
         rows + "</table>\n<div id=\"charts\"></div>\n<script type=\"application/json\" id=\"result\">" +
         script_safe(result.dump()) + "</script>\n<script>" + script + "</script>\n</body></html>\n";
}

}  // namespace fogbank::load
