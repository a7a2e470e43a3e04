// Joining, splitting, gathering, scattering, masking, sorting and Python-style indexing (torch semantics).
// Views: split/chunk/unbind pieces and basic indexing (ints, slices, None, ...) share the input's storage;
// everything else returns a fresh contiguous tensor. One header for four files: ops/indexing.cpp (indexing),
// ops/join.cpp (join, split, repeat, flip, roll, tril/triu), ops/scatter_gather.cpp (gather, scatter, masks,
// nonzero, one_hot) and ops/sort.cpp.
#pragma once
#include <optional>
#include <utility>
#include <vector>

#include "core/scalar.h"
#include "core/tensor.h"

namespace pynn {

// One component of a Python index: x[0, 1:3, None, ..., True, idx].
struct TensorIndex {
  enum class Kind : int8_t { None, Ellipsis, Int, Slice, Bool, Tensor };
  Kind kind = Kind::None;
  int64_t integer = 0;                  // Int
  std::optional<int64_t> start, stop;   // Slice
  int64_t step = 1;                     // Slice (must be > 0)
  bool boolean = false;                 // Bool (Python True / False)
  Tensor tensor;                        // Tensor (int32 / int64 / bool)

  static TensorIndex none() { return TensorIndex{}; }
  static TensorIndex ellipsis() {
    TensorIndex i;
    i.kind = Kind::Ellipsis;
    return i;
  }
  static TensorIndex from_int(int64_t v) {
    TensorIndex i;
    i.kind = Kind::Int;
    i.integer = v;
    return i;
  }
  static TensorIndex from_slice(std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step = 1) {
    TensorIndex i;
    i.kind = Kind::Slice;
    i.start = start;
    i.stop = stop;
    i.step = step;
    return i;
  }
  static TensorIndex from_bool(bool b) {
    TensorIndex i;
    i.kind = Kind::Bool;
    i.boolean = b;
    return i;
  }
  static TensorIndex from_tensor(Tensor t) {
    TensorIndex i;
    i.kind = Kind::Tensor;
    i.tensor = std::move(t);
    return i;
  }
};

// x[idx]: a view when idx holds no tensors, else a copy (advanced indexing).
Tensor index(const Tensor& x, const std::vector<TensorIndex>& idx);
// x[idx] = value (value broadcast to the indexed shape and cast to x's dtype).
void index_put_(const Tensor& x, const std::vector<TensorIndex>& idx, const Tensor& value);
// torch's index.Tensor / index_put_: one optional index tensor per leading dim (null = the whole dim).
Tensor index_tensors(const Tensor& x, const std::vector<Tensor>& indices);
void index_put_tensors_(const Tensor& x, const std::vector<Tensor>& indices, const Tensor& value,
                        bool accumulate = false);
// Out of place: a copy of x with index_put_tensors_ applied.
Tensor index_put(const Tensor& x, const std::vector<Tensor>& indices, const Tensor& value, bool accumulate = false);

// Joining and splitting
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim = 0);               // views
std::vector<Tensor> split_with_sizes(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);                   // views
std::vector<Tensor> unbind(const Tensor& x, int64_t dim = 0);                                   // views
Tensor repeat(const Tensor& x, const std::vector<int64_t>& repeats);
Tensor flip(const Tensor& x, const std::vector<int64_t>& dims);
Tensor roll(const Tensor& x, const std::vector<int64_t>& shifts, const std::vector<int64_t>& dims);
Tensor tril(const Tensor& x, int64_t diagonal = 0);
Tensor triu(const Tensor& x, int64_t diagonal = 0);
void tril_(const Tensor& x, int64_t diagonal = 0);
void triu_(const Tensor& x, int64_t diagonal = 0);

// Gather / scatter (index: int64 or int32, same ndim as x)
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Scalar& value);
void scatter_(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
void scatter_(const Tensor& x, int64_t dim, const Tensor& index, const Scalar& value);
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
void scatter_add_(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
// torch.take_along_dim: gather after broadcasting x and index in every dim but `dim`; no dim: both flattened.
Tensor take_along_dim(const Tensor& x, const Tensor& index, std::optional<int64_t> dim);

// Masks
Tensor masked_fill(const Tensor& x, const Tensor& mask, const Scalar& value);
Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value);  // value: 0-dim tensor
void masked_fill_(const Tensor& x, const Tensor& mask, const Scalar& value);
void masked_fill_(const Tensor& x, const Tensor& mask, const Tensor& value);
Tensor masked_select(const Tensor& x, const Tensor& mask);
Tensor nonzero(const Tensor& x);                     // (count, ndim) int64
std::vector<Tensor> nonzero_tuple(const Tensor& x);  // one 1-D int64 tensor per dim

// Sorting: (values, indices)
std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true);
std::pair<Tensor, Tensor> sort(const Tensor& x, int64_t dim = -1, bool descending = false, bool stable = false);
Tensor argsort(const Tensor& x, int64_t dim = -1, bool descending = false, bool stable = false);

Tensor one_hot(const Tensor& x, int64_t num_classes = -1);

}  // namespace pynn
