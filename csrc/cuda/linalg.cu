// GEMM on CUDA: cuBLAS for float32/float64 operands it can address (one unit stride per matrix), opened at run
// time with dlopen so the module needs no libcublas to import; a plain tiled kernel for every other case (ints,
// arbitrary strides, no cuBLAS found), which is also the reference the tests hold cuBLAS to.
//
// cuBLAS is looked for in: the folder Python found the nvidia-cublas wheel in (set_cublas_search_path), the
// toolkit's lib folder known at build time, then the loader's own search. Only the few entry points used here
// are declared (their C ABI is stable across cuBLAS 11-13), so no cuBLAS header is needed to build.
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <string>

#include "cuda/cuda_utils.cuh"
#include "kernels/linalg.h"

#ifndef PYNN_CUDA_TOOLKIT_LIB_DIR
#define PYNN_CUDA_TOOLKIT_LIB_DIR ""
#endif

namespace pynn {
namespace cuda {

namespace {

// cublas_api.h's values.
using cublasHandle_t = void*;
constexpr int kOpN = 0, kOpT = 1;
using create_fn = int (*)(cublasHandle_t*);
using sgemm_fn = int (*)(cublasHandle_t, int, int, int, int, int, const float*, const float*, int, long long,
                         const float*, int, long long, const float*, float*, int, long long, int);
using dgemm_fn = int (*)(cublasHandle_t, int, int, int, int, int, const double*, const double*, int, long long,
                         const double*, int, long long, const double*, double*, int, long long, int);

struct Cublas {
  bool tried = false;
  void* lib = nullptr;
  cublasHandle_t handle = nullptr;
  sgemm_fn sgemm = nullptr;
  dgemm_fn dgemm = nullptr;
  std::string search_path;
  bool use_reference = std::getenv("PYNN_CUDA_REFERENCE_GEMM") != nullptr;
};

std::mutex g_mu;
Cublas& cublas_state() {
  static Cublas* c = new Cublas();  // leaked: the handle must outlive every tensor
  return *c;
}

void* open_first(const std::string& dir) {
  static const char* names[] = {"libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"};
  for (const char* n : names) {
    const std::string path = dir.empty() ? std::string(n) : dir + "/" + n;
    if (void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL)) return h;
  }
  return nullptr;
}

// The loaded cuBLAS, or null when none could be opened (the tiled kernel runs then).
Cublas* cublas() {
  std::lock_guard<std::mutex> lock(g_mu);
  Cublas& c = cublas_state();
  if (c.use_reference) return nullptr;
  if (!c.tried) {
    c.tried = true;
    for (const std::string& dir : {c.search_path, std::string(PYNN_CUDA_TOOLKIT_LIB_DIR)})
      if (!dir.empty() && (c.lib = open_first(dir))) break;
    if (!c.lib) c.lib = open_first("");
    if (c.lib) {
      auto create = reinterpret_cast<create_fn>(dlsym(c.lib, "cublasCreate_v2"));
      c.sgemm = reinterpret_cast<sgemm_fn>(dlsym(c.lib, "cublasSgemmStridedBatched"));
      c.dgemm = reinterpret_cast<dgemm_fn>(dlsym(c.lib, "cublasDgemmStridedBatched"));
      if (!create || !c.sgemm || !c.dgemm || create(&c.handle) != 0) c.handle = nullptr;
    }
  }
  return c.handle ? &c : nullptr;
}

// A row-major operand (rows x cols, element (i, j) at i * si + j * sj) seen by column-major cuBLAS, which
// computes C^T = B^T A^T: unit sj means it is the transpose of a column-major matrix with ld = si.
struct BlasView {
  bool ok = false;
  int op = kOpN;
  int64_t ld = 0;
};
BlasView blas_view(const MatRef& x, int64_t rows, int64_t cols) {
  BlasView v;
  int64_t si = x.si, sj = x.sj;
  if (rows == 1) si = cols;  // a single row or column: its other stride never moves
  if (cols == 1) sj = 1;
  if (rows == 1 && cols == 1) si = 1;
  if (sj == 1 && si >= (cols > 1 ? cols : 1)) {
    v.ok = true;
    v.op = kOpN;
    v.ld = si;
  } else if (si == 1 && sj >= (rows > 1 ? rows : 1)) {
    v.ok = true;
    v.op = kOpT;
    v.ld = sj;
  }
  if (v.ld > INT32_MAX) v.ok = false;
  return v;
}

bool fits_int(int64_t v) { return v >= 0 && v <= INT32_MAX; }

// C = alpha A B + beta C through cuBLAS; false when the operands' layout needs the tiled kernel.
template <typename T, typename Fn>
bool try_cublas(Cublas* cb, Fn fn, int64_t batch, int64_t m, int64_t n, int64_t k, T alpha, const MatRef& a,
                const MatRef& b, T beta, const MatRef& c) {
  if (!cb || !fits_int(m) || !fits_int(n) || !fits_int(k) || !fits_int(batch)) return false;
  const BlasView va = blas_view(a, m, k), vb = blas_view(b, k, n), vc = blas_view(c, m, n);
  if (!va.ok || !vb.ok || !vc.ok || vc.op != kOpN) return false;
  // Column-major: C^T (n x m) = op(B^T) (n x k) * op(A^T) (k x m).
  const int st = fn(cb->handle, vb.op, va.op, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &alpha,
                    static_cast<const T*>(b.data), static_cast<int>(vb.ld), b.sb, static_cast<const T*>(a.data),
                    static_cast<int>(va.ld), a.sb, &beta, static_cast<T*>(c.data), static_cast<int>(vc.ld), c.sb,
                    static_cast<int>(batch));
  if (st != 0) throw std::runtime_error(str("[mm] CUDA error: cuBLAS GEMM failed with status ", st));
  return true;
}

constexpr int kTile = 16;

// The reference: a 16 x 16 shared-memory tiled product over any strides, accumulating in T (double for
// float64, float for float32, as cuBLAS), one block per C tile per batch entry (grid z).
template <typename T>
__global__ void tiled_gemm(int64_t m, int64_t n, int64_t k, T alpha, MatRef a, MatRef b, T beta, MatRef c) {
  __shared__ T as[kTile][kTile];
  __shared__ T bs[kTile][kTile];
  const int64_t bt = blockIdx.z;
  const int64_t row = static_cast<int64_t>(blockIdx.y) * kTile + threadIdx.y;
  const int64_t col = static_cast<int64_t>(blockIdx.x) * kTile + threadIdx.x;
  const T* A = static_cast<const T*>(a.data) + bt * a.sb;
  const T* B = static_cast<const T*>(b.data) + bt * b.sb;
  T acc = T(0);
  for (int64_t t = 0; t < k; t += kTile) {
    const int64_t ka = t + threadIdx.x, kb = t + threadIdx.y;
    as[threadIdx.y][threadIdx.x] = (row < m && ka < k) ? A[row * a.si + ka * a.sj] : T(0);
    bs[threadIdx.y][threadIdx.x] = (kb < k && col < n) ? B[kb * b.si + col * b.sj] : T(0);
    __syncthreads();
#pragma unroll
    for (int q = 0; q < kTile; ++q) acc += as[threadIdx.y][q] * bs[q][threadIdx.x];
    __syncthreads();
  }
  if (row < m && col < n) {
    T* C = static_cast<T*>(c.data) + bt * c.sb + row * c.si + col * c.sj;
    *C = beta == T(0) ? alpha * acc : alpha * acc + beta * *C;  // beta 0 ignores C (NaN included)
  }
}

void gemm_impl(ScalarType dtype, int64_t batch, int64_t m, int64_t n, int64_t k, const Scalar& alpha, MatRef a,
               MatRef b, const Scalar& beta, MatRef c) {
  if (batch == 0 || m == 0 || n == 0) return;
  PYNN_DISPATCH_NUMERIC(dtype, "mm", [&] {
    const scalar_t al = alpha.to<scalar_t>(), be = beta.to<scalar_t>();
    Cublas* cb = k > 0 ? cublas() : nullptr;  // k == 0: C = beta C, which the tiled kernel does
    if constexpr (std::is_same<scalar_t, float>::value) {
      if (cb && try_cublas<float>(cb, cb->sgemm, batch, m, n, k, al, a, b, be, c)) return;
    } else if constexpr (std::is_same<scalar_t, double>::value) {
      if (cb && try_cublas<double>(cb, cb->dgemm, batch, m, n, k, al, a, b, be, c)) return;
    }
    for (int64_t b0 = 0; b0 < batch; b0 += 65535) {  // grid z is limited to 65535
      const int64_t nb = batch - b0 < 65535 ? batch - b0 : 65535;
      MatRef ab = a, bb = b, cb = c;
      ab.data = static_cast<scalar_t*>(a.data) + b0 * a.sb;
      bb.data = static_cast<scalar_t*>(b.data) + b0 * b.sb;
      cb.data = static_cast<scalar_t*>(c.data) + b0 * c.sb;
      const dim3 grid(static_cast<unsigned>((n + kTile - 1) / kTile), static_cast<unsigned>((m + kTile - 1) / kTile),
                      static_cast<unsigned>(nb));
      tiled_gemm<scalar_t><<<grid, dim3(kTile, kTile)>>>(m, n, k, al, ab, bb, be, cb);
      check_launch("mm");
    }
  });
}

// A 1 x n by n x 1 product through the GEMM path: the result stays on the device.
void dot_impl(ScalarType dtype, int64_t n, const void* x, int64_t incx, const void* y, int64_t incy, void* out) {
  MatRef a{const_cast<void*>(x), 0, 0, incx}, b{const_cast<void*>(y), 0, incy, 0}, c{out, 0, 1, 1};
  if (n == 0) {
    PYNN_DISPATCH_NUMERIC(dtype, "dot", [&] { check(cudaMemset(out, 0, sizeof(scalar_t)), "dot"); });
    return;
  }
  gemm_impl(dtype, 1, 1, 1, n, Scalar(int64_t(1)), a, b, Scalar(int64_t(0)), c);
}

}  // namespace

void set_cublas_search_path(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_mu);
  cublas_state().search_path = path;
}

void use_reference_gemm(bool on) {
  std::lock_guard<std::mutex> lock(g_mu);
  cublas_state().use_reference = on;
}

bool cublas_loaded() { return cublas() != nullptr; }

PYNN_REGISTER_KERNEL(gemm_kernel, KernelSlot::CUDA, gemm_impl);
PYNN_REGISTER_KERNEL(dot_kernel, KernelSlot::CUDA, dot_impl);

}  // namespace cuda
}  // namespace pynn
