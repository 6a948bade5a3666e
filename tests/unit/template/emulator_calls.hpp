#pragma once
// A real emulator for the tests that deploy templates into one, and calls that must succeed.

#include "fogbank/dispatch/client.hpp"
#include "fogbank/main/emulator.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace fogbank::templates::testing {

// An emulator on a manual clock, over `data_dir` (in memory when empty).
inline std::unique_ptr<emulator> open_emulator(const std::string& data_dir = "", std::uint64_t seed = 1) {
  emulator_options options;
  options.manual_clock = true;
  options.data_dir = data_dir;
  options.seed = seed;
  std::string error;
  auto opened = emulator::open(options, &error);
  EXPECT_TRUE(opened) << error;
  return opened;
}

// The answer to a call that must succeed (a failure is reported and its body returned).
inline nlohmann::json must(const emulator& e, const std::string& service, const std::string& operation,
                           const nlohmann::json& request) {
  core::call_result r = e.client().call(service, operation, request);
  EXPECT_FALSE(r.error) << operation << ": " << (r.error ? r.error->message() : "");
  return r.body;
}

}  // namespace fogbank::templates::testing
