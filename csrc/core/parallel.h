// One thread pool for the whole process. Work smaller than `grain` runs on the calling thread;
// nested parallel_for calls run serially, so BLAS or kernels inside a region never oversubscribe.
#pragma once
#include <cstdint>
#include <functional>

namespace pynn {

int get_num_threads();
void set_num_threads(int n);  // also sets OpenBLAS's thread count (BLAS calls inside a region run serially)
bool in_parallel_region();

// Calls f(chunk_begin, chunk_end) over disjoint chunks covering [begin, end).
void parallel_for(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& f);

constexpr int64_t kElementwiseGrain = 32768;

}  // namespace pynn
