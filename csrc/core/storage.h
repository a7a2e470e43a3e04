// A block of memory shared by a tensor and all its views. The version counter lives here because
// every view of a storage must observe in-place writes made through any other view.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>

#include "allocator.h"
#include "device.h"

namespace pynn {

struct Storage {
  void* data = nullptr;
  size_t nbytes = 0;
  Device device;
  std::function<void(void*)> deleter;  // empty: memory came from cpu_alloc
  uint64_t version = 0;

  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage() {
    if (deleter) deleter(data);
    else if (device.is_cpu()) cpu_free(data, nbytes);
  }

  static std::shared_ptr<Storage> allocate_cpu(size_t nbytes) {
    auto s = std::make_shared<Storage>();
    s->data = cpu_alloc(nbytes);
    s->nbytes = nbytes;
    return s;
  }
  // Wraps memory owned elsewhere (numpy); `deleter` drops the owner's reference.
  static std::shared_ptr<Storage> wrap(void* data, size_t nbytes, std::function<void(void*)> deleter) {
    auto s = std::make_shared<Storage>();
    s->data = data;
    s->nbytes = nbytes;
    s->deleter = std::move(deleter);
    return s;
  }
};

}  // namespace pynn
