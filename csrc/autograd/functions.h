// Record functions called by the op entries once an op's output exists; each family's backward
// nodes live in functions_<family>.cpp. Callers check needs_grad(...) first.
#pragma once
#include <functional>
#include <optional>
#include <vector>

#include "autograd/node.h"
#include "ops/elementwise.h"

namespace pynn {
namespace autograd {

// elementwise
void record_unary(UnaryOp op, const Tensor& x, const Tensor& out);
// in place: `old` is self before the write (null when the formula only needs the result)
void record_unary_inplace(UnaryOp op, const Tensor& old, const Tensor& self);
bool unary_backward_needs_input(UnaryOp op);
void record_binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out, const Scalar& alpha);
void record_binary_inplace(BinaryOp op, const Tensor& old, const Tensor& other, const Tensor& self, const Scalar& alpha);
void record_where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out);
void record_clamp(const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi, const Tensor& out);
void record_clamp_inplace(const Tensor& old, std::optional<Scalar> lo, std::optional<Scalar> hi, const Tensor& self);
void record_cast(const Tensor& x, const Tensor& out, const char* name);  // to(dtype), clone, contiguous
void record_copy_inplace(const Tensor& src, const Tensor& self);         // self.copy_(src)
void record_fill_inplace(const Tensor& self);                            // fill_/zero_: self's old grad is cut

// views
void record_reshape(const Tensor& x, const Tensor& out, const char* name);
void record_permute(const Tensor& x, const Tensor& out, const std::vector<int64_t>& dims, const char* name);
void record_expand(const Tensor& x, const Tensor& out);
// Views that pick a subset of x: the gradient is g written into zeros through the same view.
void record_subview(const Tensor& x, const Tensor& out, std::function<Tensor(const Tensor&)> replay, const char* name);

// linalg
void record_mm(const Tensor& a, const Tensor& b, const Tensor& out, const char* name);  // mm, bmm
void record_matmul(const Tensor& a, const Tensor& b, const Tensor& out);                // also dot, mv
void record_addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Tensor& out, const Scalar& beta,
                  const Scalar& alpha, const char* name);                               // addmm, baddbmm

// reductions
void record_sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, const Tensor& out, bool mean);

// indexing (functions_indexing.cpp)

// nn: activations, dropout, softmax, losses (functions_nn.cpp)

}  // namespace autograd
}  // namespace pynn
