// The CUDA backend's runtime: device queries that never raise on a machine without a driver, the caching
// device allocator (one default stream, so a freed block can be handed out again at once: every later use is
// ordered after every earlier one), host<->device copies, and the hooks the core reaches all of it through.
//
// cudart is linked statically; it loads libcuda.so.1 on its first call, not at import. Without a driver that
// first call (cudaGetDeviceCount) fails, the failure is remembered, and is_available() is False.
#include <cuda_runtime.h>

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/allocator.h"
#include "core/cuda_hooks.h"
#include "core/error.h"
#include "cuda/cuda_utils.cuh"
#include "kernels/elementwise.h"

namespace pynn {
namespace cuda {
namespace {

struct DeviceInfo {
  int count = 0;
  std::string reason;
};

const DeviceInfo& device_info() {
  static const DeviceInfo info = [] {
    DeviceInfo d;
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
      cudaGetLastError();
      d.reason = (e == cudaErrorInsufficientDriver || e == cudaErrorNoDevice)
                     ? "Found no NVIDIA driver on your system, or no CUDA GPUs are available"
                     : str("CUDA initialisation failed: ", cudaGetErrorString(e));
      return d;
    }
    d.count = n;
    if (n == 0) d.reason = "No CUDA GPUs are available";
    return d;
  }();
  return info;
}

[[noreturn]] void raise_unavailable(const char* op) {
  throw std::runtime_error(str("[", op, "] ", device_info().reason));
}

int checked_index(int index, const char* op) {
  const int n = device_info().count;
  if (n == 0) raise_unavailable(op);
  if (index < 0) {
    int cur = 0;
    check(cudaGetDevice(&cur), op);
    return cur;
  }
  if (index >= n)
    throw std::runtime_error(str("[", op, "] CUDA error: invalid device ordinal (device ", index, ", but ", n,
                                 " device", n == 1 ? " is" : "s are", " available)"));
  return index;
}

// Runs f with `index` as the current device and restores the previous one.
template <typename F>
auto on_device(int index, F&& f) {
  int prev = 0;
  check(cudaGetDevice(&prev), "set_device");
  if (prev != index) check(cudaSetDevice(index), "set_device");
  struct Restore {
    int prev, index;
    ~Restore() {
      if (prev != index) cudaSetDevice(prev);
    }
  } restore{prev, index};
  return f();
}

constexpr int kMaxDevices = 64;
constexpr size_t kAlign = 512;

// Freed blocks are kept by (device, size class) and reused; empty_cache() returns them to the driver. Counters
// follow torch's: allocated = bytes of live blocks (their size classes), reserved = allocated + cached.
class CachingAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes) override {
    int dev = 0;
    if (device_info().count == 0) raise_unavailable("empty");
    check(cudaGetDevice(&dev), "empty");
    const size_t cls = allocation_size_class(nbytes == 0 ? 1 : nbytes, kAlign);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto& pool = free_[key(dev, cls)];
      if (!pool.empty()) {
        void* p = pool.back();
        pool.pop_back();
        note_live(p, dev, cls);
        return p;
      }
    }
    void* p = nullptr;
    cudaError_t e = cudaMalloc(&p, cls);
    if (e == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      release_cached(dev);
      e = cudaMalloc(&p, cls);
    }
    if (e == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      size_t free_b = 0, total_b = 0;
      cudaMemGetInfo(&free_b, &total_b);
      cudaGetLastError();
      throw std::runtime_error(str("CUDA out of memory. Tried to allocate ", mib(cls), " MiB. GPU ", dev,
                                   " has a total capacity of ", mib(total_b), " MiB of which ", mib(free_b),
                                   " MiB is free; ", mib(stats_[dev].allocated), " MiB is allocated by pynn"));
    }
    check(e, "empty");
    std::lock_guard<std::mutex> lock(mu_);
    stats_[dev].reserved += cls;
    note_live(p, dev, cls);
    return p;
  }

  void deallocate(void* ptr, size_t) override {
    if (!ptr) return;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = live_.find(ptr);
    if (it == live_.end()) return;  // not ours: never free what we did not hand out
    const Block b = it->second;
    live_.erase(it);
    stats_[b.device].allocated -= b.size;
    free_[key(b.device, b.size)].push_back(ptr);
  }

  void empty_cache() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& kv : free_) {
      const int dev = static_cast<int>(kv.first % kMaxDevices);
      const size_t cls = kv.first / kMaxDevices;
      for (void* p : kv.second) {
        cudaFree(p);
        stats_[dev].reserved -= cls;
      }
      kv.second.clear();
    }
    cudaGetLastError();
  }

  int64_t allocated(int dev) const { return locked([&] { return stats_[dev].allocated; }); }
  int64_t peak(int dev) const { return locked([&] { return stats_[dev].peak; }); }
  int64_t reserved(int dev) const { return locked([&] { return stats_[dev].reserved; }); }
  void reset_peak(int dev) {
    std::lock_guard<std::mutex> lock(mu_);
    stats_[dev].peak = stats_[dev].allocated;
  }

 private:
  struct Block {
    int device;
    size_t size;
  };
  struct Stats {
    int64_t allocated = 0, peak = 0, reserved = 0;
  };
  static size_t key(int dev, size_t cls) { return cls * kMaxDevices + static_cast<size_t>(dev); }
  static int64_t mib(size_t b) { return static_cast<int64_t>(b >> 20); }
  template <typename F>
  int64_t locked(F f) const {
    std::lock_guard<std::mutex> lock(mu_);
    return f();
  }
  void note_live(void* p, int dev, size_t cls) {
    live_[p] = Block{dev, cls};
    Stats& s = stats_[dev];
    s.allocated += static_cast<int64_t>(cls);
    if (s.allocated > s.peak) s.peak = s.allocated;
  }
  void release_cached(int dev) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& kv : free_) {
      if (static_cast<int>(kv.first % kMaxDevices) != dev) continue;
      for (void* p : kv.second) {
        cudaFree(p);
        stats_[dev].reserved -= kv.first / kMaxDevices;
      }
      kv.second.clear();
    }
  }

  mutable std::mutex mu_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  std::unordered_map<void*, Block> live_;
  Stats stats_[kMaxDevices];
};

