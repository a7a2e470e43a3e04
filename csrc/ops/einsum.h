// Contractions composed of view ops and one bmm per operand pair: einsum, tensordot, inner, kron.
// They record no node of their own: the ops they are made of carry the gradient (any order).
#pragma once
#include <string>
#include <vector>

#include "core/tensor.h"

namespace pynn {

// torch.einsum: letters a-zA-Z, '...' for broadcast dims, optional '->' output; operands contract left to right.
Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands);
// torch.tensordot with explicit dim lists (the int form is translated by the binding).
Tensor tensordot(const Tensor& a, const Tensor& b, const std::vector<int64_t>& dims_a,
                 const std::vector<int64_t>& dims_b);
Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims);
Tensor inner(const Tensor& a, const Tensor& b);
Tensor kron(const Tensor& a, const Tensor& b);

}  // namespace pynn
