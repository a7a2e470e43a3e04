// Indexing families' kernel registry entries: every stub has a CPU kernel and names its op when a backend has
// none, and the kernels themselves check index values (the ops no longer scan index memory on the host).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/indexing.h"
#include "kernels/join.h"
#include "kernels/scatter_gather.h"
#include "kernels/sort.h"
#include "test_util.h"

using namespace pynn;
using pynn_test::from_vec;

using pynn_test::message_of;

namespace {

const Device kCuda{DeviceType::CUDA, 0};

template <typename Stub>
void expect_cpu_only(const Stub& stub, const char* op) {
  EXPECT_NE(stub.at(Device{}, op), nullptr);
  try {
    stub.at(kCuda, op);
    FAIL() << op << ": expected NotImplementedError";
  } catch (const NotImplementedError& e) {
    EXPECT_EQ(std::string(e.what()), std::string("[") + op + "] not implemented for cuda");
  }
}


}  // namespace

TEST(IndexingKernels, EveryStubHasACpuKernelAndNamesItsOp) {
  expect_cpu_only(index_take_kernel, "index");
  expect_cpu_only(index_put_kernel, "index_put_");
  expect_cpu_only(gather_kernel, "gather");
  expect_cpu_only(scatter_kernel, "scatter_");
  expect_cpu_only(scatter_fill_kernel, "scatter");
  expect_cpu_only(masked_fill_kernel, "masked_fill_");
  expect_cpu_only(count_nonzero_kernel, "nonzero");
  expect_cpu_only(nonzero_kernel, "nonzero");
  expect_cpu_only(masked_select_kernel, "masked_select");
  expect_cpu_only(sort_rows_kernel, "sort");
  expect_cpu_only(triangle_mask_kernel, "tril");
}

TEST(IndexingKernels, GatherChecksEachIndexItReads) {
  Tensor x = from_vec<float>({0, 1, 2, 3, 4, 5}, Dims{2, 3}, ScalarType::Float32);
  Tensor index = from_vec<int64_t>({0, 2, 3, 1}, Dims{2, 2}, ScalarType::Int64);
  Tensor out = empty(Dims{2, 2}, ScalarType::Float32, Device{});
  EXPECT_EQ(message_of<std::runtime_error>([&] { gather_kernel(Device{}, out, x, 1, index, "gather"); }),
            "[gather] index 3 is out of bounds for dimension 1 with size 3");
}

TEST(IndexingKernels, ScatterWithABadIndexWritesNothing) {
  Tensor self = from_vec<float>({0, 0, 0, 0, 0, 0}, Dims{2, 3}, ScalarType::Float32);
  Tensor index = from_vec<int64_t>({0, 1, -1}, Dims{1, 3}, ScalarType::Int64);  // the bad one comes last
  Tensor src = from_vec<float>({7, 7, 7}, Dims{1, 3}, ScalarType::Float32);
  const std::string msg = "[scatter_] index -1 is out of bounds for dimension 1 with size 3";
  EXPECT_EQ(message_of<std::runtime_error>([&] { scatter_kernel(Device{}, self, 1, index, src, true, "scatter_"); }),
            msg);
  EXPECT_EQ(message_of<std::runtime_error>(
                [&] { scatter_fill_kernel(Device{}, self, 1, index, Scalar(7.0), "scatter_"); }),
            msg);
  const float* p = self->data_ptr<float>();
  EXPECT_EQ(std::vector<float>(p, p + 6), std::vector<float>(6, 0.0f));
}

TEST(IndexingKernels, AdvancedIndexChecksAndWrapsValues) {
  Tensor src = from_vec<float>({0, 1, 2, 3, 4, 5}, Dims{2, 3}, ScalarType::Float32);
  AdvancedIndexGeom g;
  g.outer_offsets = {0, 3};  // rows
  IndexedDim cols;
  cols.index = from_vec<int64_t>({-1, 0}, Dims{2}, ScalarType::Int64);
  cols.dim = 1;
  cols.size = 3;
  cols.stride = 1;
  g.indexed.push_back(cols);
  g.index_numel = 2;
  g.inner_offsets = {0};
  Tensor out = empty(Dims{2, 2}, ScalarType::Float32, Device{});
  index_take_kernel(Device{}, out, src, g);
  const float* o = out->data_ptr<float>();
  EXPECT_EQ(std::vector<float>(o, o + 4), (std::vector<float>{2, 0, 5, 3}));

  g.wrap_negative = false;
  g.op = "index_select";
  EXPECT_EQ(message_of<IndexError>([&] { index_take_kernel(Device{}, out, src, g); }),
            "[index_select] index -1 is out of bounds for dimension 1 with size 3");

  g.wrap_negative = true;
  g.op = "index_put_";
  g.indexed[0].index = from_vec<int64_t>({1, 3}, Dims{2}, ScalarType::Int64);
  Tensor values = from_vec<float>({9, 9, 9, 9}, Dims{2, 2}, ScalarType::Float32);
  EXPECT_EQ(message_of<IndexError>([&] { index_put_kernel(Device{}, src, values, g, false); }),
            "[index_put_] index 3 is out of bounds for dimension 1 with size 3");
  const float* s = src->data_ptr<float>();
  EXPECT_EQ(std::vector<float>(s, s + 6), (std::vector<float>{0, 1, 2, 3, 4, 5}));  // nothing written
}
