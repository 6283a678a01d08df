// One bare forward or one analysis of a TorchScript model in a fresh process, and what it cost in time and
// peak resident memory (bench/scaling.py compares the two modes at 10^2..10^5 ops).
//
//   build/bench/flopscope_peak_memory MODEL.pt 1,4 forward|analysis [RUNS]
//
// Prints one JSON line: mode, seconds (each of RUNS runs, default 1; the first is cold), rss_before_mib
// (model loaded, input made), peak_rss_mib (VmHWM over all runs).
#include <c10/core/GradMode.h>
#include <torch/script.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "bench_support.h"
#include "flopscope/complexity.h"

namespace {

// A field of /proc/self/status in MiB ("VmRSS", "VmHWM").
double status_mib(const std::string& key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: %s MODEL.pt SHAPE(e.g. 1,3,224,224) forward|analysis [RUNS]\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[3];
  if (mode != "forward" && mode != "analysis") {
    std::fprintf(stderr, "mode must be forward or analysis, not '%s'\n", argv[3]);
    return 2;
  }
  try {
    auto loaded = flopscope::bench::load_with_input(argv[1], argv[2]);
    auto& model = loaded.model;
    const auto& input = loaded.input;
    const int runs = argc == 5 ? std::stoi(argv[4]) : 1;
    const double before = status_mib("VmRSS");
    std::string seconds;
    for (int i = 0; i < runs; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      if (mode == "forward") {
        c10::NoGradGuard no_grad;
        model.forward(input);
      } else {
        flopscope::Options options;
        options.inputs = input;
        flopscope::analyze(model, options);
      }
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      seconds += (i ? ", " : "") + std::to_string(s);
    }
    std::printf("{\"mode\": \"%s\", \"seconds\": [%s], \"rss_before_mib\": %.1f, \"peak_rss_mib\": %.1f}\n",
                mode.c_str(), seconds.c_str(), before, status_mib("VmHWM"));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  return 0;
}
