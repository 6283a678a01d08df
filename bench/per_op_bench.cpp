// The cost of capture + counting per op, above the bare op: a model of N tiny top-level ops (a 4x4
// matmul and an add per block, bench/make_bench_models.py), analysed and run bare in the same iteration.
// per_op_us = (analysis - forward) / recorded ops (wall; cpu_per_op_us in process CPU time); Google Benchmark's BigO line fits the analysis time to
// N, and the per-op figure staying flat from 10^2 to 10^5 ops is the linearity check.
//
//   build/bench/flopscope_bench --benchmark_filter=tiny_ops
#include <benchmark/benchmark.h>

#include <ATen/ops/randn.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/jit/runtime/graph_executor.h>

#include "bench_support.h"
#include "flopscope/complexity.h"

namespace flopscope::bench {
namespace {

void tiny_ops(benchmark::State& state) {
  const auto n = state.range(0);
  std::string why;
  auto model = load_model("tiny_ops_" + std::to_string(n) + ".pt", why);
  if (!model) return state.SkipWithError(why.c_str());
  std::vector<c10::IValue> input{at::randn({1, 4})};
  Options options;
  options.inputs = input;
  options.show_arch = false;  // the report of 50 blocks is not what is measured here
  options.show_table = false;
  auto forward = [&] {
    c10::NoGradGuard no_grad;
    model->forward(input);
  };
  for (int i = 0; i < 2; ++i) forward();
  const std::int64_t recorded = count_ops(forward);
  flopscope::analyze(*model, options);
  // What the analysis's forward itself costs: it runs a fresh clone of the model's methods, unoptimised
  // (torchscript_source.cpp), whose first call builds a plan of its own, where the bare forward reuses a warm one.
  auto clone_forward = [&] {
    c10::NoGradGuard no_grad;
    torch::jit::GraphOptimizerEnabledGuard no_optimisation{false};  // as the analysis runs it
    torch::jit::Module run = model->clone(/*inplace=*/true);
    run.forward(input);
  };
  Stopwatch fwd, cloned, ana;
  for (auto _ : state) {
    fwd.time(forward);
    cloned.time(clone_forward);
    ana.time([&] { benchmark::DoNotOptimize(flopscope::analyze(*model, options).flops); });
  }
  const auto iterations = static_cast<double>(state.iterations());
  const auto ops = static_cast<double>(recorded);
  state.SetComplexityN(n);
  state.counters["ops"] = ops;
  state.counters["forward_ms"] = 1e3 * fwd.wall / iterations;
  state.counters["analysis_ms"] = 1e3 * ana.wall / iterations;
  state.counters["clone_forward_ms"] = 1e3 * cloned.wall / iterations;
  state.counters["per_op_us"] = 1e6 * (ana.wall - fwd.wall) / iterations / ops;
  state.counters["cpu_per_op_us"] = 1e6 * (ana.cpu - fwd.cpu) / iterations / ops;
  state.counters["cpu_analysis/forward"] = ana.cpu / fwd.cpu;
}

BENCHMARK(tiny_ops)->Arg(100)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond)->Complexity(benchmark::oN);

}  // namespace
}  // namespace flopscope::bench
