#include "dispatch.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "error.h"

namespace pynn {
namespace {

CpuCapability detect() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma"))
    return CpuCapability::AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CpuCapability::AVX2;
#endif
  return CpuCapability::Default;
}

CpuCapability from_environment() {
  CpuCapability best = cpu_capability_supported();
  const char* env = std::getenv("PYNN_CPU_CAPABILITY");
  if (!env || !*env) return best;
  CpuCapability want = parse_cpu_capability(env);
  return static_cast<int>(want) < static_cast<int>(best) ? want : best;
}

std::atomic<int>& selected() {
  static std::atomic<int> cap{static_cast<int>(from_environment())};
  return cap;
}

}  // namespace

const char* capability_name(CpuCapability c) {
  switch (c) {
    case CpuCapability::AVX2: return "avx2";
    case CpuCapability::AVX512: return "avx512";
    default: return "default";
  }
}

CpuCapability parse_cpu_capability(const char* name) {
  for (int c = 0; c < kNumCpuCapabilities; ++c)
    if (std::strcmp(name, capability_name(static_cast<CpuCapability>(c))) == 0) return static_cast<CpuCapability>(c);
  throw ValueError(str("[cpu_capability] expected one of default, avx2, avx512, got '", name, "'"));
}

int64_t cpu_last_level_cache_bytes() {
  static const int64_t bytes = [] {
    int64_t best = 0;
    for (int index = 0; index < 8; ++index) {
      const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
      std::ifstream level_file(dir + "level"), size_file(dir + "size");
      int level = 0;
      std::string size;
      if (!(level_file >> level) || !(size_file >> size) || size.empty()) continue;
      int64_t scale = 1;
      if (size.back() == 'K') scale = 1024;
      else if (size.back() == 'M') scale = 1024 * 1024;
      const int64_t value = std::strtoll(size.c_str(), nullptr, 10) * scale;
      if (level >= 2 && value > best) best = value;
    }
    return best > 0 ? best : int64_t(32) << 20;
  }();
  return bytes;
}

CpuCapability cpu_capability_supported() {
  static const CpuCapability supported = detect();
  return supported;
}

CpuCapability cpu_capability() { return static_cast<CpuCapability>(selected().load(std::memory_order_relaxed)); }

void set_cpu_capability(CpuCapability c) {
  PYNN_CHECK_VALUE(static_cast<int>(c) <= static_cast<int>(cpu_capability_supported()), "cpu_capability",
                   "this CPU does not support ", capability_name(c), " (best: ",
                   capability_name(cpu_capability_supported()), ")");
  selected().store(static_cast<int>(c), std::memory_order_relaxed);
}

void throw_missing_kernel(const char* op, Device device) {
  throw NotImplementedError(str("[", op, "] not implemented for ", device.type == DeviceType::CUDA ? "cuda" : "cpu"));
}

}  // namespace pynn
