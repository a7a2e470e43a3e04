#include "cuda_hooks.h"

#include "error.h"

namespace pynn {
namespace {
const CudaHooks* g_hooks = nullptr;

[[noreturn]] void no_cuda(const char* op) {
  throw NotImplementedError(str("[", op, "] not implemented for cuda"));
}
}  // namespace

void CudaHooks::set_device(int) const { no_cuda("set_device"); }
std::string CudaHooks::device_name(int) const { no_cuda("get_device_name"); }
void CudaHooks::copy_to_host(void*, const void*, size_t) const { no_cuda("item"); }

const CudaHooks& cuda_hooks() {
  static const CudaHooks defaults;
  return g_hooks ? *g_hooks : defaults;
}

void register_cuda_hooks(const CudaHooks* hooks) { g_hooks = hooks; }

Device resolve_device(Device d) {
  if (d.type == DeviceType::CUDA && d.index < 0) d.index = cuda_hooks().current_device();
  return d;
}

}  // namespace pynn
