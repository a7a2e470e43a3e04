#include "shape.h"

#include <algorithm>

#include "tensor.h"

namespace pynn {

int wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  int64_t n = ndim == 0 ? 1 : ndim;
  PYNN_CHECK_INDEX(dim >= -n && dim < n, op, "Dimension out of range (expected to be in range of [", -n, ", ", n - 1,
                   "], but got ", dim, ")");
  return static_cast<int>(dim < 0 ? dim + n : dim);
}

Dims broadcast_shapes(const Dims& a, const Dims& b, const char* op) {
  int n = std::max(a.size(), b.size());
  Dims out(n);
  for (int i = 0; i < n; ++i) {
    int ia = a.size() - n + i, ib = b.size() - n + i;
    int64_t sa = ia >= 0 ? a[ia] : 1, sb = ib >= 0 ? b[ib] : 1;
    PYNN_CHECK(sa == sb || sa == 1 || sb == 1, op, "The size of tensor a (", sa, ") must match the size of tensor b (",
               sb, ") at non-singleton dimension ", i);
    out[i] = sa == 1 ? sb : sa;
  }
  return out;
}

Dims infer_size(const std::vector<int64_t>& shape, int64_t numel, const char* op) {
  Dims out(shape);
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      PYNN_CHECK(infer < 0, op, "only one dimension can be inferred");
      infer = i;
    } else {
      PYNN_CHECK(out[i] >= 0, op, "invalid shape dimension ", out[i]);
      known *= out[i];
    }
  }
  std::string shape_str = Dims(shape).str();
  if (infer >= 0) {
    PYNN_CHECK(known != 0 && numel % known == 0, op, "shape '", shape_str, "' is invalid for input of size ", numel);
    out[infer] = numel / known;
  } else {
    PYNN_CHECK(known == numel, op, "shape '", shape_str, "' is invalid for input of size ", numel);
  }
  return out;
}

// Port of torch's computeStride: walk chunks of the old shape that are contiguous among themselves.
bool view_strides(const Dims& sizes, const Dims& strides, const Dims& new_sizes, Dims& out) {
  out = Dims(new_sizes.size());
  int64_t numel = sizes.prod();
  if (numel == 0 || sizes.empty()) {
    // torch: an empty tensor viewed as its own shape keeps its strides, any other view gets contiguous ones
    // (overflow-checked: view(0).view(3, 6, 2**62, 0) would wrap them)
    out = numel == 0 && sizes == new_sizes ? strides : contiguous_strides(new_sizes);
    return true;
  }
  int view_d = new_sizes.size() - 1;
  int64_t chunk_base_stride = strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int tensor_d = sizes.size() - 1; tensor_d >= 0; --tensor_d) {
    tensor_numel *= sizes[tensor_d];
    if (tensor_d == 0 || (sizes[tensor_d - 1] != 1 && strides[tensor_d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_sizes[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_sizes[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (tensor_d > 0) {
        chunk_base_stride = strides[tensor_d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

std::vector<int> reduction_dims(const std::vector<int64_t>& dims, int ndim, const char* op) {
  std::vector<int> out;
  if (dims.empty()) {
    for (int i = 0; i < ndim; ++i) out.push_back(i);
    return out;
  }
  for (int64_t d : dims) {
    int w = wrap_dim(d, ndim, op);
    PYNN_CHECK(std::find(out.begin(), out.end(), w) == out.end(), op, "dim ", w,
               " appears multiple times in the list of dims");
    out.push_back(w);
  }
  std::sort(out.begin(), out.end());
  if (ndim == 0) out.clear();
  return out;
}

}  // namespace pynn
