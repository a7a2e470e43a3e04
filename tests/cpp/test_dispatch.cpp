// The kernel registry: device and CPU-capability selection, and the clean error for a device whose backend has no
// kernel. No GPU is needed: a fake CUDA allocator hands out host memory, so tensors can claim to live on cuda.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/cuda_hooks.h"
#include "core/dispatch.h"
#include "core/error.h"
#include "kernels/elementwise.h"
#include "kernels/norm.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/linalg.h"
#include "ops/norm.h"
#include "ops/reduce.h"
#include "ops/shape.h"
#include "test_util.h"

using namespace pynn;

namespace {

const Device kCuda{DeviceType::CUDA, 0};

struct HostMemoryAsCuda final : Allocator {
  void* allocate(size_t nbytes) override { return std::malloc(nbytes ? nbytes : 1); }
  void deallocate(void* ptr, size_t) override { std::free(ptr); }
};

// Registers the fake allocator for one test and puts back the one that was there (the real CUDA backend's in a
// CUDA build, none otherwise), so no other test sees the fake "cuda" backend.
class FakeCudaDevice : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = registered_allocator(DeviceType::CUDA);
    register_allocator(DeviceType::CUDA, &allocator_);
  }
  void TearDown() override { register_allocator(DeviceType::CUDA, saved_); }
  HostMemoryAsCuda allocator_;
  Allocator* saved_ = nullptr;
};

template <typename F>
std::string not_implemented_message(F f) {
  return pynn_test::message_of<NotImplementedError>(f);
}

using add_fn = int (*)(int, int);
PYNN_DECLARE_KERNEL(test_add_kernel, add_fn);
PYNN_DEFINE_KERNEL(test_add_kernel, "test_add");
int add_default(int a, int b) { return a + b; }
int add_avx2(int a, int b) { return a + b + 1000; }
int add_cuda(int a, int b) { return a + b + 2000; }

}  // namespace

TEST_F(FakeCudaDevice, OpsWithoutCudaKernelsRaiseNotImplemented) {
  // A CUDA build registers these kernels, which must not run on the fake device's host memory.
  if (unary_kernel.cuda) GTEST_SKIP() << "the CUDA backend is built";
  Tensor x = empty(Dims{2, 3}, ScalarType::Float32, kCuda);  // contents never read
  EXPECT_EQ(not_implemented_message([&] { full(Dims{2}, Scalar(1.0), ScalarType::Float32, kCuda); }),
            "[fill_] not implemented for cuda");
  EXPECT_EQ(x->device(), kCuda);
  EXPECT_EQ(not_implemented_message([&] { unary(UnaryOp::Neg, x); }), "[neg] not implemented for cuda");
  EXPECT_EQ(not_implemented_message([&] { unary(UnaryOp::Exp, x); }), "[exp] not implemented for cuda");
  EXPECT_EQ(not_implemented_message([&] { binary(BinaryOp::Add, x, x); }), "[add] not implemented for cuda");
  EXPECT_EQ(not_implemented_message([&] { binary(BinaryOp::Mul, x, wrap_scalar(Scalar(2.0))); }),
            "[mul] not implemented for cuda");
  EXPECT_EQ(not_implemented_message([&] { sum(x, {}, false, std::nullopt); }), "[sum] not implemented for cuda");
  EXPECT_EQ(not_implemented_message([&] { mm(x, transpose(x, 0, 1)); }), "[mm] not implemented for cuda");
  EXPECT_EQ(not_implemented_message([&] { clone(x); }), "[clone] not implemented for cuda");
  EXPECT_EQ(not_implemented_message([&] { item(x); }), "[item] not implemented for cuda");
}

// In a CUDA build too: a family without CUDA kernels names its op (contiguous input, so no CUDA copy kernel
// runs on the fake device's host memory first). Not on a GPU machine, where nothing may touch the fake memory.
TEST_F(FakeCudaDevice, FamiliesWithoutCudaKernelsNameTheOp) {
  if (cuda_hooks().device_count() > 0) GTEST_SKIP() << "a GPU is present";
  if (group_norm_kernel.cuda) GTEST_SKIP() << "group_norm has a CUDA kernel";
  Tensor x = empty(Dims{2, 4, 3}, ScalarType::Float32, kCuda);
  EXPECT_EQ(not_implemented_message([&] { group_norm(x, 2, nullptr, nullptr, 1e-5); }),
            "[group_norm] not implemented for cuda");
}

