// TensorImpl: a strided view (sizes, strides, offset, dtype) onto a shared Storage.
// `Tensor` is the shared handle that ops pass around and Python holds.
#pragma once
#include <memory>

#include "dims.h"
#include "dtype.h"
#include "scalar.h"
#include "storage.h"

namespace pynn {

struct AutogradMeta;  // csrc/autograd: requires_grad, grad, grad_fn, hooks
namespace autograd {
bool inference_mode_enabled();  // csrc/autograd/grad_mode.h
}
class TensorImpl;
using Tensor = std::shared_ptr<TensorImpl>;

class TensorImpl {
 public:
  TensorImpl(std::shared_ptr<Storage> storage, const Dims& sizes, const Dims& strides, int64_t offset,
             ScalarType dtype);

  const Dims& sizes() const { return sizes_; }
  const Dims& strides() const { return strides_; }
  int64_t size(int64_t d) const;    // accepts negative dims
  int64_t stride(int64_t d) const;
  int dim() const { return sizes_.size(); }
  int64_t numel() const { return numel_; }
  int64_t offset() const { return offset_; }
  ScalarType dtype() const { return dtype_; }
  size_t itemsize() const { return pynn::itemsize(dtype_); }
  Device device() const { return storage_->device; }
  bool is_contiguous() const { return contiguous_; }
  const std::shared_ptr<Storage>& storage() const { return storage_; }

  void* data() const { return static_cast<char*>(storage_->data) + offset_ * static_cast<int64_t>(itemsize()); }
  template <typename T>
  T* data_ptr() const { return static_cast<T*>(data()); }

  // In-place metadata change (squeeze_, t_, as_strided_); the storage is unchanged.
  void set_geometry(const Dims& sizes, const Dims& strides, int64_t offset);
  // Point at another storage (set_, .data = ...).
  void set_storage(std::shared_ptr<Storage> storage, ScalarType dtype);

  uint64_t version() const { return storage_->version; }
  void bump_version() { ++storage_->version; }

  std::shared_ptr<AutogradMeta> autograd_meta;  // null until autograd needs it
  // A Python number turned into a 0-dim tensor: it only promotes the result's category (torch's rule).
  bool is_wrapped_number = false;
  // Made under pynn.inference_mode: autograd refuses to save it or update it in place outside that mode.
  bool is_inference = autograd::inference_mode_enabled();
  // The tensor a view was made from (its root), kept even when autograd did not track the view, so an
  // in-place op that brings in a gradient (z[0].copy_(t)) can still rewrite the root's history.
  std::weak_ptr<TensorImpl> view_base;

 private:
  void refresh();
  std::shared_ptr<Storage> storage_;
  Dims sizes_, strides_;
  int64_t offset_ = 0;
  int64_t numel_ = 1;
  ScalarType dtype_;
  bool contiguous_ = true;
};

Dims contiguous_strides(const Dims& sizes);
// A fresh contiguous tensor with uninitialised memory.
Tensor empty(const Dims& sizes, ScalarType dtype, Device device);
Tensor empty_like(const Tensor& t);
// A view sharing t's storage.
Tensor make_view(const Tensor& t, const Dims& sizes, const Dims& strides, int64_t offset);
// A 0-dim CPU tensor holding `value` converted to `dtype`.
Tensor scalar_tensor(const Scalar& value, ScalarType dtype);
// Reads element 0 of any tensor as a Scalar of its own kind.
Scalar item(const Tensor& t);
// Elements the storage must hold for this geometry (offset included); raises on negative sizes and when the
// count (or its byte size) would overflow int64, as torch's "Storage size calculation overflowed".
int64_t required_storage_elems(const Dims& sizes, const Dims& strides, int64_t offset);
// The product of the sizes; RuntimeError "numel: integer multiplication overflow" past int64.
int64_t checked_numel(const Dims& sizes);

}  // namespace pynn
