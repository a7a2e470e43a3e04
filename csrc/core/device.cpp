#include "device.h"

#include <cctype>

#include "error.h"

namespace pynn {

std::string Device::str() const {
  std::string s = type == DeviceType::CPU ? "cpu" : "cuda";
  if (index >= 0) s += ":" + std::to_string(index);
  return s;
}

Device parse_device(const std::string& spec) {
  Device d;
  std::string kind = spec;
  auto colon = spec.find(':');
  if (colon != std::string::npos) {
    kind = spec.substr(0, colon);
    std::string idx = spec.substr(colon + 1);
    bool ok = !idx.empty() && idx.size() < 6;
    for (char c : idx) ok = ok && std::isdigit(static_cast<unsigned char>(c));
    if (!ok) throw std::runtime_error(str("Invalid device string: '", spec, "'"));
    d.index = std::stoi(idx);
  }
  if (kind == "cpu") d.type = DeviceType::CPU;
  else if (kind == "cuda") d.type = DeviceType::CUDA;
  else
    throw std::runtime_error(str("Expected one of cpu, cuda device type at start of device string: ", spec));
  return d;
}

}  // namespace pynn
