#pragma once
// The virtual users of a load run and what they share: one io_context run by the caller's
// thread, the server's address, the scenario's steps, the recorder and the log of causes that
// frames are attributed to. Boost.Beast stays in engine.cpp.

#include "model.hpp"
#include "recorder.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace fogbank::load {

// Longest one step may take (a connect, a request and its answer, a close handshake): as
// `fogbank run --endpoint` bounds an exchange (emulator/scenario/src/live.hpp).
inline constexpr std::chrono::seconds step_bound{30};
// Longest an `advance` (think time) may sleep.
inline constexpr std::chrono::seconds longest_advance{30};
// The causes remembered for end-to-end attribution (8 bytes each): a run past this many
// connects, sends and disconnects stops attributing frames rather than grow without end.
inline constexpr std::size_t max_causes = 50'000'000;

struct engine_options {
  std::string endpoint;  // "http://HOST:PORT"
  std::uint32_t clients = 1;
  std::optional<std::chrono::milliseconds> duration;
  std::optional<std::uint64_t> iterations;
  std::chrono::milliseconds ramp{0};
  std::optional<double> rate;  // requests a second across all users (pacer.hpp)
  bool progress_in_place = false;
};

// Runs the scenario's steps with the users, after resolving its stacks and loading its data.
// Returns the elapsed seconds of the load phase; throws std::runtime_error when the run cannot
// start (no server, a missing stack, fixture data refused). `skipped` receives the steps that do
// not run under load (expectations, settle), as "kind at file:line".
double run_engine(const scenario::scenario& sc, const engine_options& options, recorder& results,
                  std::ostream& progress, std::vector<std::string>* skipped);

}  // namespace fogbank::load
