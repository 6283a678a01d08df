#include "cli/peak_command.h"

#include <iostream>

#include "flopscope/peaks.h"

namespace flopscope::cli {

int run_peak(const PeakArgs& args) {
  std::cout << render_peaks(measure_device_peaks(args.device), args.json);
  return 0;
}

}  // namespace flopscope::cli
