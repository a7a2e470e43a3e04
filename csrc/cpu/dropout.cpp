// Dropout CPU kernel (compiled once: its cost is the random stream, which does not vectorize).
#include <cmath>

#include "core/parallel.h"
#include "core/random.h"
#include "kernels/dropout.h"

namespace pynn {
namespace cpu {
namespace {

void dropout_impl(const Tensor& out, const Tensor& mask, const Tensor& x, const DropoutArgs& args) {
  const int64_t n = x->numel();
  const double keep = 1.0 - args.p;
  const RandomKey key = args.key;
  PYNN_DISPATCH_FLOAT(x->dtype(), "dropout", [&] {
    using T = scalar_t;
    T* o = out->data_ptr<T>();
    T* m = mask->data_ptr<T>();
    const T* in = x->data_ptr<T>();
    const T scale = args.p < 1.0 ? T(1.0 / keep) : T(0);
    // float: two elements per 64-bit draw (24 bits each); double: one element per draw (53 bits).
    constexpr bool kPair = sizeof(T) == 4;
    constexpr int kBits = kPair ? 24 : 53;
    const uint64_t threshold = static_cast<uint64_t>(std::ceil(keep * static_cast<double>(uint64_t(1) << kBits)));
    const int64_t draws = dropout_draws(n, x->dtype());
    // Draw k depends only on (seed, offset + k), so the chunking across threads cannot change the mask.
    parallel_for(0, draws, kElementwiseGrain / 4, [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) {
        const uint64_t h = random_bits(key.seed, key.offset + static_cast<uint64_t>(k));
        dropout_apply_draw(k, h, n, threshold, scale, o, m, in);
      }
    });
  });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(dropout_kernel, dropout_impl);

}  // namespace cpu
}  // namespace pynn
