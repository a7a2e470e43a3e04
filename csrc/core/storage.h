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
  Allocator* allocator = nullptr;      // made the block; null for wrapped memory
  std::function<void(void*)> deleter;  // wrapped memory: drops the owner's reference
  uint64_t version = 0;

  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage() {
    if (allocator) allocator->deallocate(data, nbytes);
    else if (deleter) deleter(data);
  }

  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device) {
    Allocator* a = allocator_for(device);
    auto s = std::make_shared<Storage>();
    s->data = a->allocate(nbytes);
    s->nbytes = nbytes;
    s->device = device;
    s->allocator = a;
    return s;
  }
  // Wraps CPU memory owned elsewhere (numpy); `deleter` drops the owner's reference.
  static std::shared_ptr<Storage> wrap(void* data, size_t nbytes, std::function<void(void*)> deleter) {
    auto s = std::make_shared<Storage>();
    s->data = data;
    s->nbytes = nbytes;
    s->deleter = std::move(deleter);
    return s;
  }
};

}  // namespace pynn
