// Autograd of indexing ops and in-place writes through views (CopySlices), from C++.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "autograd/engine.h"
#include "autograd/node.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/indexing.h"
#include "ops/reduce.h"
#include "ops/shape.h"

using namespace pynn;

namespace {

Tensor leaf(const Dims& sizes, double value) {
  Tensor t = full(sizes, Scalar(value), ScalarType::Float64, pynn::Device{});
  autograd::meta(t).requires_grad = true;
  return t;
}

std::vector<double> grad_of(const Tensor& t) {
  Tensor g = contiguous(t->autograd_meta->grad);
  const double* p = g->data_ptr<double>();
  return std::vector<double>(p, p + g->numel());
}

Tensor longs(const std::vector<int64_t>& v) {
  Tensor t = empty(Dims{static_cast<int64_t>(v.size())}, ScalarType::Int64, pynn::Device{});
  for (size_t i = 0; i < v.size(); ++i) t->data_ptr<int64_t>()[i] = v[i];
  return t;
}

}  // namespace

TEST(AutogradIndexing, InplaceOnViewRebasesBaseHistory) {
  Tensor x = leaf(Dims{2, 3}, 1.0);
  Tensor y = binary(BinaryOp::Mul, x, wrap_scalar(Scalar(2.0)));
  Tensor row = select(y, 0, 0);
  binary_(BinaryOp::Mul, row, wrap_scalar(Scalar(3.0)));
  EXPECT_EQ(y->autograd_meta->grad_fn->name(), "CopySlices");
  EXPECT_EQ(row->autograd_meta->grad_fn->name(), "AsStridedBackward0");
  autograd::backward({sum(y)}, {}, false, false);
  EXPECT_EQ(grad_of(x), (std::vector<double>{6, 6, 6, 2, 2, 2}));
}

TEST(AutogradIndexing, ViewOfLeafRefusesInplace) {
  Tensor x = leaf(Dims{2, 3}, 1.0);
  try {
    binary_(BinaryOp::Add, narrow(x, 1, 0, 2), wrap_scalar(Scalar(1.0)));
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("a view of a leaf Variable that requires grad"), std::string::npos);
  }
}

TEST(AutogradIndexing, IndexBackwardAccumulatesDuplicates) {
  Tensor x = leaf(Dims{3}, 0.5);
  Tensor picked = index_tensors(x, {longs({0, 0, 1})});
  EXPECT_EQ(picked->autograd_meta->grad_fn->name(), "IndexBackward0");
  autograd::backward({sum(picked)}, {}, false, false);
  EXPECT_EQ(grad_of(x), (std::vector<double>{2, 1, 0}));
}
