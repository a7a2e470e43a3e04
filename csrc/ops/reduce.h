// Reductions and scans: check -> promote -> lay the input out as [outer, size, inner] -> cpu kernel.
// `dims` lists the reduced dims (negative allowed); an empty list reduces over every dim.
#pragma once
#include <optional>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace pynn {

// Integral and bool inputs sum to int64 unless `dtype` is given (the input is cast to it first).
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false,
           std::optional<ScalarType> dtype = std::nullopt);
// Floating inputs (or an explicit floating dtype) only.
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false,
            std::optional<ScalarType> dtype = std::nullopt);
// dim == nullopt: product of all elements.
Tensor prod(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
            std::optional<ScalarType> dtype = std::nullopt);

Tensor amax(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
// Over all elements (0-dim result); RuntimeError on an empty tensor.
Tensor max(const Tensor& x);
Tensor min(const Tensor& x);
// Over one dim: (values, int64 indices of the first extreme; a NaN counts as the extreme).
std::pair<Tensor, Tensor> max_dim(const Tensor& x, int64_t dim, bool keepdim = false);
std::pair<Tensor, Tensor> min_dim(const Tensor& x, int64_t dim, bool keepdim = false);
// dim == nullopt: index into the flattened (row-major) tensor.
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);

// Divisor max(0, N - correction), as torch.
Tensor var(const Tensor& x, const std::vector<int64_t>& dims = {}, double correction = 1.0, bool keepdim = false);
Tensor std(const Tensor& x, const std::vector<int64_t>& dims = {}, double correction = 1.0, bool keepdim = false);
// (var or std, mean) of the same reduction, as torch.var_mean / torch.std_mean.
std::pair<Tensor, Tensor> var_mean(const Tensor& x, const std::vector<int64_t>& dims = {}, double correction = 1.0,
                                   bool keepdim = false);
std::pair<Tensor, Tensor> std_mean(const Tensor& x, const std::vector<int64_t>& dims = {}, double correction = 1.0,
                                   bool keepdim = false);

// Vector p-norm over dims: p = 2 ('fro'), 1, +-inf, 0, or any other float.
Tensor norm(const Tensor& x, double p = 2.0, const std::vector<int64_t>& dims = {}, bool keepdim = false,
            std::optional<ScalarType> dtype = std::nullopt);
// Integral inputs promote to the default float dtype.
Tensor logsumexp(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);

Tensor all(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor any(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);

// Inclusive scans; integral and bool inputs produce int64 unless `dtype` is given.
Tensor cumsum(const Tensor& x, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
Tensor cumprod(const Tensor& x, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);

}  // namespace pynn
