// The default generator: pynn.manual_seed makes every random op reproducible.
#pragma once
#include <cstdint>
#include <mutex>
#include <random>

namespace pynn {

class Generator {
 public:
  Generator() : engine_(67280421310721ULL) {}
  void manual_seed(uint64_t seed) {
    std::lock_guard<std::mutex> lock(mu_);
    engine_.seed(seed);
    seed_ = seed;
  }
  uint64_t initial_seed() const { return seed_; }
  // The caller holds the lock for a whole fill, so one op's numbers are contiguous in the stream.
  std::mutex& mutex() { return mu_; }
  std::mt19937_64& engine() { return engine_; }
  // Uniform double in [0, 1) with 53 random bits.
  double next_double() { return static_cast<double>(engine_() >> 11) * (1.0 / 9007199254740992.0); }
  // Uniform float in [0, 1) with 24 random bits.
  float next_float() { return static_cast<float>(engine_() >> 40) * (1.0f / 16777216.0f); }

 private:
  std::mt19937_64 engine_;
  uint64_t seed_ = 67280421310721ULL;
  std::mutex mu_;
};

Generator& default_generator();

}  // namespace pynn
