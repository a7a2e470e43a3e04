#include "tensor.h"

#include <cstring>

#include "cuda_hooks.h"

namespace pynn {

TensorImpl::TensorImpl(std::shared_ptr<Storage> storage, const Dims& sizes, const Dims& strides, int64_t offset,
                       ScalarType dtype)
    : storage_(std::move(storage)), sizes_(sizes), strides_(strides), offset_(offset), dtype_(dtype) {
  refresh();
}

void TensorImpl::refresh() {
  // A view may claim more elements than int64 counts (expand(2**62, 4)); every loop bound would wrap.
  numel_ = checked_numel(sizes_);
  contiguous_ = true;
  int64_t expected = 1;
  for (int i = sizes_.size() - 1; i >= 0; --i) {
    if (sizes_[i] == 1) continue;
    if (strides_[i] != expected) {
      contiguous_ = false;
      break;
    }
    expected *= sizes_[i];
  }
  if (numel_ == 0) contiguous_ = true;
}

int64_t TensorImpl::size(int64_t d) const {
  int64_t n = dim();
  PYNN_CHECK_INDEX(d >= -n && d < n && n > 0, "size", "Dimension out of range (expected to be in range of [", -n,
                   ", ", n - 1, "], but got ", d, ")");
  return sizes_[static_cast<int>(d < 0 ? d + n : d)];
}

int64_t TensorImpl::stride(int64_t d) const {
  int64_t n = dim();
  PYNN_CHECK_INDEX(d >= -n && d < n && n > 0, "stride", "Dimension out of range (expected to be in range of [", -n,
                   ", ", n - 1, "], but got ", d, ")");
  return strides_[static_cast<int>(d < 0 ? d + n : d)];
}

void TensorImpl::set_geometry(const Dims& sizes, const Dims& strides, int64_t offset) {
  sizes_ = sizes;
  strides_ = strides;
  offset_ = offset;
  refresh();
}

void TensorImpl::set_storage(std::shared_ptr<Storage> storage, ScalarType dtype) {
  storage_ = std::move(storage);
  dtype_ = dtype;
}

Dims contiguous_strides(const Dims& sizes) {
  Dims s(sizes.size());
  int64_t acc = 1;
  for (int i = sizes.size() - 1; i >= 0; --i) {
    s[i] = acc;
    // Checked even for empty tensors (zeros(0, 2**62, 2**62)): a wrapped stride is undefined behaviour.
    if (i > 0 && __builtin_mul_overflow(acc, sizes[i] > 1 ? sizes[i] : int64_t(1), &acc))
      throw std::runtime_error("Stride calculation overflowed");
  }
  return s;
}

int64_t checked_numel(const Dims& sizes) {
  int64_t n = 1;
  bool overflow = false;
  for (int64_t s : sizes) {
    if (s == 0) return 0;
    overflow = overflow || __builtin_mul_overflow(n, s, &n);
  }
  if (overflow) throw std::runtime_error("numel: integer multiplication overflow");
  return n;
}

int64_t required_storage_elems(const Dims& sizes, const Dims& strides, int64_t offset) {
  for (int64_t s : sizes)
    if (s < 0) throw std::runtime_error(str("negative dimension ", s));
  for (int64_t s : sizes)
    if (s == 0) return offset;
  // Capped at 2^59 elements so that the byte count of any dtype (at most 8 bytes) stays inside int64 too.
  constexpr int64_t kMaxElems = int64_t(1) << 59;
  int64_t last = offset;
  bool overflow = offset < 0;
  for (int i = 0; i < sizes.size(); ++i) {
    int64_t span = 0;
    overflow = overflow || __builtin_mul_overflow(sizes[i] - 1, strides[i], &span) ||
               __builtin_add_overflow(last, span, &last);
  }
  if (overflow || last >= kMaxElems)
    throw std::runtime_error(str("Storage size calculation overflowed with sizes=", sizes.str(), " and strides=",
                                 strides.str()));
  return last + 1;
}

Tensor empty(const Dims& sizes, ScalarType dtype, Device device) {
  uint64_t n = 1;
  for (int64_t s : sizes) {
    PYNN_CHECK(s >= 0, "empty", "Trying to create tensor with negative dimension ", s, ": ", sizes.str());
    PYNN_CHECK(!__builtin_mul_overflow(n, static_cast<uint64_t>(s), &n), "empty",
               "Storage size calculation overflowed with sizes=", sizes.str());
  }
  uint64_t nbytes = 0;
  // Sizes past 2^62 bytes cannot be allocated anyway; refusing them keeps every offset product in int64.
  PYNN_CHECK(!__builtin_mul_overflow(n, static_cast<uint64_t>(itemsize(dtype)), &nbytes) && nbytes < (uint64_t(1) << 62),
             "empty", "Storage size calculation overflowed with sizes=", sizes.str());
  auto storage = Storage::allocate(static_cast<size_t>(nbytes), resolve_device(device));
  return std::make_shared<TensorImpl>(std::move(storage), sizes, contiguous_strides(sizes), 0, dtype);
}

Tensor empty_like(const Tensor& t) { return empty(t->sizes(), t->dtype(), t->device()); }

Tensor make_view(const Tensor& t, const Dims& sizes, const Dims& strides, int64_t offset) {
  Tensor v = std::make_shared<TensorImpl>(t->storage(), sizes, strides, offset, t->dtype());
  v->view_base = t->view_base.expired() ? std::weak_ptr<TensorImpl>(t) : t->view_base;
  return v;
}

Tensor scalar_tensor(const Scalar& value, ScalarType dtype) {
  Tensor t = empty(Dims{}, dtype, Device{});  // a host scalar, like the Python number it usually wraps
  PYNN_DISPATCH_ALL_AND_REDUCED(dtype, "scalar_tensor", [&] { *t->data_ptr<scalar_t>() = value.to<scalar_t>(); });
  return t;
}

Scalar item(const Tensor& t) {
  PYNN_CHECK(t->numel() >= 1, "item", "a Tensor with ", t->numel(), " elements cannot be converted to Scalar");
  if (!t->device().is_cpu()) {  // one element through the host; the backend's hook raises without CUDA
    Tensor host = empty(Dims{}, t->dtype(), Device{});
    cuda_hooks().copy_to_host(host->data(), t->data(), t->itemsize());
    return item(host);
  }
  switch (t->dtype()) {
    case ScalarType::Float32: return Scalar(static_cast<double>(*t->data_ptr<float>()));
    case ScalarType::Float64: return Scalar(*t->data_ptr<double>());
    case ScalarType::Int32: return Scalar(static_cast<int64_t>(*t->data_ptr<int32_t>()));
    case ScalarType::Int64: return Scalar(*t->data_ptr<int64_t>());
    case ScalarType::Bool: return Scalar(*t->data_ptr<bool>());
    case ScalarType::Float16: return Scalar(static_cast<double>(static_cast<float>(*t->data_ptr<Half>())));
    case ScalarType::BFloat16: return Scalar(static_cast<double>(static_cast<float>(*t->data_ptr<BFloat16>())));
  }
  return Scalar();
}

}  // namespace pynn
