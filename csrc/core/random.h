// The default generator, counter-based: a random kernel gets (seed, offset) and derives element i's bits from
// random_bits(seed, offset + i), so results depend neither on the thread count nor on the device, and a CUDA
// kernel can produce the same stream. pynn.manual_seed makes every random op reproducible.
#pragma once
#include <cstdint>
#include <mutex>

#include "host_device.h"

namespace pynn {

// splitmix64's finalizer over seed + counter * golden ratio: a strong 64-bit counter-based stream. Host and
// device (csrc/cuda) share these definitions, so both draw the same numbers.
PYNN_HOST_DEVICE inline uint64_t random_bits(uint64_t seed, uint64_t counter) {
  uint64_t z = seed + (counter + 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
// Uniform in [0, 1) from 53 (double) or 24 (float) of those bits.
PYNN_HOST_DEVICE inline double bits_to_double(uint64_t h) { return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0); }
PYNN_HOST_DEVICE inline float bits_to_float(uint64_t h) { return static_cast<float>(h >> 40) * (1.0f / 16777216.0f); }

struct RandomKey {
  uint64_t seed = 0, offset = 0;
};

class Generator {
 public:
  void manual_seed(uint64_t seed) {
    std::lock_guard<std::mutex> lock(mu_);
    seed_ = seed;
    offset_ = 0;
  }
  uint64_t initial_seed() const { return seed_; }
  // Claims `n` counters for one op: the op's kernel may use (key.seed, key.offset + i) for i < n.
  RandomKey reserve(uint64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    RandomKey k{seed_, offset_};
    offset_ += n;
    return k;
  }

 private:
  uint64_t seed_ = 67280421310721ULL;
  uint64_t offset_ = 0;
  std::mutex mu_;
};

Generator& default_generator();

}  // namespace pynn
