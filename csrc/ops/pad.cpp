// F.pad: check (torch's wording per mode) -> geometry -> allocate -> kernel -> record backward. The leading
// unpadded dims are planes, so batched and unbatched inputs need no reshaping.
#include "ops/pad.h"

#include "autograd/functions_pad.h"
#include "ops/common.h"
#include "ops/elementwise.h"
#include "ops/nn_common.h"

namespace pynn {

PYNN_DEFINE_KERNEL(pad_kernel, "pad");
PYNN_DEFINE_KERNEL(pad_backward_kernel, "pad_backward");

namespace {

using IntList = std::vector<int64_t>;

PadMode parse_mode(const std::string& mode) {
  if (mode == "constant") return PadMode::Constant;
  if (mode == "reflect") return PadMode::Reflect;
  if (mode == "replicate") return PadMode::Replicate;
  if (mode == "circular") return PadMode::Circular;
  throw NotImplementedError(str("[pad] Unrecognised padding mode ", mode));
}

// Reflect / replicate / circular: 1-3 padded dims of a batched or unbatched input, non-empty but for the batch.
void check_non_constant(const Tensor& x, int k, const IntList& pad) {
  const int d = x->dim();
  if (k < 1 || k > 3 || (d != k + 1 && d != k + 2))
    throw NotImplementedError(str("[pad] Padding size ", pad.size(), " is not supported for ", d, "D input tensor.\n"
                                  "Supported combinations for non-constant padding:\n"
                                  "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                                  "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                                  "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"));
  bool ok = true;
  for (int i = d == k + 2 ? 1 : 0; i < d; ++i) ok = ok && x->sizes()[i] > 0;
  PYNN_CHECK(ok, "pad", "Expected ", k + 1, "D or ", k + 2, "D (batch mode) tensor with possibly 0 batch size and "
             "other non-zero dimensions for input, but got: ", x->sizes().str());
}

}  // namespace

Tensor pad_geometry(const Tensor& input, const PadGeometry& g) {
  const char* op = "pad";
  require_defined(op, input);
  const Dims& in = input->sizes();
  PYNN_CHECK(g.ndim >= 1 && g.ndim <= input->dim(), op, "padding ", g.ndim, " dims of a ", input->dim(),
             "-d input");
  Dims out_sizes = in;
  int64_t planes = 1;
  for (int i = 0; i < input->dim() - g.ndim; ++i) planes *= in[i];
  for (int a = 0; a < g.ndim; ++a) {
    const PadAxis& ax = g.axes[a];
    const int dim = input->dim() - g.ndim + a;
    PYNN_CHECK(ax.in == in[dim] && ax.out >= 0 && (g.mode != PadMode::Circular || (ax.lo >= 0 && ax.lo < ax.hi &&
                                                                                   ax.hi <= ax.in)),
               op, "input of size ", in.str(), " does not match the padding geometry");
    out_sizes[dim] = ax.out;
  }
  PYNN_CHECK(planes == g.planes, op, "input of size ", in.str(), " does not match the padding geometry");
  const Device dev = input->device();
  Tensor out = empty(out_sizes, input->dtype(), dev);
  pad_kernel(dev, out, contiguous_untracked(input), g);
  if (autograd::needs_grad(input)) autograd::record_pad(input, g, false, out);
  return out;
}

Tensor pad_backward(const Tensor& grad_out, const PadGeometry& g, const Dims& input_sizes) {
  const char* op = "pad_backward";
  require_defined(op, grad_out, "grad_output");
  require_float(op, grad_out);
  Dims expect = input_sizes;
  const int d = input_sizes.size();
  PYNN_CHECK(g.ndim >= 1 && g.ndim <= d, op, "geometry does not match input sizes ", input_sizes.str());
  for (int a = 0; a < g.ndim; ++a) {
    PYNN_CHECK(g.axes[a].in == input_sizes[d - g.ndim + a], op, "geometry does not match input sizes ",
               input_sizes.str());
    expect[d - g.ndim + a] = g.axes[a].out;
  }
  PYNN_CHECK(grad_out->sizes() == expect, op, "grad_output of size ", grad_out->sizes().str(),
             " does not match the padding of ", input_sizes.str());
  const Device dev = grad_out->device();
  Tensor gi = empty(input_sizes, grad_out->dtype(), dev);
  pad_backward_kernel(dev, gi, contiguous_untracked(grad_out), g);
  if (autograd::needs_grad(grad_out)) autograd::record_pad(grad_out, g, true, gi);
  return gi;
}

Tensor pad(const Tensor& input, const IntList& pad, const std::string& mode_name, std::optional<double> value) {
  const char* op = "pad";
  require_defined(op, input);
  PYNN_CHECK(pad.size() % 2 == 0, op, "Padding length must be divisible by 2");
  const int d = input->dim(), k = static_cast<int>(pad.size() / 2);
  PYNN_CHECK(k <= d, op, "Padding length should be less than or equal to two times the input dimension but got "
             "padding length ", pad.size(), " and input of dimension ", d);
  const PadMode mode = parse_mode(mode_name);
  PYNN_CHECK(mode == PadMode::Constant || !value || *value == 0, op, "Padding mode \"", mode_name,
             "\" doesn't take in value argument");
  if (mode != PadMode::Constant) check_non_constant(input, k, pad);
  PadGeometry g;
  g.mode = mode;
  g.value = value.value_or(0.0);
  g.ndim = k > 0 ? k : (d > 0 ? 1 : 0);  // no pads: a copy, through one unpadded dim
  if (g.ndim == 0) return clone(input);  // a 0-d input with no pads
  const Dims& in = input->sizes();
  for (int a = 0; a < g.ndim; ++a) {
    const int dim = d - g.ndim + a;
    const int j = g.ndim - 1 - a;  // pad pairs run from the last dim backwards
    PadAxis& ax = g.axes[a];
    ax.in = in[dim];
    ax.before = k > 0 ? pad[2 * j] : 0;
    const int64_t after = k > 0 ? pad[2 * j + 1] : 0;
    ax.out = ax.in + ax.before + after;
    ax.lo = 0;
    ax.hi = ax.in;
    switch (mode) {
      case PadMode::Constant:
        PYNN_CHECK(ax.out >= 0, op, "narrow(): length must be non-negative.");
        break;
      case PadMode::Reflect: {
        const int arg = 4 + 2 * (g.ndim - 1 - a);  // torch numbers the pads of width, height, depth 4, 6, 8
        PYNN_CHECK(ax.before < ax.in && after < ax.in, op, "Argument #", arg, ": Padding size should be less than "
                   "the corresponding input dimension, but got: padding (", ax.before, ", ", after,
                   ") at dimension ", dim, " of input ", in.str());
        [[fallthrough]];
      }
      case PadMode::Replicate: {
        if (ax.out < 1) {
          const char* names[] = {"D", "H", "W"};
          std::string ins, outs;
          for (int b = 0; b < g.ndim; ++b) {
            const char* nm = names[3 - g.ndim + b];
            const int j2 = g.ndim - 1 - b;
            const int64_t o = in[d - g.ndim + b] + pad[2 * j2] + pad[2 * j2 + 1];
            ins += str(b ? ", " : "", nm, ": ", in[d - g.ndim + b]);
            outs += str(b ? " " : "", nm, ": ", o);
          }
          throw std::runtime_error(str("[pad] input (", ins, ") is too small. Calculated output ", outs));
        }
        break;
      }
      case PadMode::Circular:
        PYNN_CHECK(ax.before <= ax.in && after <= ax.in, op, "Padding value causes wrapping around more than once.");
        ax.lo = ax.before < 0 ? -ax.before : 0;
        ax.hi = ax.in - (after < 0 ? -after : 0);
        PYNN_CHECK(ax.hi > ax.lo && ax.out > 0, op, "Negative padding value is resulting in an empty dimension");
        break;
    }
  }
  g.planes = 1;
  for (int i = 0; i < d - g.ndim; ++i) g.planes *= in[i];
  return pad_geometry(input, g);
}

}  // namespace pynn
