// The kernel registry: one stub per kernel, keyed by device and, on the CPU, by instruction-set capability.
//
//   kernels/<family>.h   PYNN_DECLARE_KERNEL(add_kernel, add_fn);        // both backends include this
//   ops/<family>.cpp     PYNN_DEFINE_KERNEL(add_kernel);                 // the table lives beside the op
//   cpu/<family>.cpp     PYNN_REGISTER_CPU_KERNEL(add_kernel, add_impl); // once per capability it is built for
//   cuda/<family>.cu     PYNN_REGISTER_KERNEL(add_kernel, KernelSlot::CUDA, add_impl);
//   the op:              add_kernel(x->device(), args...);               // or add_kernel.at(device, "add")(args...)
//
// A stub is a literal type with a constexpr constructor, so it is constant-initialised before any static
// registrar runs, whatever the link order. A missing entry raises NotImplementedError("[op] not implemented
// for cuda") instead of crashing.
#pragma once
#include <utility>

#include "device.h"

namespace pynn {

// The CPU instruction sets kernels are compiled for (csrc/cpu files listed in CMake's PYNN_CPU_ISA_SOURCES are
// built once per capability). Order matters: a higher capability implies the lower ones.
enum class CpuCapability : int { Default = 0, AVX2 = 1, AVX512 = 2 };
constexpr int kNumCpuCapabilities = 3;

const char* capability_name(CpuCapability c);  // "default", "avx2", "avx512"
// What this CPU supports (cpuid): AVX2 needs avx2+fma, AVX512 needs avx512 f/bw/dq/vl.
CpuCapability cpu_capability_supported();
// The capability kernels run at: the best supported one, or PYNN_CPU_CAPABILITY=default|avx2|avx512 read at
// first use (clamped to what the CPU supports), or the last set_cpu_capability().
CpuCapability cpu_capability();
// Tests sweep the capabilities in one process; asking for more than the CPU supports raises.
void set_cpu_capability(CpuCapability c);
CpuCapability parse_cpu_capability(const char* name);  // raises ValueError on an unknown name
// The size of CPU 0's largest cache level (Linux sysfs: sysconf reports the whole package, 10x too much on
// the VMs here), 32 MiB where it is not known. Kernels that stream their outputs compare against it.
int64_t cpu_last_level_cache_bytes();

enum class KernelSlot : int { CPU_DEFAULT = 0, CPU_AVX2 = 1, CPU_AVX512 = 2, CUDA = 3 };

[[noreturn]] void throw_missing_kernel(const char* op, Device device);

template <typename Fn>
struct KernelStub;

template <typename R, typename... Args>
struct KernelStub<R (*)(Args...)> {
  using fn_t = R (*)(Args...);

  const char* name;
  fn_t cpu[kNumCpuCapabilities];
  fn_t cuda;

  constexpr explicit KernelStub(const char* op) : name(op), cpu{nullptr, nullptr, nullptr}, cuda(nullptr) {}
  KernelStub(const KernelStub&) = delete;
  KernelStub& operator=(const KernelStub&) = delete;

  // The kernel for `device`; `op` names the op in the error when none is registered.
  fn_t at(Device device, const char* op) const {
    if (device.type == DeviceType::CPU) {
      for (int c = static_cast<int>(cpu_capability()); c >= 0; --c)
        if (cpu[c]) return cpu[c];
    } else if (device.type == DeviceType::CUDA && cuda) {
      return cuda;
    }
    throw_missing_kernel(op, device);
  }
  fn_t at(Device device) const { return at(device, name); }

  template <typename... A>
  R operator()(Device device, A&&... args) const {
    return at(device, name)(std::forward<A>(args)...);
  }

  void set(KernelSlot slot, fn_t fn) {
    if (slot == KernelSlot::CUDA) cuda = fn;
    else cpu[static_cast<int>(slot)] = fn;
  }
};

}  // namespace pynn

#define PYNN_DECLARE_KERNEL(stub, fn_type) extern ::pynn::KernelStub<fn_type> stub
#define PYNN_DEFINE_KERNEL(stub, op_name) decltype(stub) stub{op_name}

#define PYNN_KERNEL_CONCAT_(a, b) a##b
#define PYNN_KERNEL_CONCAT(a, b) PYNN_KERNEL_CONCAT_(a, b)
#define PYNN_REGISTER_KERNEL(stub, slot, fn) \
  static const bool PYNN_KERNEL_CONCAT(pynn_registered_, __LINE__) = ((stub).set((slot), (fn)), true)

// CPU kernels register into the slot of the capability their file is being compiled for. Files built once per
// capability wrap their code in `namespace PYNN_CPU_NS` so the copies do not collide.
#if defined(PYNN_CPU_CAPABILITY_AVX512)
#define PYNN_CPU_SLOT ::pynn::KernelSlot::CPU_AVX512
#define PYNN_CPU_NS cap_avx512
#elif defined(PYNN_CPU_CAPABILITY_AVX2)
#define PYNN_CPU_SLOT ::pynn::KernelSlot::CPU_AVX2
#define PYNN_CPU_NS cap_avx2
#else
#define PYNN_CPU_SLOT ::pynn::KernelSlot::CPU_DEFAULT
#define PYNN_CPU_NS cap_default
#endif
#define PYNN_REGISTER_CPU_KERNEL(stub, fn) PYNN_REGISTER_KERNEL(stub, PYNN_CPU_SLOT, fn)
