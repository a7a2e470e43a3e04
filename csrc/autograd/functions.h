// Record functions called by the op entries once an op's output exists; each family's backward
// nodes live in functions_<family>.cpp. Callers check needs_grad(...) first.
#pragma once
#include <functional>
#include <optional>
#include <vector>

#include "autograd/node.h"
#include "ops/elementwise.h"

namespace pynn {
namespace autograd {

// elementwise
void record_unary(UnaryOp op, const Tensor& x, const Tensor& out);
// in place: `old` is self before the write (null when the formula only needs the result)
void record_unary_inplace(UnaryOp op, const Tensor& old, const Tensor& self);
bool unary_backward_needs_input(UnaryOp op);
void record_binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out, const Scalar& alpha);
void record_binary_inplace(BinaryOp op, const Tensor& old, const Tensor& other, const Tensor& self, const Scalar& alpha);
void record_where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out);
void record_clamp(const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi, const Tensor& out);
void record_clamp_inplace(const Tensor& old, std::optional<Scalar> lo, std::optional<Scalar> hi, const Tensor& self);
void record_cast(const Tensor& x, const Tensor& out, const char* name);  // to(dtype), clone, contiguous
void record_copy_inplace(const Tensor& src, const Tensor& self);         // self.copy_(src)
void record_fill_inplace(const Tensor& self);                            // fill_/zero_: self's old grad is cut

// views
void record_reshape(const Tensor& x, const Tensor& out, const char* name);
void record_permute(const Tensor& x, const Tensor& out, const std::vector<int64_t>& dims, const char* name);
void record_expand(const Tensor& x, const Tensor& out);
// Views that pick a subset of x: the gradient is g written into zeros through the same view.
// as_strided: its gradient accumulates where the view overlaps itself and honours storage offsets.
void record_as_strided(const Tensor& x, const Tensor& out, const Dims& sizes, const Dims& strides, int64_t offset);
void record_subview(const Tensor& x, const Tensor& out, std::function<Tensor(const Tensor&)> replay, const char* name);

// linalg
void record_mm(const Tensor& a, const Tensor& b, const Tensor& out, bool batched);  // mm, bmm
void record_matmul(const Tensor& a, const Tensor& b, const Tensor& out);                // also dot, mv
void record_addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Tensor& out, const Scalar& beta,
                  const Scalar& alpha, bool batched);                                   // addmm, baddbmm

// reductions (functions_reduce.cpp). `dims` as given to the op ({} = every dim); `name` overrides the node's
// name where a fused op (var_mean, std_mean) records its outputs with torch's name for the fused node.
void record_sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, const Tensor& out, bool mean,
                const char* name = nullptr);
// amax/amin; all_dims: max()/min() over everything (torch's MaxBackward1/MinBackward1)
void record_extreme(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, const Tensor& out, bool is_max,
                    bool all_dims);
// max(dim)/min(dim): only the values are differentiable
void record_select_dim(const Tensor& x, int64_t dim, bool keepdim, const Tensor& values, const Tensor& indices,
                       bool is_max);
void record_prod(const Tensor& x, std::optional<int64_t> dim, bool keepdim, const Tensor& out);
void record_var_std(const Tensor& x, const std::vector<int64_t>& dims, double correction, bool keepdim,
                    const Tensor& out, bool is_std, const char* name = nullptr);
void record_norm(const Tensor& x, double p, const std::vector<int64_t>& dims, bool keepdim, const Tensor& out);
void record_logsumexp(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, const Tensor& out);
void record_cumulative(const Tensor& x, int64_t dim, const Tensor& out, bool is_prod);  // cumsum, cumprod

// indexing (functions_indexing.cpp). `indices`: one int64 index tensor or null per leading dim of x.
void record_index(const Tensor& x, const std::vector<Tensor>& indices, const Tensor& out);
void record_index_put_inplace(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& value,
                              bool accumulate);
void record_cat(const std::vector<Tensor>& inputs, int64_t dim, const Tensor& out);
void record_stack(const std::vector<Tensor>& inputs, int64_t dim, const Tensor& out);
// One output of split/chunk/unbind: a view that torch refuses to modify in place (fn_name: "Split"...).
void record_multi_view(const Tensor& x, const Tensor& piece, ViewReplay replay, const char* name, const char* fn_name,
                       int output_nr);
void record_gather(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out);
// scatter (src), scatter with a value (src null), scatter_add (add); `inplace`: out is x after the write.
void record_scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, bool add, const Tensor& out,
                    bool inplace);
