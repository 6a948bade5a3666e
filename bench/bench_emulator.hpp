#pragma once
// What every in-process benchmark starts from: the one emulator (the composition root) over
// RocksDB in memory, called through the in-process client, the path C++ handlers and scenarios
// take.

#include "fogbank/dispatch/client.hpp"
#include "fogbank/main/emulator.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fogbank::bench {

// An emulator in memory with seed 1: on a manual clock that never moves unless told (so no
// visibility timeout, delay or retention falls due while a benchmark runs), or on the real clock.
inline std::unique_ptr<emulator> open_emulator(bool manual_clock) {
  emulator_options options;
  options.manual_clock = manual_clock;
  options.seed = 1;
  std::string error;
  auto opened = emulator::open(options, &error);
  if (!opened) throw std::runtime_error("cannot open an emulator in memory: " + error);
  return opened;
}

// The response body of a call that must succeed (set-up steps); throws with the error otherwise.
inline nlohmann::json must(const emulator& e, std::string_view service, std::string_view operation,
                           const nlohmann::json& request) {
  core::call_result r = e.client().call(service, operation, request);
  if (r.error) {
    throw std::runtime_error(std::string(operation) + " failed: " + std::string(r.error->name()) + ": " +
                             r.error->message());
  }
  return std::move(r.body);
}

}  // namespace fogbank::bench
