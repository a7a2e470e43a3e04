// Device memory allocators. Storage holds the allocator that made its block, so a CUDA caching allocator is one
// more Allocator registered for its device type; the CPU one is 64-byte aligned and caches freed blocks by size
// class.
#pragma once
#include <cstddef>

#include "device.h"

namespace pynn {

struct Allocator {
  virtual ~Allocator() = default;
  virtual void* allocate(size_t nbytes) = 0;  // never returns nullptr for nbytes > 0: throws on failure
  virtual void deallocate(void* ptr, size_t nbytes) = 0;
};

// The allocator registered for a device type; raises NotImplementedError("[op] not implemented for cuda") when
// that backend is not built. The CPU allocator is always there.
Allocator* allocator_for(Device device, const char* op = "empty");
void register_allocator(DeviceType type, Allocator* allocator);  // the backend keeps ownership
Allocator* cpu_allocator();
// The allocator registered for `type`, null when none (a test swaps in a fake one and puts the real one back).
Allocator* registered_allocator(DeviceType type);

// The block size a caching allocator hands out for n bytes: up to 64 * align rounds to `align`, larger sizes to a
// quarter of their power of two, bounding waste at 25% (CPU: align 64; CUDA: 512).
size_t allocation_size_class(size_t n, size_t align);

void* cpu_alloc(size_t nbytes);   // never returns nullptr: throws on failure
void cpu_free(void* ptr, size_t nbytes);
void cpu_empty_cache();           // returns every cached block to the system
size_t cpu_cached_bytes();

}  // namespace pynn
