#pragma once
// `flopscope peak`: the device's peaks, from the datasheet table and measured with large matrix products.
#include <string>

namespace flopscope::cli {

struct PeakArgs {
  std::string device = "cuda";
  bool json = false;
};

/// Prints each precision class's table and measured peak and their ratio; exit 2 without a CUDA device.
int run_peak(const PeakArgs& args);

}  // namespace flopscope::cli