CachingAllocator& caching_allocator() {
  static CachingAllocator* a = new CachingAllocator();  // leaked on purpose: tensors may die at interpreter exit
  return *a;
}

void memcpy_checked(void* dst, const void* src, size_t n, cudaMemcpyKind kind, const char* op) {
  if (n == 0) return;
  check(cudaMemcpy(dst, src, n, kind), op);
}

bool dense_same(const Tensor& a, const Tensor& b) {
  return a->is_contiguous() && b->is_contiguous() && a->dtype() == b->dtype() && a->sizes() == b->sizes();
}

// dst and src live on different devices. Strides, broadcasting and dtype conversion are done on whichever side
// has a copy kernel for them (the CPU's before an upload, the GPU's after it, and the reverse on the way down),
// so only contiguous bytes cross the bus.
void device_copy_impl(const Tensor& dst, const Tensor& src) {
  const Device cpu{};
  if (dst->numel() == 0) return;
  if (!dst->device().is_cpu() && !src->device().is_cpu()) {  // between two GPUs: through the host
    Tensor host = empty(src->sizes(), src->dtype(), cpu);
    device_copy_impl(host, src);
    device_copy_impl(dst, host);
    return;
  }
  if (src->device().is_cpu()) {  // upload
    Tensor staged = src;
    if (!dense_same(dst, src)) {
      staged = empty(dst->sizes(), dst->dtype(), cpu);
      copy_kernel(cpu, TensorIter({staged.get(), src.get()}), dst->dtype(), src->dtype());
    }
    on_device(dst->device().index, [&] {
      if (dst->is_contiguous()) {
        memcpy_checked(dst->data(), staged->data(), dst->numel() * dst->itemsize(), cudaMemcpyHostToDevice, "copy_");
      } else {
        Tensor dense = empty(dst->sizes(), dst->dtype(), dst->device());
        memcpy_checked(dense->data(), staged->data(), dst->numel() * dst->itemsize(), cudaMemcpyHostToDevice,
                       "copy_");
        copy_kernel(dst->device(), TensorIter({dst.get(), dense.get()}), dst->dtype(), dst->dtype());
      }
      return 0;
    });
    return;
  }
  // download
  on_device(src->device().index, [&] {
    Tensor dense = src;
    if (!dense_same(dst, src)) {
      dense = empty(dst->sizes(), dst->dtype(), src->device());
      copy_kernel(src->device(), TensorIter({dense.get(), src.get()}), dst->dtype(), src->dtype());
    }
    if (dst->is_contiguous()) {
      memcpy_checked(dst->data(), dense->data(), dst->numel() * dst->itemsize(), cudaMemcpyDeviceToHost, "copy_");
    } else {
      Tensor host = empty(dst->sizes(), dst->dtype(), cpu);
      memcpy_checked(host->data(), dense->data(), dst->numel() * dst->itemsize(), cudaMemcpyDeviceToHost, "copy_");
      copy_kernel(cpu, TensorIter({dst.get(), host.get()}), dst->dtype(), dst->dtype());
    }
    return 0;
  });
}

