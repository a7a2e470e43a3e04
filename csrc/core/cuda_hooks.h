// What the rest of pynn asks of the CUDA backend, without linking against it: csrc/cuda registers its hooks at
// load; a build without CUDA (or before registration) keeps these defaults. Nothing here touches the driver, so
// importing pynn on a machine without a GPU or without libcuda never fails; a query returns 0 / false and an
// allocation raises a RuntimeError that says why.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "device.h"

namespace pynn {

struct CudaHooks {
  virtual ~CudaHooks() = default;
  virtual bool compiled() const { return false; }
  // 0 when there is no driver or no GPU: never raises.
  virtual int device_count() const { return 0; }
  // Why device_count() is 0, for the error a CUDA allocation raises.
  virtual std::string unavailable_reason() const { return "pynn was built without CUDA support"; }
  virtual int current_device() const { return 0; }
  virtual void set_device(int index) const;
  virtual void synchronize(int index) const {}
  virtual std::string device_name(int index) const;
  // Blocking copy of n bytes from device memory to host memory (item(), printing a device scalar).
  virtual void copy_to_host(void* dst, const void* src, size_t n) const;
  // The caching allocator's counters (bytes); the defaults are 0 like torch's on a machine without CUDA.
  virtual void empty_cache() const {}
  virtual int64_t memory_allocated(int index) const { return 0; }
  virtual int64_t max_memory_allocated(int index) const { return 0; }
  virtual int64_t memory_reserved(int index) const { return 0; }
  virtual void reset_peak_memory_stats(int index) const {}
  // Where cuBLAS is loaded from (the nvidia-cublas wheel's lib folder, found by Python); "" keeps the default
  // search (the toolkit path known at build time, then the loader's).
  virtual void set_cublas_path(const std::string& path) const {}
  // Whether cuBLAS could be opened (GEMMs then go to it); false runs the tiled reference kernel.
  virtual bool cublas_loaded() const { return false; }
  // Tests: force the tiled reference GEMM kernel (on) or go back to cuBLAS (off). PYNN_CUDA_REFERENCE_GEMM=1 too.
  virtual void use_reference_gemm(bool on) const {}
};

const CudaHooks& cuda_hooks();
void register_cuda_hooks(const CudaHooks* hooks);  // the backend keeps ownership
// cuda without an index means the current device, as a tensor reports it ("cuda:0"); other devices unchanged.
Device resolve_device(Device d);

}  // namespace pynn
