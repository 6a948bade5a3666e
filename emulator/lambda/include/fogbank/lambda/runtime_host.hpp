#pragma once
// A runtime host runs functions: C++ handlers compiled into fogbank run in process
// (handler.hpp); Node.js, Python and `provided` functions run in worker processes that talk to
// the Lambda Runtime API. The Lambda service picks the host that runs a function's runtime and
// hands it invocations; hosts never touch the service's state.

#include "fogbank/lambda/function.hpp"

#include <functional>
#include <string_view>

namespace fogbank::lambda {

class runtime_host {
 public:
  virtual ~runtime_host() = default;

  // Whether this host can run `config` (its runtime, and for C++ its handler name).
  virtual bool runs(const function_config& config) const = 0;

  // Runs one invocation and calls `done` exactly once with its outcome, on a thread of the
  // host's choosing (possibly before invoke() returns). A handler that throws, hangs past
  // config.timeout, exits or floods its output ends its own invocation with the matching
  // outcome_kind and never the host. At most one invocation runs in a worker at a time; a host
  // may queue invocations or run them in parallel workers as the function's concurrency allows.
  // Thread-safe.
  virtual void invoke(const function_config& config, invocation call,
                      std::function<void(invocation_outcome)> done) = 0;

  // Stops the warm workers of `function_name` (the function was deleted or changed). Invocations
  // in flight finish first. Thread-safe.
  virtual void retire(std::string_view function_name) = 0;
};

}  // namespace fogbank::lambda
