// The CTC loss's per-sample negative log-likelihood (F.ctc_loss reduces it).
#include "bindings/bindings.h"
#include "ops/ctc.h"

using namespace pynn;
using pynn_py::run_released;

void bind_ctc(py::module_& m) {
  m.def("_ctc_loss_nll", [](const Tensor& log_probs, const Tensor& targets, const std::vector<int64_t>& input_lengths,
                            const std::vector<int64_t>& target_lengths, int64_t blank, bool zero_infinity) {
    return run_released({log_probs, targets},
                        [&] { return ctc_loss_nll(log_probs, targets, input_lengths, target_lengths, blank, zero_infinity); });
  });
}