struct Hooks final : CudaHooks {
  bool compiled() const override { return true; }
  int device_count() const override { return device_info().count; }
  std::string unavailable_reason() const override { return device_info().reason; }
  int current_device() const override {
    if (device_info().count == 0) return 0;
    int cur = 0;
    check(cudaGetDevice(&cur), "current_device");
    return cur;
  }
  void set_device(int index) const override { check(cudaSetDevice(checked_index(index, "set_device")), "set_device"); }
  void synchronize(int index) const override {
    if (device_info().count == 0) raise_unavailable("synchronize");
    on_device(checked_index(index, "synchronize"), [] {
      check(cudaDeviceSynchronize(), "synchronize");
      return 0;
    });
  }
  std::string device_name(int index) const override {
    cudaDeviceProp prop;
    check(cudaGetDeviceProperties(&prop, checked_index(index, "get_device_name")), "get_device_name");
    return prop.name;
  }
  void copy_to_host(void* dst, const void* src, size_t n) const override {
    memcpy_checked(dst, src, n, cudaMemcpyDeviceToHost, "item");
  }
  void empty_cache() const override {
    if (device_info().count > 0) caching_allocator().empty_cache();
  }
  int64_t memory_allocated(int index) const override { return stat(index, &CachingAllocator::allocated); }
  int64_t max_memory_allocated(int index) const override { return stat(index, &CachingAllocator::peak); }
  int64_t memory_reserved(int index) const override { return stat(index, &CachingAllocator::reserved); }
  void reset_peak_memory_stats(int index) const override {
    if (device_info().count > 0) caching_allocator().reset_peak(checked_index(index, "reset_peak_memory_stats"));
  }
  void set_cublas_path(const std::string& path) const override;
  bool cublas_loaded() const override;
  void use_reference_gemm(bool on) const override;

 private:
  int64_t stat(int index, int64_t (CachingAllocator::*f)(int) const) const {
    if (device_info().count == 0) return 0;  // as torch: the counters of a machine without a GPU are zero
    return (caching_allocator().*f)(checked_index(index, "memory_stats"));
  }
};

}  // namespace

// csrc/cuda/linalg.cu owns cuBLAS; these hooks forward to it.
void set_cublas_search_path(const std::string& path);
bool cublas_loaded();
void use_reference_gemm(bool on);
void Hooks::set_cublas_path(const std::string& path) const { set_cublas_search_path(path); }
bool Hooks::cublas_loaded() const { return device_info().count > 0 && cuda::cublas_loaded(); }
void Hooks::use_reference_gemm(bool on) const { cuda::use_reference_gemm(on); }

namespace {
const Hooks g_hooks;
const bool g_registered = [] {
  register_cuda_hooks(&g_hooks);
  register_allocator(DeviceType::CUDA, &caching_allocator());
  return true;
}();
}  // namespace

PYNN_REGISTER_KERNEL(device_copy_kernel, KernelSlot::CUDA, device_copy_impl);

}  // namespace cuda
}  // namespace pynn
