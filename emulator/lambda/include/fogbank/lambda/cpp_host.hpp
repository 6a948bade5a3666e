#pragma once
// The in-process runtime host: runs functions whose Runtime is provided.al2023 or provided.al2
// and whose Handler names a C++ handler compiled into fogbank (handler.hpp), on the thread that
// invokes them (an HTTP server thread for Invoke, the scheduler's thread for asynchronous
// invocations), with no process and no cold start.
//
// A handler cannot be stopped from outside: one that runs past the function's Timeout is
// reported as Sandbox.Timedout once it returns, its response discarded, as Lambda would have
// answered. Time is the service clock's: on a manual clock, which stands still while a handler
// runs, a handler never times out and every duration reads 0.00 ms. Max Memory Used reads 0 MB:
// handlers share fogbank's memory, which cannot be told apart per invocation.

#include "fogbank/lambda/runtime_host.hpp"

#include <memory>

namespace fogbank::core {
class clock;
}
namespace fogbank::dispatch {
class client;
}

namespace fogbank::lambda {

// `clock` and `client` (what handlers reach other services with) must outlive the host.
std::shared_ptr<runtime_host> make_cpp_host(const core::clock& clock, const dispatch::client& client);

}  // namespace fogbank::lambda
