// searchsorted / bucketize and the scans cummax, cummin, logcumsumexp.
#pragma once
#include <optional>
#include <utility>

#include "core/tensor.h"

namespace pynn {

// torch.searchsorted: seq 1-D or with values' leading dims; sorter optionally sorts seq's last dim.
Tensor searchsorted(const Tensor& seq, const Tensor& values, bool out_int32 = false, bool right = false,
                    const Tensor& sorter = nullptr);
Tensor bucketize(const Tensor& values, const Tensor& boundaries, bool out_int32 = false, bool right = false);
std::pair<Tensor, Tensor> cummax(const Tensor& x, int64_t dim);
std::pair<Tensor, Tensor> cummin(const Tensor& x, int64_t dim);
Tensor logcumsumexp(const Tensor& x, int64_t dim);

}  // namespace pynn
