#include "autograd/grad_mode.h"

#include "core/error.h"
#include "core/tensor.h"

namespace pynn {
namespace autograd {
namespace {
thread_local bool t_grad_enabled = true;
thread_local bool t_inference_mode = false;
}

bool grad_enabled() { return t_grad_enabled; }
void set_grad_enabled(bool enabled) { t_grad_enabled = enabled; }

bool inference_mode_enabled() { return t_inference_mode; }
void set_inference_mode(bool enabled) { t_inference_mode = enabled; }

void check_not_inference_saved(const TensorImpl& t) {
  PYNN_CHECK(!t.is_inference || t_inference_mode, "autograd",
             "Inference tensors cannot be saved for backward. To work around you can make a clone to get a normal "
             "tensor and use it in autograd.");
}

void check_not_inference_inplace(const TensorImpl& t) {
  PYNN_CHECK(!t.is_inference || t_inference_mode, "autograd",
             "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to get a "
             "normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for more "
             "details.");
}

void check_not_inference_requires_grad(const TensorImpl& t) {
  PYNN_CHECK(!t.is_inference || t_inference_mode, "autograd",
             "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.");
}

}  // namespace autograd
}  // namespace pynn
