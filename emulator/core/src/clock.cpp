#include "fogbank/core/clock.hpp"

namespace fogbank::core {

double clock::epoch_seconds() const {
  return std::chrono::duration<double>(now().time_since_epoch()).count();
}

std::int64_t clock::epoch_millis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count();
}

}  // namespace fogbank::core