TEST_F(FakeCudaDevice, MixedDevicesRaiseTorchsError) {
  Tensor c = empty(Dims{3}, ScalarType::Float32, kCuda);
  Tensor h = pynn_test::from_vec<float>({1, 2, 3}, Dims{3}, ScalarType::Float32);
  try {
    binary(BinaryOp::Add, h, c);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("Expected all tensors to be on the same device"), std::string::npos)
        << e.what();
  }
}

TEST(Dispatch, NoCudaBackendMeansNoCudaTensors) {
  if (cuda_hooks().device_count() > 0) GTEST_SKIP() << "a GPU is present";
  if (!cuda_hooks().compiled()) {
    EXPECT_THROW(empty(Dims{2}, ScalarType::Float32, kCuda), NotImplementedError);
    return;
  }
  // Built with CUDA on a machine without a GPU: a RuntimeError that says why, never a crash.
  try {
    empty(Dims{2}, ScalarType::Float32, kCuda);
    FAIL() << "expected an error";
  } catch (const NotImplementedError& e) {
    FAIL() << e.what();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("[empty]"), std::string::npos) << e.what();
  }
}

TEST(Dispatch, StubPicksDeviceAndBestRegisteredCapability) {
  const CpuCapability saved = cpu_capability();
  test_add_kernel.set(KernelSlot::CPU_DEFAULT, add_default);
  EXPECT_EQ(test_add_kernel(Device{}, 1, 2), 3);
  EXPECT_THROW(test_add_kernel(kCuda, 1, 2), NotImplementedError);
  test_add_kernel.set(KernelSlot::CUDA, add_cuda);
  EXPECT_EQ(test_add_kernel(kCuda, 1, 2), 2003);

  test_add_kernel.set(KernelSlot::CPU_AVX2, add_avx2);
  if (cpu_capability_supported() >= CpuCapability::AVX2) {
    set_cpu_capability(CpuCapability::AVX2);
    EXPECT_EQ(test_add_kernel(Device{}, 1, 2), 1003);
    if (cpu_capability_supported() >= CpuCapability::AVX512) {
      set_cpu_capability(CpuCapability::AVX512);  // no AVX-512 entry: falls back to the AVX2 one
      EXPECT_EQ(test_add_kernel(Device{}, 1, 2), 1003);
    }
  }
  set_cpu_capability(CpuCapability::Default);
  EXPECT_EQ(test_add_kernel(Device{}, 1, 2), 3);
  set_cpu_capability(saved);
}

TEST(Dispatch, CapabilityNamesAndLimits) {
  EXPECT_EQ(parse_cpu_capability("avx2"), CpuCapability::AVX2);
  EXPECT_STREQ(capability_name(CpuCapability::AVX512), "avx512");
  EXPECT_THROW(parse_cpu_capability("sse9"), ValueError);
  if (cpu_capability_supported() < CpuCapability::AVX512)
    EXPECT_THROW(set_cpu_capability(CpuCapability::AVX512), ValueError);
}

// Every registered family has a kernel for every capability this CPU supports: the per-ISA builds register.
TEST(Dispatch, IsaBuildsRegisterEachCapability) {
  for (int c = 0; c <= static_cast<int>(cpu_capability_supported()); ++c) {
    if (!(PYNN_BUILT_CPU_CAPABILITIES & (1 << c))) {  // a build without this capability's copies falls back
      EXPECT_EQ(unary_kernel.cpu[c], nullptr) << capability_name(static_cast<CpuCapability>(c));
      continue;
    }
    EXPECT_NE(unary_kernel.cpu[c], nullptr) << capability_name(static_cast<CpuCapability>(c));
    EXPECT_NE(binary_kernel.cpu[c], nullptr) << capability_name(static_cast<CpuCapability>(c));
  }
  EXPECT_NE(unary_kernel.at(Device{}), nullptr);
}
