// CPU kernels of gather / scatter, masked fill / select and nonzero. Element moves are dtype-agnostic
// (dispatched on itemsize); only arithmetic and comparisons see dtypes.
#include <cstring>

#include "core/dtype.h"
#include "cpu/indexing_utils.h"
#include "cpu/loops.h"
#include "kernels/scatter_gather.h"

namespace pynn {
namespace cpu {
namespace {

template <typename T>
bool nonzero_value(T v) {
  return v != T(0);
}

// The output is fresh, so each index is checked as it is read; a bad one leaves only that output behind.
void gather_impl(const Tensor& out, const Tensor& x, int dim, const Tensor& index, const char* op) {
  const Dims& shape = index->sizes();
  if (index->numel() == 0) return;
  Dims xs = x->strides();
  const int64_t xsd = xs[dim], size = x->sizes()[dim];
  xs[dim] = 0;
  const int last = shape.size() - 1;
  const int64_t rows = index->numel() / shape[last];
  by_itemsize(x->itemsize(), [&](auto tag) {
    using T = decltype(tag);
    T* o = static_cast<T*>(out->data());
    const T* xp = static_cast<const T*>(x->data());
    const int64_t* ip = index->data_ptr<int64_t>();
    const int64_t os = out->strides()[last], xl = xs[last], il = index->strides()[last];
    parallel_for(0, rows, row_grain(shape[last]), [&](int64_t r0, int64_t r1) {
      walk_rows<3>(shape, {&out->strides(), &xs, &index->strides()}, r0, r1, [&](const int64_t* off, int64_t n) {
        for (int64_t j = 0; j < n; ++j) {
          const int64_t v = ip[off[2] + j * il];
          if (v < 0 || v >= size) throw_index_out_of_range(op, v, dim, size, false);
          o[off[0] + j * os] = xp[off[1] + j * xl + v * xsd];
        }
      });
    });
  });
}

// Calls write(self_element_offset, j, off) for every index position, after every index was checked.
template <int N, typename F>
void scatter_positions(const Tensor& self, int dim, const Tensor& index, const std::array<const Dims*, N>& others,
                       const char* op, F&& write) {
  const Dims& shape = index->sizes();
  const int64_t* ip = index->data_ptr<int64_t>();
  check_index_values(ip, index->numel(), self->sizes()[dim], dim, op);
  Dims ss = self->strides();
  const int64_t ssd = ss[dim];
  ss[dim] = 0;
  const int last = shape.size() - 1;
  const int64_t rows = index->numel() / shape[last];
  const int64_t sl = ss[last], il = index->strides()[last];
  std::array<const Dims*, N + 2> strides;
  strides[0] = &ss;
  strides[1] = &index->strides();
  for (int k = 0; k < N; ++k) strides[static_cast<size_t>(k + 2)] = others[static_cast<size_t>(k)];
  walk_rows<N + 2>(shape, strides, 0, rows, [&](const int64_t* off, int64_t n) {
    for (int64_t j = 0; j < n; ++j) write(off[0] + j * sl + ip[off[1] + j * il] * ssd, j, off);
  });
}

void scatter_impl(const Tensor& self, int dim, const Tensor& index, const Tensor& src, bool add, const char* op) {
  if (index->numel() == 0) return;
  const int64_t vl = src->strides()[index->dim() - 1];
  auto run = [&](auto tag, auto combine) {
    using T = decltype(tag);
    T* sp = static_cast<T*>(self->data());
    const T* vp = static_cast<const T*>(src->data());
    scatter_positions<1>(self, dim, index, {&src->strides()}, op, [&](int64_t at, int64_t j, const int64_t* off) {
      combine(sp[at], vp[off[2] + j * vl]);
    });
  };
  if (add) {
    PYNN_DISPATCH_ALL_AND_REDUCED(self->dtype(), "scatter_add", [&] {
      run(scalar_t{}, [](scalar_t& d, scalar_t v) { d = static_cast<scalar_t>(d + v); });
    });
  } else {
    by_itemsize(self->itemsize(), [&](auto tag) {
      using T = decltype(tag);
      run(tag, [](T& d, T v) { d = v; });
    });
  }
}

void scatter_fill_impl(const Tensor& self, int dim, const Tensor& index, const Scalar& value, const char* op) {
  if (index->numel() == 0) return;
  PYNN_DISPATCH_ALL_AND_REDUCED(self->dtype(), "scatter", [&] {
    const scalar_t v = value.to<scalar_t>();
    scalar_t* sp = self->data_ptr<scalar_t>();
    scatter_positions<0>(self, dim, index, {}, op, [&](int64_t at, int64_t, const int64_t*) { sp[at] = v; });
  });
}

void masked_fill_impl(const TensorIter& iter, ScalarType dtype, const Scalar& value) {
  PYNN_DISPATCH_ALL_AND_REDUCED(dtype, "masked_fill_", [&] {
    const scalar_t v = value.to<scalar_t>();
    for_each(iter, [&](char** data, const int64_t* strides, int64_t n) {
      for (int64_t j = 0; j < n; ++j)
        if (*reinterpret_cast<const bool*>(data[1] + j * strides[1]))
          *reinterpret_cast<scalar_t*>(data[0] + j * strides[0]) = v;
    });
  });
}

void count_nonzero_impl(const Tensor& out, const Tensor& x) {
  int64_t count = 0;
  const int64_t n = x->numel();
  PYNN_DISPATCH_ALL_AND_REDUCED(x->dtype(), "nonzero", [&] {
    const scalar_t* p = x->data_ptr<scalar_t>();
    for (int64_t i = 0; i < n; ++i) count += nonzero_value(p[i]) ? 1 : 0;
  });
  *out->data_ptr<int64_t>() = count;
}

void nonzero_impl(const Tensor& out, const Tensor& x) {
  const int nd = x->dim();
  const int64_t count = out->sizes()[0];
  if (count == 0) return;
  int64_t* o = out->data_ptr<int64_t>();
  // Flat positions go to the last `count` slots of out (branch-free), then expand in place to
  // coordinates front to back: element j's row never reaches a flat position still to be read.
  int64_t* flat = o + static_cast<int64_t>(nd - 1) * count;
  PYNN_DISPATCH_ALL_AND_REDUCED(x->dtype(), "nonzero", [&] {
    const scalar_t* p = x->data_ptr<scalar_t>();
    int64_t last = x->numel() - 1;
    while (last >= 0 && !nonzero_value(p[last])) --last;
    int64_t w = 0;
    for (int64_t i = 0; i <= last; ++i) {
      flat[w] = i;
      w += nonzero_value(p[i]) ? 1 : 0;
    }
  });
  if (nd == 1) return;
  const Dims& sizes = x->sizes();
  for (int64_t j = 0; j < count; ++j) {
    int64_t f = flat[j];
    for (int d = nd - 1; d >= 0; --d) {
      o[j * nd + d] = f % sizes[d];
      f /= sizes[d];
    }
  }
}

void masked_select_impl(const Tensor& out, const Tensor& x, const Tensor& mask) {
  const int64_t count = out->numel();
  if (count == 0) return;
  const bool* m = mask->data_ptr<bool>();
  int64_t last = x->numel() - 1;
  while (last >= 0 && !m[last]) --last;
  by_itemsize(x->itemsize(), [&](auto tag) {
    using T = decltype(tag);
    const T* xp = static_cast<const T*>(x->data());
    T* o = static_cast<T*>(out->data());
    int64_t w = 0;
    for (int64_t i = 0; i <= last; ++i) {  // branch-free: w < count holds up to the last selected element
      o[w] = xp[i];
      w += m[i] ? 1 : 0;
    }
  });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(gather_kernel, gather_impl);
PYNN_REGISTER_CPU_KERNEL(scatter_kernel, scatter_impl);
PYNN_REGISTER_CPU_KERNEL(scatter_fill_kernel, scatter_fill_impl);
PYNN_REGISTER_CPU_KERNEL(masked_fill_kernel, masked_fill_impl);
PYNN_REGISTER_CPU_KERNEL(count_nonzero_kernel, count_nonzero_impl);
PYNN_REGISTER_CPU_KERNEL(nonzero_kernel, nonzero_impl);
PYNN_REGISTER_CPU_KERNEL(masked_select_kernel, masked_select_impl);

}  // namespace cpu
}  // namespace pynn
