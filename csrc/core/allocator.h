// 64-byte aligned CPU allocator that caches freed blocks by size class.
#pragma once
#include <cstddef>

namespace pynn {

void* cpu_alloc(size_t nbytes);   // never returns nullptr: throws on failure
void cpu_free(void* ptr, size_t nbytes);
void cpu_empty_cache();           // returns every cached block to the system
size_t cpu_cached_bytes();

}  // namespace pynn
