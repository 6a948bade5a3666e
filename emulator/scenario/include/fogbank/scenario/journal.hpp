#pragma once
// The invocations a running server has completed, for `fogbank run --endpoint`'s
// expect_invocations (GET /_fogbank/lambda/invocations, registered by `fogbank serve`): a wrapper
// around each runtime host records every invocation as it completes, and snapshot() lists the
// most recent ones, each with its running index, so that a client counts those since a point it
// noted (the `total` it saw then).
//
// Bounded: the last max_entries invocations, and no more than max_bytes of events and results
// (the oldest go first), so that a long-running server does not grow with its traffic.
//
// Thread-safety: every member may be called from any thread (hosts complete invocations on their
// own threads; the HTTP server reads snapshots on its).

#include "fogbank/lambda/runtime_host.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

namespace fogbank::scenario {

class invocation_journal : public std::enable_shared_from_this<invocation_journal> {
 public:
  // A scenario's steps look at a few dozen invocations at a time; a thousand leaves room for a
  // busy server between two expect_invocations.
  static constexpr std::size_t max_entries = 1000;
  // Events and results are kept as sent (up to 6 MB each): this many bytes of them in all.
  static constexpr std::size_t max_bytes = 32 * 1024 * 1024;

  // `host` with every invocation it completes recorded here.
  std::shared_ptr<lambda::runtime_host> wrap(std::shared_ptr<lambda::runtime_host> host);

  // {"total": how many ever completed, "invocations": [{index, function, event, outcome,
  // result}, ...] the retained ones, oldest first}. Events and results are JSON when they parse.
  nlohmann::json snapshot() const;

  // What a wrapper calls when an invocation completes.
  void record(std::string function, std::string event, std::string outcome, std::string result);

 private:
  struct entry {
    std::uint64_t index = 0;
    std::string function;
    std::string event;
    std::string outcome;
    std::string result;
  };
  mutable std::mutex mutex_;
  std::deque<entry> entries_;
  std::size_t bytes_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace fogbank::scenario
