// What an analysis costs next to the forward it needs: both are timed in the same iteration, on the same
// model and input, and the ratio is reported as a counter.
//
//   build/bench/flopscope_bench --benchmark_filter=analysis_over_forward --benchmark_min_time=2s
#include <benchmark/benchmark.h>

#include <ATen/ops/randn.h>
#include <ATen/record_function.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/jit/runtime/graph_executor.h>

#include "bench_support.h"
#include "flopscope/models.h"

namespace flopscope::bench {
namespace {

// Per iteration: wall and CPU milliseconds of each, and their ratios.
void report(benchmark::State& state, const Stopwatch& fwd, const Stopwatch& ana) {
  const auto n = static_cast<double>(state.iterations());
  state.counters["forward_ms"] = 1e3 * fwd.wall / n;
  state.counters["analysis_ms"] = 1e3 * ana.wall / n;
  state.counters["analysis/forward"] = ana.wall / fwd.wall;
  state.counters["cpu_forward_ms"] = 1e3 * fwd.cpu / n;
  state.counters["cpu_analysis_ms"] = 1e3 * ana.cpu / n;
  state.counters["cpu_analysis/forward"] = ana.cpu / fwd.cpu;
}

// A TorchScript model from bench/make_bench_models.py: its bare forward (no_grad, default executor,
// warmed up) against flopscope::analyze of the same module and input, table and arch included.
void torchscript(benchmark::State& state, const char* file, std::vector<std::int64_t> shape) {
  std::string why;
  auto model = load_model(file, why);
  if (!model) return state.SkipWithError(why.c_str());
  std::vector<c10::IValue> input{at::randn(shape)};
  Options options;
  options.inputs = input;
  auto forward = [&] {
    c10::NoGradGuard no_grad;
    model->forward(input);
  };
  for (int i = 0; i < 2; ++i) forward();  // the profiling executor's first runs are not representative
  flopscope::analyze(*model, options);
  Stopwatch fwd, ana;
  for (auto _ : state) {
    fwd.time(forward);
    ana.time([&] { benchmark::DoNotOptimize(flopscope::analyze(*model, options).flops); });
  }
  report(state, fwd, ana);
}

BENCHMARK_CAPTURE(torchscript, resnet50_b1, "resnet50.pt", {1, 3, 224, 224})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(torchscript, resnet50_b8, "resnet50.pt", {8, 3, 224, 224})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(torchscript, vit_b_16_b1, "vit_b_16.pt", {1, 3, 224, 224})->Unit(benchmark::kMillisecond);

// Where an analysis's extra time goes, each part over the bare forward in the same iteration:
//  plain_interpreter   the forward with graph optimisation off, as the analysis runs it
//  noop_callback       that forward under a RecordFunction callback that boxes inputs and outputs and does
//                      nothing: the dispatcher's own cost of being observed
//  no_reports          flopscope::analyze without table and arch
//  full                flopscope::analyze with table and arch
void breakdown(benchmark::State& state, const char* file, std::vector<std::int64_t> shape) {
  std::string why;
  auto model = load_model(file, why);
  if (!model) return state.SkipWithError(why.c_str());
  std::vector<c10::IValue> input{at::randn(shape)};
  Options full, bare_options;
  full.inputs = input;
  bare_options = full;
  bare_options.show_table = bare_options.show_arch = false;
  auto forward = [&] {
    c10::NoGradGuard no_grad;
    model->forward(input);
  };
  auto plain = [&] {
    torch::jit::GraphOptimizerEnabledGuard off(false);
    forward();
  };
  auto observed = [&] {
    auto handle = at::addThreadLocalCallback(
        at::RecordFunctionCallback([](const at::RecordFunction&) -> std::unique_ptr<at::ObserverContext> {
          return nullptr;
        }).needsInputs(true).needsOutputs(true).needsIds(true).scopes({at::RecordScope::FUNCTION}));
    plain();
    at::removeCallback(handle);
  };
  for (int i = 0; i < 2; ++i) {
    forward();
    observed();
  }
  Stopwatch fwd, unopt, cb, norep, all;
  for (auto _ : state) {
    fwd.time(forward);
    unopt.time(plain);
    cb.time(observed);
    norep.time([&] { flopscope::analyze(*model, bare_options); });
    all.time([&] { flopscope::analyze(*model, full); });
  }
  state.counters["cpu_forward_ms"] = 1e3 * fwd.cpu / static_cast<double>(state.iterations());
  state.counters["plain_interpreter"] = unopt.cpu / fwd.cpu;
  state.counters["noop_callback"] = cb.cpu / fwd.cpu;
  state.counters["no_reports"] = norep.cpu / fwd.cpu;
  state.counters["full"] = all.cpu / fwd.cpu;
}

BENCHMARK_CAPTURE(breakdown, resnet50_b1, "resnet50.pt", {1, 3, 224, 224})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(breakdown, vit_b_16_b1, "vit_b_16.pt", {1, 3, 224, 224})->Unit(benchmark::kMillisecond);

// The built-in C++ frontend ResNet-50 and TestNet (no model file needed).
void builtin(benchmark::State& state, const char* name, InputShape shape) {
  auto model = models::make_builtin(name);
  model.module->eval();
  Options options;
  options.input_shape = shape;
  std::vector<std::int64_t> full{1};
  full.insert(full.end(), shape.shapes()[0].begin(), shape.shapes()[0].end());
  std::vector<c10::IValue> input{at::randn(full)};
  Stopwatch fwd, ana;
  for (auto _ : state) {
    fwd.time([&] {
      c10::NoGradGuard no_grad;
      model.forward(input);
    });
    ana.time([&] { benchmark::DoNotOptimize(flopscope::analyze(*model.module, model.forward, options).flops); });
  }
  report(state, fwd, ana);
}

BENCHMARK_CAPTURE(builtin, cpp_resnet50, "resnet50", InputShape{3, 224, 224})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(builtin, cpp_testnet, "testnet", InputShape{10})->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace flopscope::bench

BENCHMARK_MAIN();