void record_index_select(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out);
// value: the 0-dim tensor value, or null for a number
void record_masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value, const Tensor& out, bool inplace);
void record_masked_select(const Tensor& x, const Tensor& mask, const Tensor& out);
void record_repeat(const Tensor& x, const std::vector<int64_t>& repeats, const Tensor& out);
void record_flip(const Tensor& x, const std::vector<int64_t>& dims, const Tensor& out);
void record_roll(const Tensor& x, const std::vector<int64_t>& shifts, const std::vector<int64_t>& dims,
                 const Tensor& out);
void record_triangle(const Tensor& x, int64_t diagonal, bool lower, const Tensor& out, bool inplace);
// values of sort/topk: the gradient goes back to the positions in `indices` (name: SortBackward0...)
void record_sort_values(const Tensor& x, int64_t dim, const Tensor& indices, const Tensor& values, const char* name);
void record_unfold(const Tensor& x, int64_t dim, int64_t size, int64_t step, const Tensor& out);  // a view

// nn: activations, dropout, softmax, losses (functions_nn.cpp). Declared opaquely (defined in kernels/)
// so that this header does not pull the nn ops into every op family.
}  // namespace autograd
enum class Activation;
enum class Reduction : int;
struct ActParams;
namespace autograd {
void record_activation(Activation act, const ActParams& p, const Tensor& x, const Tensor& out);
void record_prelu(const Tensor& x, const Tensor& weight, const Tensor& out);
void record_softmax(const Tensor& x, const Tensor& out, int dim, bool is_log);
void record_dropout(const Tensor& x, const Tensor& mask, const Tensor& out);
// Class-index nll_loss; total_weight (0-dim, from the kernel) is the mean's divisor.
void record_nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction r,
                     int64_t ignore_index, const Tensor& total_weight, const Tensor& out);
// The backward of nll_loss_backward (linear in its grad): records a node that maps back to nll_loss.
void record_nll_loss_backward(const Tensor& grad, const Tensor& target, const Tensor& weight, Reduction r,
                              int64_t ignore_index, const Tensor& out);
// lse: each row's logsumexp from the forward kernel (no grad); prob: target holds class probabilities.
void record_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, const Tensor& lse,
                          Reduction r, int64_t ignore_index, double label_smoothing, const Tensor& total_weight,
                          bool prob, const Tensor& out);
void record_binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction r,
                                 const Tensor& out);
void record_binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                             const Tensor& pos_weight, Reduction r, const Tensor& out);

// conv (functions_conv.cpp): the 2-d convolution and its two gradient ops, each bilinear in its operands, so each
// one's backward is made of the other two. Operands are 4-d (1-d and unbatched convs arrive lifted).
}  // namespace autograd
struct Conv2dParams;
namespace autograd {
void record_conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& p,
                   const Tensor& out);
void record_conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Conv2dParams& p,
                                  const Tensor& out);
void record_conv2d_backward_weight(const Tensor& grad_out, const Tensor& input, const Conv2dParams& p,
                                   const Tensor& out);
// unfold / fold (col2im: the recorded op is fold); each is the other's backward.
}  // namespace autograd
struct ConvGeometry;
namespace autograd {
void record_fold(const Tensor& input, const ConvGeometry& g, bool col2im, const Tensor& out);
// pooling (functions_conv.cpp): indices (Max only, else null) are the forward's argmax positions; name is the
// node's (a string literal).
}  // namespace autograd
struct PoolGeometry;
namespace autograd {
void record_pool2d(const Tensor& input, const Tensor& indices, int spatial, const PoolGeometry& g, const char* name,
                   const Tensor& out);
void record_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Dims& input_sizes, int spatial,
                            const PoolGeometry& g, const char* name, const Tensor& out);

// norm (functions_norm.cpp): mean / invstd (rstd) are the forward kernel's saved statistics, seen by nothing
// else; normalized_ndim counts layer/rms norm's trailing dims.
void record_batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& mean,
                       const Tensor& invstd, bool training, double eps, const Tensor& out);
void record_row_norm(const Tensor& input, int normalized_ndim, const Tensor& weight, const Tensor& bias,
                     const Tensor& mean, const Tensor& rstd, double eps, bool rms, const Tensor& out);
void record_group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight, const Tensor& bias,
                       const Tensor& mean, const Tensor& rstd, double eps, const Tensor& out);
// embedding (functions_norm.cpp): padding_idx < 0 means none.
void record_embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx, bool scale_grad_by_freq,
                      const Tensor& out);
void record_embedding_backward(const Tensor& grad, const Tensor& indices, int64_t padding_idx,
                               bool scale_grad_by_freq, const Tensor& out);

}  // namespace autograd
}  // namespace pynn
