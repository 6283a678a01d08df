// What an analysis costs next to the forward it needs: both are timed in the same iteration, on the same
// model and input, and the ratio is reported as a counter.
//
//   build/bench/flopscope_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <ATen/ops/randn.h>
#include <c10/core/GradMode.h>

#include <chrono>

#include "flopscope/models.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void analysis_over_forward(benchmark::State& state, const char* model, flopscope::InputShape shape) {
  auto builtin = flopscope::models::make_builtin(model);
  builtin.module->eval();
  flopscope::Options options;
  options.input_shape = shape;
  std::vector<std::int64_t> full{1};
  full.insert(full.end(), shape.shapes()[0].begin(), shape.shapes()[0].end());
  std::vector<c10::IValue> input{at::randn(full)};
  double forward_s = 0, analysis_s = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    {
      c10::NoGradGuard no_grad;
      builtin.forward(input);
    }
    forward_s += seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    auto info = flopscope::analyze(*builtin.module, builtin.forward, options);
    benchmark::DoNotOptimize(info.flops);
    analysis_s += seconds_since(t0);
  }
  state.counters["forward_ms"] = benchmark::Counter(1e3 * forward_s / state.iterations());
  state.counters["analysis_ms"] = benchmark::Counter(1e3 * analysis_s / state.iterations());
  state.counters["analysis/forward"] = benchmark::Counter(analysis_s / forward_s);
}

BENCHMARK_CAPTURE(analysis_over_forward, resnet50, "resnet50", flopscope::InputShape{3, 224, 224})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(analysis_over_forward, testnet, "testnet", flopscope::InputShape{10})
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
