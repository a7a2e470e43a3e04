// Class-index losses on CUDA (nll_loss, cross entropy with label smoothing and class weights), forward and
// backward, one thread per row. Forwards write each row's loss and weight in double, then one block sums them
// into the 0-dim loss and total_weight in a fixed order, so the result does not depend on the launch shape.
// A target outside [0, C) other than ignore_index is recorded by the kernel and raised as the CPU's IndexError
// after it (one 8-byte read back per call). Probability targets and binary cross entropy have no CUDA kernel
// yet: they raise NotImplementedError("[...] not implemented for cuda").
#include <cuda_runtime.h>

#include <cmath>

#include "cuda/cuda_utils.cuh"
#include "cuda/rows.cuh"
#include "kernels/loss.h"

namespace pynn {
namespace cuda {
namespace {

__device__ __forceinline__ bool target_ok(int64_t cls, int64_t C, int64_t* bad) {
  if (cls >= 0 && cls < C) return true;
  record_bad(bad, cls);
  return false;
}

// A target outside [0, C) other than ignore_index, recorded by the kernel, raised here as the CPU does.
struct BadFlag : BadValueFlag {
  using BadValueFlag::BadValueFlag;
  void raise_if_bad(const char* op) const {
    int64_t v = 0;
    if (failed(&v, op)) throw IndexError(str("[", op, "] Target ", v, " is out of bounds."));
  }
};

// The scratch of one forward: per-row loss and weight (double), and the bad-target flag.
struct Scratch {
  Tensor rows;
  BadFlag bad;
  Scratch(int64_t n, Device d) : rows(empty(Dims{2 * (n > 0 ? n : 1)}, ScalarType::Float64, d)), bad(d) {}
  double* loss() const { return rows->data_ptr<double>(); }
  double* weight(int64_t n) const { return rows->data_ptr<double>() + n; }
  int64_t* flag() const { return bad.ptr(); }
  void raise_if_bad(const char* op) const { bad.raise_if_bad(op); }
};

template <typename T>
__device__ __forceinline__ double weight_sum(const T* w, int64_t C) {
  if (!w) return static_cast<double>(C);
  double s = 0;
  for (int64_t k = 0; k < C; ++k) s += w[k];
  return s;
}

template <typename T>
__global__ void nll_rows(const T* x, const int64_t* t, const T* w, T* per_row, double* rl, double* rw, int64_t* bad,
                         RowGeom g, int64_t ignore_index) {
  for (int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; r < (g.outer * g.inner);
       r += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t cls = t[r];
    T loss = 0;
    double wt = 0;
    if (cls != ignore_index && target_ok(cls, g.size, bad)) {
      const T wc = w ? w[cls] : T(1);
      loss = -wc * x[row_base(g, r) + cls * g.inner];
      wt = wc;
    }
    rl[r] = loss;
    rw[r] = wt;
    if (per_row) per_row[r] = loss;
  }
}

template <typename T>
__global__ void ce_rows(const T* x, const int64_t* t, const T* w, T* per_row, T* lse, double* rl, double* rw,
                        int64_t* bad, RowGeom g, int64_t ignore_index, double eps) {
  const int64_t C = g.size, st = g.inner;
  for (int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; r < (g.outer * g.inner);
       r += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t cls = t[r];
    double loss = 0, wt = 0;
    T l = 0;
    if (cls != ignore_index && target_ok(cls, C, bad)) {
      const T* xr = x + row_base(g, r);
      l = row_lse(xr, C, st);
      wt = w ? static_cast<double>(w[cls]) : 1.0;
      loss = (1.0 - eps) * wt * static_cast<double>(l - xr[cls * st]);
      if (eps > 0) {
        double wx = 0;
        for (int64_t k = 0; k < C; ++k) wx += (w ? static_cast<double>(w[k]) : 1.0) * xr[k * st];
        loss += eps / static_cast<double>(C) * (weight_sum(w, C) * static_cast<double>(l) - wx);
      }
    }
    lse[r] = l;
    rl[r] = loss;
    rw[r] = wt;
    if (per_row) per_row[r] = static_cast<T>(loss);
  }
}

// One block: total_weight = sum rw, loss = sum rl (over total_weight for the mean), each thread summing a fixed
// stripe and the stripes merged in a fixed tree.
template <typename T>
__global__ void finish_sums(const double* rl, const double* rw, int64_t n, T* loss, T* total_weight, bool mean) {
  __shared__ double sl[kBlock], sw[kBlock];
  double a = 0, b = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    a += rl[i];
    b += rw[i];
  }
  sl[threadIdx.x] = a;
  sw[threadIdx.x] = b;
  __syncthreads();
  for (int s = kBlock / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) {
      sl[threadIdx.x] += sl[threadIdx.x + s];
      sw[threadIdx.x] += sw[threadIdx.x + s];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    *total_weight = static_cast<T>(sw[0]);
    if (loss) *loss = static_cast<T>(mean ? sl[0] / sw[0] : sl[0]);
  }
}

template <typename T>
T* data_or_null(const Tensor& t) {
  return t ? t->data_ptr<T>() : nullptr;
}

template <typename T>
void finish(const LossOutputs& o, const Scratch& s, int64_t rows, const char* op) {
  finish_sums<T><<<1, kBlock>>>(s.loss(), s.weight(rows), rows, data_or_null<T>(o.loss), o.total_weight->data_ptr<T>(),
                                o.reduction == Reduction::Mean);
  check_launch(op);
  s.raise_if_bad(op);
}

void nll_loss_impl(const LossOutputs& o, const Tensor& input, const Tensor& target, const Tensor& weight,
                   const ClassLoss& c) {
  PYNN_DISPATCH_FLOAT(input->dtype(), "nll_loss", [&] {
    using T = scalar_t;
    const int64_t rows = c.g.rows();
    Scratch s(rows, input->device());
    if (rows > 0) {
      nll_rows<T><<<grid_for(rows), kBlock>>>(input->data_ptr<T>(), target->data_ptr<int64_t>(), data_or_null<T>(weight),
                                              data_or_null<T>(o.per_row), s.loss(), s.weight(rows), s.flag(), c.g,
                                              c.ignore_index);
      check_launch("nll_loss");
    }
    finish<T>(o, s, rows, "nll_loss");
  });
}

void cross_entropy_impl(const LossOutputs& o, const Tensor& lse, const Tensor& input, const Tensor& target,
                        const Tensor& weight, const ClassLoss& c) {
  PYNN_DISPATCH_FLOAT(input->dtype(), "cross_entropy", [&] {
    using T = scalar_t;
    const int64_t rows = c.g.rows();
    Scratch s(rows, input->device());
    if (rows > 0) {
      ce_rows<T><<<grid_for(rows), kBlock>>>(input->data_ptr<T>(), target->data_ptr<int64_t>(), data_or_null<T>(weight),
                                             data_or_null<T>(o.per_row), lse->data_ptr<T>(), s.loss(), s.weight(rows),
                                             s.flag(), c.g, c.ignore_index, c.label_smoothing);
      check_launch("cross_entropy");
    }
    finish<T>(o, s, rows, "cross_entropy");
  });
}

// The gradient flowing into row r: grad[r] (reduction none) or grad[0], over total_weight for the mean.
template <typename T>
struct RowGradOf {
  const T* g;
  const T* total_weight;  // null unless mean
  bool per_row;
  __device__ T operator()(int64_t r) const {
    const double v = static_cast<double>(g[per_row ? r : 0]);
    return static_cast<T>(total_weight ? v * (1.0 / static_cast<double>(*total_weight)) : v);
  }
};
template <typename T>
RowGradOf<T> row_grad_of(const RowGrad& rg) {
  return {rg.grad->data_ptr<T>(), rg.reduction == Reduction::Mean ? rg.total_weight->data_ptr<T>() : nullptr,
          rg.reduction == Reduction::None};
}

template <typename T>
__global__ void nll_backward_rows(T* gx, RowGradOf<T> G, const int64_t* t, const T* w, int64_t* bad, RowGeom g,
                                  int64_t ignore_index) {
  for (int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; r < (g.outer * g.inner);
       r += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t base = row_base(g, r);
    for (int64_t k = 0; k < g.size; ++k) gx[base + k * g.inner] = T(0);
    const int64_t cls = t[r];
    if (cls == ignore_index || !target_ok(cls, g.size, bad)) continue;
    gx[base + cls * g.inner] = -(w ? w[cls] : T(1)) * G(r);
  }
}

// Per-row constants of grad = G * (softmax * a - b_k), b_k = bt [k == t] + bk * w_k (as csrc/cpu/loss.cpp).
struct CeRow {
  double a = 0, bt = 0, bk = 0;
  bool ignored = true;
};
template <typename T>
__device__ CeRow ce_row(int64_t cls, const T* w, double wsum, int64_t C, int64_t ignore_index, double eps,
                        int64_t* bad) {
  CeRow row;
  if (cls == ignore_index || !target_ok(cls, C, bad)) return row;
  const double wt = w ? w[cls] : 1.0;
  row.ignored = false;
  row.a = (1.0 - eps) * wt + eps * wsum / static_cast<double>(C);
  row.bt = (1.0 - eps) * wt;
  row.bk = eps / static_cast<double>(C);
  return row;
}

template <typename T>
__global__ void ce_backward_rows(T* gx, RowGradOf<T> G, const T* x, const T* lse, const int64_t* t, const T* w,
                                 int64_t* bad, RowGeom g, int64_t ignore_index, double eps) {
  const int64_t C = g.size, st = g.inner;
  for (int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; r < (g.outer * g.inner);
       r += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t base = row_base(g, r);
    const CeRow row = ce_row(t[r], w, weight_sum(w, C), C, ignore_index, eps, bad);
    T* o = gx + base;
    if (row.ignored) {
      for (int64_t k = 0; k < C; ++k) o[k * st] = T(0);
      continue;
    }
    const T Gr = G(r);
    const T a = T(row.a) * Gr, bk = T(row.bk) * Gr, lr = lse[r];
    const T* xr = x + base;
    for (int64_t k = 0; k < C; ++k) o[k * st] = ::exp(xr[k * st] - lr) * a - bk * (w ? w[k] : T(1));
    o[t[r] * st] -= T(row.bt) * Gr;
  }
}

template <typename T>
__global__ void ce_coefficients_rows(T* ap, T* bp, const int64_t* t, const T* w, int64_t* bad, RowGeom g,
                                     int64_t ignore_index, double eps) {
  const int64_t C = g.size, st = g.inner;
  for (int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; r < (g.outer * g.inner);
       r += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const CeRow row = ce_row(t[r], w, weight_sum(w, C), C, ignore_index, eps, bad);
    T* o = bp + row_base(g, r);
    ap[r] = T(row.a);
    for (int64_t k = 0; k < C; ++k) o[k * st] = row.ignored ? T(0) : T(row.bk * (w ? static_cast<double>(w[k]) : 1.0));
    if (!row.ignored) o[t[r] * st] += T(row.bt);
  }
}

void nll_loss_backward_impl(const Tensor& grad_x, const RowGrad& rg, const Tensor& target, const Tensor& weight,
                            const ClassLoss& c) {
  PYNN_DISPATCH_FLOAT(grad_x->dtype(), "nll_loss_backward", [&] {
    using T = scalar_t;
    if (c.g.rows() == 0) return;
    BadFlag bad(grad_x->device());
    nll_backward_rows<T><<<grid_for(c.g.rows()), kBlock>>>(grad_x->data_ptr<T>(), row_grad_of<T>(rg),
                                                          target->data_ptr<int64_t>(), data_or_null<T>(weight),
                                                          bad.ptr(), c.g, c.ignore_index);
    check_launch("nll_loss");
    bad.raise_if_bad("nll_loss");
  });
}

void cross_entropy_backward_impl(const Tensor& grad_x, const RowGrad& rg, const Tensor& input, const Tensor& lse,
                                 const Tensor& target, const Tensor& weight, const ClassLoss& c) {
  PYNN_DISPATCH_FLOAT(input->dtype(), "cross_entropy_backward", [&] {
    using T = scalar_t;
    if (c.g.rows() == 0) return;
    BadFlag bad(grad_x->device());
    ce_backward_rows<T><<<grid_for(c.g.rows()), kBlock>>>(grad_x->data_ptr<T>(), row_grad_of<T>(rg),
                                                         input->data_ptr<T>(), lse->data_ptr<T>(),
                                                         target->data_ptr<int64_t>(), data_or_null<T>(weight),
                                                         bad.ptr(), c.g, c.ignore_index, c.label_smoothing);
    check_launch("cross_entropy");
    bad.raise_if_bad("cross_entropy");
  });
}

void cross_entropy_coefficients_impl(const Tensor& a, const Tensor& b, const Tensor& target, const Tensor& weight,
                                     const ClassLoss& c) {
  PYNN_DISPATCH_FLOAT(a->dtype(), "cross_entropy_backward", [&] {
    using T = scalar_t;
    if (c.g.rows() == 0) return;
    BadFlag bad(a->device());
    ce_coefficients_rows<T><<<grid_for(c.g.rows()), kBlock>>>(a->data_ptr<T>(), b->data_ptr<T>(),
                                                             target->data_ptr<int64_t>(), data_or_null<T>(weight),
                                                             bad.ptr(), c.g, c.ignore_index, c.label_smoothing);
    check_launch("cross_entropy");
    bad.raise_if_bad("cross_entropy");
  });
}

}  // namespace

PYNN_REGISTER_KERNEL(nll_loss_kernel, KernelSlot::CUDA, nll_loss_impl);
PYNN_REGISTER_KERNEL(nll_loss_backward_kernel, KernelSlot::CUDA, nll_loss_backward_impl);
PYNN_REGISTER_KERNEL(cross_entropy_kernel, KernelSlot::CUDA, cross_entropy_impl);
PYNN_REGISTER_KERNEL(cross_entropy_backward_kernel, KernelSlot::CUDA, cross_entropy_backward_impl);
PYNN_REGISTER_KERNEL(cross_entropy_coefficients_kernel, KernelSlot::CUDA, cross_entropy_coefficients_impl);

}  // namespace cuda
}  // namespace pynn
