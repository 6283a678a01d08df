// measure_device_peaks (include/flopscope/peaks.h): the device checked, its table peaks, then measured ones.
#include <ATen/Context.h>

#include "flopscope/errors.h"
#include "flopscope/peaks.h"
#include "gpu/measured_peak.h"
#include "gpu/peak_table.h"

namespace flopscope {

DevicePeaks measure_device_peaks(const std::string& name) {
  c10::Device device(c10::kCUDA);
  try {
    device = c10::Device(name);
  } catch (const c10::Error&) {
    throw InvalidInput("unknown device '" + name + "' (use cuda or cuda:N)");
  }
  if (!device.is_cuda()) throw InvalidInput("flopscope peak measures a CUDA device; use --device cuda or cuda:N");
  require_cuda();
  if (!at::hasCUDA()) throw CudaUnavailable("CUDA was requested but this LibTorch has no CUDA support");
  const CudaStatus status = probe_cuda();
  const int index = device.has_index() ? device.index() : 0;
  const CudaDevice* probed = nullptr;
  for (const auto& d : status.devices)
    if (d.index == index) probed = &d;
  if (probed == nullptr) throw InvalidInput("no CUDA device " + std::to_string(index) + ": " + describe(status));
  return {*probed, gpu::table_peaks(*probed), gpu::measure_peaks(device)};
}

}  // namespace flopscope
