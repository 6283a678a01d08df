#include "flopscope/device.h"
#include "flopscope/errors.h"

namespace flopscope {

std::string describe(const CudaStatus& s) {
  if (!s.available) return "no CUDA device: " + s.reason;
  std::string out = "CUDA: " + std::to_string(s.devices.size()) + " device(s)";
  for (const auto& d : s.devices)
    out += "; cuda:" + std::to_string(d.index) + " " + d.name + " (sm_" + std::to_string(d.sm_major) +
           std::to_string(d.sm_minor) + ", " + std::to_string(d.multiprocessors) + " SMs)";
  return out;
}

void require_cuda() {
  CudaStatus status = probe_cuda();
  if (!status.available)
    throw CudaUnavailable("CUDA was requested but " + describe(status) + "; run on a GPU node or use device cpu");
  load_torch_cuda();
}

}  // namespace flopscope
