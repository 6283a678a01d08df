// Shape-only analysis against the bare CPU forward it replaces, on the same TorchScript model in the same
// iteration, with the full CPU analysis alongside:
//
//   build/bench/flopscope_shape_only_bench [--benchmark_min_time=2s] [MODEL.pt C,H,W]
//
// MODEL defaults to the fixture ResNet-50 (build/fixtures/resnet50_scripted.pt, made by ctest's make_fixtures).
// Counters: forward_ms (bare forward, no grad), shape_only_ms, cpu_analysis_ms, and their ratios; the target of
// issue 7 is shape_only/forward <= 0.10.
#include <benchmark/benchmark.h>

#include <ATen/ops/randn.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/jit/serialization/import.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "flopscope/complexity.h"

namespace {

std::string g_model = "build/fixtures/resnet50_scripted.pt";
std::vector<std::int64_t> g_shape = {3, 224, 224};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void shape_only_over_forward(benchmark::State& state) {
  torch::jit::Module model = torch::jit::load(g_model);
  model.eval();
  flopscope::Options options;
  options.input_shape = flopscope::InputShape(g_shape);
  flopscope::Options meta = options;
  meta.shape_only = true;
  std::vector<std::int64_t> full{1};
  full.insert(full.end(), g_shape.begin(), g_shape.end());
  std::vector<c10::IValue> input{at::randn(full)};
  {  // the first forward of a TorchScript module compiles its graph: not part of either figure
    c10::NoGradGuard no_grad;
    model.forward(input);
    flopscope::analyze(model, meta);
  }
  double forward_s = 0, shape_only_s = 0, analysis_s = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    {
      c10::NoGradGuard no_grad;
      benchmark::DoNotOptimize(model.forward(input));
    }
    forward_s += seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    auto info = flopscope::analyze(model, meta);
    benchmark::DoNotOptimize(info.flops);
    shape_only_s += seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    auto full_info = flopscope::analyze(model, options);
    benchmark::DoNotOptimize(full_info.flops);
    analysis_s += seconds_since(t0);
    if (info.out_table != full_info.out_table || info.out_arch != full_info.out_arch)
      state.SkipWithError("the shape-only report differs from the CPU analysis");
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["forward_ms"] = benchmark::Counter(1e3 * forward_s / n);
  state.counters["shape_only_ms"] = benchmark::Counter(1e3 * shape_only_s / n);
  state.counters["cpu_analysis_ms"] = benchmark::Counter(1e3 * analysis_s / n);
  state.counters["shape_only/forward"] = benchmark::Counter(shape_only_s / forward_s);
  state.counters["cpu_analysis/shape_only"] = benchmark::Counter(analysis_s / shape_only_s);
}

BENCHMARK(shape_only_over_forward)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc >= 2) g_model = argv[1];
  if (argc >= 3) {
    g_shape.clear();
    std::stringstream dims(argv[2]);
    for (std::string d; std::getline(dims, d, ',');) g_shape.push_back(std::stoll(d));
  }
  std::cerr << "model " << g_model << "\n";
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
