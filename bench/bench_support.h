#pragma once
// What the benchmarks share: the models written by bench/make_bench_models.py, a steady clock, a count of the
// ops a forward runs, and a model with its input named on a command line.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <torch/csrc/jit/api/module.h>

namespace flopscope::bench {

/// Where make_bench_models.py wrote the models (build/bench-models unless FLOPSCOPE_BENCH_MODELS says).
std::string models_dir();

/// The model `name` ("resnet50.pt"), or nullopt with `why` set when it was not made yet.
std::optional<torch::jit::Module> load_model(const std::string& name, std::string& why);

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// CPU seconds used by the whole process so far (all threads). On a shared machine the wall clock also
/// counts other people's work; CPU time counts only ours.
double process_cpu_seconds();

/// Wall and CPU time of a stretch of code, summed over calls.
struct Stopwatch {
  double wall = 0, cpu = 0;
  template <class F>
  void time(F&& f) {
    const double c0 = process_cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    f();
    wall += seconds_since(t0);
    cpu += process_cpu_seconds() - c0;
  }
};

/// A TorchScript model, in eval mode, and one random float input of a shape given as text ("1,3,224,224"): what
/// the one-model programs (peak_memory, instructions) take on their command lines.
struct ModelAndInput {
  torch::jit::Module model;
  std::vector<c10::IValue> input;
};
ModelAndInput load_with_input(const std::string& path, const std::string& shape);

/// How many ops (RecordFunction FUNCTION records, nested ones included) `run` executes on this thread.
std::int64_t count_ops(const std::function<void()>& run);

}  // namespace flopscope::bench
