#pragma once
// Seeded id generation: request ids, message ids and the like come from here, so that a run
// with the same seed produces the same ids. Nothing else in fogbank reads random_device.

#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace fogbank::core {

class id_generator {
 public:
  // A generator whose sequence is fully determined by `seed`.
  explicit id_generator(std::uint64_t seed);
  // A seed from the operating system, for `fogbank serve` without --seed.
  static std::uint64_t random_seed();
  // The seed of independent stream number `stream` of a run seeded with `seed` (SplitMix64 of
  // the pair): resource ids and request ids come from different streams, so that the number of
  // requests does not move the ids of resources.
  static std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) noexcept;

  // A random 128-bit id in RFC 4122 version-4 form, e.g. "1b4e28ba-2fa1-41d2-883f-0016d3cca427".
  // Thread-safe.
  std::string uuid();
  // `length` characters from [A-Z0-9], the shape of AWS request ids. Thread-safe.
  std::string upper_alnum(std::size_t length);
  // A uniformly random 64-bit number. Thread-safe.
  std::uint64_t next();

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_;
};

}  // namespace fogbank::core
