#pragma once
// The answer to one API call that may come after the front end has returned.
//
// A service answers most calls before its call() returns; an SQS long poll answers up to 20 s
// later, from whichever thread makes a message available. The protocol fronts therefore return
// either a response at once or nothing, in which case they have taken a deferred_reply from the
// session (reply_channel::defer) and complete it when the service does. The session posts the
// deferred response back onto its own strand; a server that stops first abandons the reply,
// which answers with the operation's empty result instead of waiting out the poll.

#include "wire.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace fogbank::http {

// A response that arrives after the front has returned. Thread-safe.
class deferred_reply {
 public:
  using sink = std::function<void(response)>;

  // `deliver` receives the response if it arrives after take_if_ready() (from any thread).
  explicit deferred_reply(sink deliver) : deliver_(std::move(deliver)) {}
  deferred_reply(const deferred_reply&) = delete;
  deferred_reply& operator=(const deferred_reply&) = delete;

  // The answer. The first completion wins; any later one is dropped. Before take_if_ready() the
  // response is kept for it; after, it goes to the sink, which is released right after.
  void complete(response res);

  // Called once by the front after starting the call: the response if it is already complete
  // (the sink then never runs), else nullopt (the sink runs exactly once, later).
  std::optional<response> take_if_ready();

  // What abandon() answers with: the operation's empty result (an empty receive for a long
  // poll), built by `fallback`.
  void set_fallback(std::function<response()> fallback);
  // Completes now with the fallback (if set), for a server that is stopping.
  void abandon();

 private:
  std::mutex mutex_;
  sink deliver_;
  std::function<response()> fallback_;
  std::optional<response> early_;
  bool taken_ = false;
  bool done_ = false;
};

// The session side of a deferred reply.
class reply_channel {
 public:
  virtual ~reply_channel() = default;
  // A fresh deferred reply whose response the session will write. At most once per request.
  virtual std::shared_ptr<deferred_reply> defer() = 0;
};

}  // namespace fogbank::http
