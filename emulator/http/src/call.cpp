#include "call.hpp"

namespace fogbank::http {

void deferred_reply::complete(response res) {
  sink deliver;
  {
    std::lock_guard lock(mutex_);
    if (done_) return;
    done_ = true;
    fallback_ = nullptr;
    if (!taken_) {
      early_.emplace(std::move(res));
      return;
    }
    // Released here, not kept until this object dies: the sink owns the session, and the
    // service may keep this reply (and so the session) alive until its long poll expires.
    deliver = std::move(deliver_);
    deliver_ = nullptr;
  }
  if (deliver) deliver(std::move(res));
}

std::optional<response> deferred_reply::take_if_ready() {
  std::lock_guard lock(mutex_);
  taken_ = true;
  if (!early_) return std::nullopt;
  deliver_ = nullptr;
  std::optional<response> res = std::move(early_);
  early_.reset();
  return res;
}

void deferred_reply::set_fallback(std::function<response()> fallback) {
  std::lock_guard lock(mutex_);
  if (!done_) fallback_ = std::move(fallback);
}

void deferred_reply::abandon() {
  std::function<response()> fallback;
  {
    std::lock_guard lock(mutex_);
    if (done_ || !fallback_) return;
    fallback = fallback_;
  }
  complete(fallback());
}

}  // namespace fogbank::http
