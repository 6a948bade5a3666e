// `fogbank bench` options: what is accepted, and each mistake named.

#include "fogbank/load/bench.hpp"

#include <gtest/gtest.h>

namespace fogbank::load {
namespace {

bench_options parse(std::vector<std::string_view> args) {
  auto options = parse_bench_args(args);
  if (!options) throw std::runtime_error("help");
  return *options;
}

std::string usage_message(std::vector<std::string_view> args) {
  try {
    parse_bench_args(args);
  } catch (const usage_error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(BenchOptionsTest, Accepted) {
  const bench_options o =
      parse({"s.yaml", "--clients", "20", "--iterations=5", "--ramp", "2s", "--json", "r.json", "--html",
             "r.html", "--compare", "old.json", "--endpoint", "http://127.0.0.1:4566"});
  EXPECT_EQ(o.scenario, "s.yaml");
  EXPECT_EQ(o.clients, 20u);
  EXPECT_EQ(o.iterations, 5u);
  EXPECT_FALSE(o.duration);
  EXPECT_EQ(o.ramp, std::chrono::seconds{2});
  EXPECT_EQ(o.json_file, "r.json");
  EXPECT_EQ(o.html_file, "r.html");
  EXPECT_EQ(o.compare_file, "old.json");
  EXPECT_EQ(o.endpoint, "http://127.0.0.1:4566");
  EXPECT_EQ(parse({"s.yaml", "--clients", "1", "--duration", "1m30s"}).duration, std::chrono::seconds{90});
  EXPECT_FALSE(o.rate);
  EXPECT_EQ(parse({"s.yaml", "--clients", "4", "--duration", "5s", "--rate", "200"}).rate, 200.0);
  EXPECT_EQ(parse({"s.yaml", "--clients", "4", "--duration", "5s", "--rate=0.5"}).rate, 0.5);
}

TEST(BenchOptionsTest, LambdaConcurrencyDefaultsToServes) {
  // `fogbank serve`'s default, so that a bench in process meets the throttles a server would.
  EXPECT_EQ(parse({"s.yaml", "--clients", "1", "--iterations", "1"}).lambda_concurrency, 10);
  EXPECT_EQ(parse({"s.yaml", "--clients", "1", "--iterations", "1", "--lambda-concurrency", "1"})
                .lambda_concurrency,
            1);
  EXPECT_EQ(parse({"s.yaml", "--clients", "1", "--iterations", "1", "--lambda-concurrency=1000"})
                .lambda_concurrency,
            1000);
}

TEST(BenchOptionsTest, HelpIsNoOptions) {
  EXPECT_FALSE(parse_bench_args({"--help"}).has_value());
  EXPECT_FALSE(parse_bench_args({"s.yaml", "-h"}).has_value());
}

TEST(BenchOptionsTest, MistakesAreNamed) {
  const std::vector<std::pair<std::vector<std::string_view>, std::string>> cases = {
      {{"--clients", "2", "--iterations", "1"}, "bench: name a scenario file"},
      {{"s.yaml", "--iterations", "1"}, "bench: --clients N is required"},
      {{"s.yaml", "--clients", "2"}, "bench: give exactly one of --duration and --iterations"},
      {{"s.yaml", "--clients", "2", "--iterations", "1", "--duration", "1s"},
       "bench: give exactly one of --duration and --iterations"},
      {{"s.yaml", "--clients", "0", "--iterations", "1"}, "--clients: 0 is out of range (1 to 100000)"},
      {{"s.yaml", "--clients", "100001", "--iterations", "1"},
       "--clients: 100001 is out of range (1 to 100000)"},
      {{"s.yaml", "--clients", "x", "--iterations", "1"}, "--clients: expected a number, got 'x'"},
      {{"s.yaml", "--clients", "-3", "--iterations", "1"}, "--clients: expected a number, got '-3'"},
      {{"s.yaml", "--clients", "2", "--iterations", "0"},
       "--iterations: 0 is out of range (1 to 1000000000)"},
      {{"s.yaml", "--clients", "2", "--duration", "soon"},
       "--duration: expected a duration such as 500ms, 30s or 2m, got 'soon'"},
      {{"s.yaml", "--clients", "2", "--duration", "25h"}, "--duration: 25h is longer than 24h"},
      {{"s.yaml", "--clients", "2", "--iterations", "1", "--ramp", "2h"}, "--ramp: 2h is longer than 1h"},
      {{"s.yaml", "--clients", "2", "--iterations", "1", "--endpoint", "localhost:4566"},
       "--endpoint: expected http://HOST:PORT, found 'localhost:4566'"},
      {{"s.yaml", "--clients", "2", "--iterations", "1", "--json"}, "--json needs a value"},
      {{"s.yaml", "--clients", "2", "--iterations", "1", "--html="}, "--html: expected a file"},
      {{"s.yaml", "t.yaml", "--clients", "2", "--iterations", "1"},
       "bench: one scenario file, found a second: 't.yaml'"},
      {{"s.yaml", "--clients", "2", "--iterations", "1", "--fast"}, "unknown option for bench: '--fast'"},
      {{"s.yaml", "--clients", "2", "--iterations", "1", "--rate", "fast"},
       "--rate: expected requests per second such as 200 or 0.5, got 'fast'"},
      {{"s.yaml", "--clients", "2", "--iterations", "1", "--rate", "-5"},
       "--rate: expected requests per second such as 200 or 0.5, got '-5'"},
      {{"s.yaml", "--clients", "2", "--iterations", "1", "--rate", "0"},
       "--rate: 0 is out of range (more than 0, at most 1000000)"},
      {{"s.yaml", "--clients", "2", "--iterations", "1", "--rate", "2000000"},
       "--rate: 2000000 is out of range (more than 0, at most 1000000)"},
      // The bounds of `fogbank serve --lambda-concurrency`: 1 to AWS's default account concurrency.
      {{"s.yaml", "--clients", "2", "--iterations", "1", "--lambda-concurrency", "0"},
       "--lambda-concurrency: 0 is out of range (1 to 1000)"},
      {{"s.yaml", "--clients", "2", "--iterations", "1", "--lambda-concurrency=1001"},
       "--lambda-concurrency: 1001 is out of range (1 to 1000)"},
      {{"s.yaml", "--clients", "2", "--iterations", "1", "--lambda-concurrency", "ten"},
       "--lambda-concurrency: expected a number, got 'ten'"},
      {{"s.yaml", "--clients", "2", "--iterations", "1", "--lambda-concurrency"},
       "--lambda-concurrency needs a value"},
      // A running server has its own concurrency: the option would change nothing there.
      {{"s.yaml", "--clients", "2", "--iterations", "1", "--lambda-concurrency", "50", "--endpoint",
        "http://127.0.0.1:4566"},
       "bench: --lambda-concurrency applies to the server in process; with --endpoint, start the server with "
       "--lambda-concurrency"},
      {{"s.yaml", "--clients", "2", "--iterations", "1", "--fast=yes"},
       "unknown option for bench: '--fast=yes'"},
      {{"s.yaml", "--clients", "123456789012345678901234", "--iterations", "1"},
       "--clients: 123456789012345678901234 is out of range (1 to 100000)"},
  };
  for (const auto& [args, expected] : cases) {
    std::string joined;
    for (const auto a : args) joined += std::string(a) + " ";
    EXPECT_EQ(usage_message(args), expected) << "args: " << joined;
  }
}

}  // namespace
}  // namespace fogbank::load
