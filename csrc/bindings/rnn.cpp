// Recurrent ops as private _C functions (pynn/nn/modules/rnn.py wraps them with torch's modules and checks).
#include <optional>
#include <string>

#include "bindings/bindings.h"
#include "core/error.h"
#include "ops/rnn.h"

using namespace pynn;
using pynn_py::run_released;

namespace {

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : nullptr; }

// torch's mode strings (RNNBase.mode).
RnnMode parse_mode(const std::string& m) {
  if (m == "LSTM") return RnnMode::LSTM;
  if (m == "GRU") return RnnMode::GRU;
  if (m == "RNN_TANH") return RnnMode::Tanh;
  if (m == "RNN_RELU") return RnnMode::Relu;
  throw ValueError("Unrecognized RNN mode: " + m);
}

}  // namespace

void bind_rnn(py::module_& m) {
  m.def("_rnn", [](const std::string& mode, const Tensor& input, const std::vector<int64_t>& batch_sizes,
                   const std::optional<Tensor>& hx, const std::optional<Tensor>& cx,
                   const std::vector<Tensor>& params, int64_t num_layers, bool bias, bool bidirectional,
                   bool batch_first, double dropout, bool training, int64_t proj_size) {
    RnnOptions o;
    o.mode = parse_mode(mode);
    o.num_layers = num_layers;
    o.bias = bias;
    o.bidirectional = bidirectional;
    o.batch_first = batch_first;
    o.dropout = dropout;
    o.training = training;
    o.proj_size = proj_size;
    RnnOutput r = run_released({input, params}, [&] { return rnn(input, batch_sizes, opt(hx), opt(cx), params, o); });
    return py::make_tuple(r.output, r.h_n, r.c_n ? py::cast(r.c_n) : py::none());
  }, py::arg("mode"), py::arg("input"), py::arg("batch_sizes"), py::arg("hx"), py::arg("cx"), py::arg("params"),
        py::arg("num_layers"), py::arg("bias"), py::arg("bidirectional"), py::arg("batch_first"), py::arg("dropout"),
        py::arg("training"), py::arg("proj_size"));
  m.def("_rnn_cell", [](const std::string& mode, const Tensor& input, const std::optional<Tensor>& hx,
                        const std::optional<Tensor>& cx, const Tensor& w_ih, const Tensor& w_hh,
                        const std::optional<Tensor>& b_ih, const std::optional<Tensor>& b_hh) {
    const RnnMode md = parse_mode(mode);
    return run_released({input, w_ih, w_hh}, [&] {
      return rnn_cell(md, input, opt(hx), opt(cx), w_ih, w_hh, opt(b_ih), opt(b_hh));
    });
  }, py::arg("mode"), py::arg("input"), py::arg("hx"), py::arg("cx"), py::arg("weight_ih"), py::arg("weight_hh"),
        py::arg("bias_ih") = py::none(), py::arg("bias_hh") = py::none());
}
