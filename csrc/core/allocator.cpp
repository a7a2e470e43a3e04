#include "allocator.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "error.h"

namespace pynn {

size_t allocation_size_class(size_t n, size_t align) {
  const size_t small = 64 * align;
  if (n <= small) return (n + align - 1) / align * align;
  size_t p = small;
  while (p * 2 <= n) p *= 2;
  size_t step = p / 4;
  return (n + step - 1) / step * step;
}

namespace {

constexpr size_t kAlign = 64;
constexpr size_t kMaxCached = size_t(1) << 30;  // keep at most 1 GiB of free blocks
constexpr size_t kMaxBlockCached = size_t(256) << 20;

size_t size_class(size_t n) { return allocation_size_class(n, kAlign); }

struct Cache {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free_blocks;
  size_t cached = 0;
  ~Cache() { release_all(); }
  void release_all() {
    for (auto& kv : free_blocks)
      for (void* p : kv.second) std::free(p);
    free_blocks.clear();
    cached = 0;
  }
};

Cache& cache() {
  static Cache* c = new Cache();  // leaked on purpose: blocks may be freed during interpreter teardown
  return *c;
}

}  // namespace

void* cpu_alloc(size_t nbytes) {
  size_t cls = size_class(nbytes == 0 ? 1 : nbytes);
  {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free_blocks.find(cls);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.cached -= cls;
      return p;
    }
  }
  void* p = std::aligned_alloc(kAlign, cls);
  if (!p) {
    cpu_empty_cache();
    p = std::aligned_alloc(kAlign, cls);
    // torch's wording, and a RuntimeError rather than MemoryError, as torch raises it.
    if (!p)
      throw std::runtime_error(str("DefaultCPUAllocator: can't allocate memory: you tried to allocate ", nbytes,
                                   " bytes. Error code 12 (Cannot allocate memory)"));
  }
  return p;
}

void cpu_free(void* ptr, size_t nbytes) {
  if (!ptr) return;
  size_t cls = size_class(nbytes == 0 ? 1 : nbytes);
  if (cls <= kMaxBlockCached) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.cached + cls <= kMaxCached) {
      c.free_blocks[cls].push_back(ptr);
      c.cached += cls;
      return;
    }
  }
  std::free(ptr);
}

void cpu_empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.release_all();
}

size_t cpu_cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.cached;
}

namespace {
struct CpuAllocator final : Allocator {
  void* allocate(size_t nbytes) override { return cpu_alloc(nbytes); }
  void deallocate(void* ptr, size_t nbytes) override { cpu_free(ptr, nbytes); }
};
// Indexed by DeviceType; written only at start-up registration.
Allocator* g_allocators[2] = {nullptr, nullptr};
}  // namespace

Allocator* cpu_allocator() {
  static CpuAllocator a;
  return &a;
}

Allocator* registered_allocator(DeviceType type) { return g_allocators[static_cast<int>(type)]; }

void register_allocator(DeviceType type, Allocator* allocator) { g_allocators[static_cast<int>(type)] = allocator; }

Allocator* allocator_for(Device device, const char* op) {
  if (device.is_cpu()) return cpu_allocator();
  Allocator* a = g_allocators[static_cast<int>(device.type)];
  if (!a) throw NotImplementedError(str("[", op, "] not implemented for cuda (pynn was built without CUDA support)"));
  return a;
}

}  // namespace pynn
