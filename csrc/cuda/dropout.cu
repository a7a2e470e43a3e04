// Dropout on CUDA: the CPU kernel's mask exactly (kernels/dropout.h's draws from core/random.h's stream: float
// takes two elements per 64-bit draw, 24 bits each; double one per draw), one thread per draw.
#include <cuda_runtime.h>

#include <cmath>

#include "cuda/cuda_utils.cuh"
#include "kernels/dropout.h"

namespace pynn {
namespace cuda {
namespace {

template <typename T>
__global__ void dropout_dev(T* o, T* m, const T* in, int64_t n, int64_t draws, RandomKey key, uint64_t threshold,
                            T scale) {
  for (int64_t k = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; k < draws;
       k += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const uint64_t h = random_bits(key.seed, key.offset + static_cast<uint64_t>(k));
    dropout_apply_draw(k, h, n, threshold, scale, o, m, in);
  }
}

void dropout_impl(const Tensor& out, const Tensor& mask, const Tensor& x, const DropoutArgs& args) {
  const int64_t n = x->numel();
  if (n == 0) return;
  const double keep = 1.0 - args.p;
  PYNN_DISPATCH_FLOAT(x->dtype(), "dropout", [&] {
    using T = scalar_t;
    const int bits = sizeof(T) == 4 ? 24 : 53;
    const uint64_t threshold = static_cast<uint64_t>(std::ceil(keep * static_cast<double>(uint64_t(1) << bits)));
    const int64_t draws = dropout_draws(n, x->dtype());
    dropout_dev<T><<<grid_for(draws), kBlock>>>(out->data_ptr<T>(), mask->data_ptr<T>(), x->data_ptr<T>(), n, draws,
                                                 args.key, threshold, args.p < 1.0 ? T(1.0 / keep) : T(0));
    check_launch("dropout");
  });
}

}  // namespace

PYNN_REGISTER_KERNEL(dropout_kernel, KernelSlot::CUDA, dropout_impl);

}  // namespace cuda
}  // namespace pynn
