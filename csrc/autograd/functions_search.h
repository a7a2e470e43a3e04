// Record functions of the scan family (nodes in functions_search.cpp).
#pragma once
#include "autograd/node.h"

namespace pynn {
namespace autograd {

void record_cum_extreme(const Tensor& x, int64_t dim, const Tensor& indices, const Tensor& values, const char* name);
void record_logcumsumexp(const Tensor& x, int64_t dim, const Tensor& out);

}  // namespace autograd
}  // namespace pynn
