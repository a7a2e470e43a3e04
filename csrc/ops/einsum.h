// Contractions composed of view ops and one bmm per operand pair: einsum, tensordot, inner, kron.
// They record no node of their own: the ops they are made of carry the gradient (any order).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace pynn {

// torch.einsum: letters a-zA-Z, '...' for broadcast dims, optional '->' output; operands contract left to right.
Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands);
// The dims an operand of this rank is permuted by, when a one-operand equation does nothing else (no label summed,
// none repeated: 'ij->ji', '...ij->...ji'); einsum(equation, {x}) then equals permute(x, that). Invalid equations
// raise einsum's errors.
std::optional<std::vector<int64_t>> einsum_permutation(const std::string& equation, int64_t rank);
// torch.tensordot with explicit dim lists (the int form is translated by the binding).
Tensor tensordot(const Tensor& a, const Tensor& b, const std::vector<int64_t>& dims_a,
                 const std::vector<int64_t>& dims_b);
Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims);
Tensor inner(const Tensor& a, const Tensor& b);
Tensor kron(const Tensor& a, const Tensor& b);

}  // namespace pynn
