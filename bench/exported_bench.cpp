// Graph mode on torch.export archives: what an analysis from the graph costs, next to the forward it replaces.
//
//   build/bench/flopscope_bench --benchmark_filter=exported --benchmark_min_time=2s
//
// exported/resnet50: per iteration, the traced ResNet-50's bare CPU forward (no_grad, batch 1), a graph-mode
// analysis of its export read from the file (archive, graph JSON, module tree, counting, table and arch), and
// the analysis of the archive loaded once (as the TorchScript benchmarks analyse a loaded module); the ratios
// are counters. exported/llama7b_meta: a 6.7B-parameter decoder's archive read and analysed at sequence
// lengths 128 and 4096, its weights never read (bench/make_bench_models.py exports it on the meta device).
#include <benchmark/benchmark.h>

#include <ATen/ops/randn.h>
#include <c10/core/GradMode.h>

#include "bench_support.h"
#include "flopscope/exported.h"

namespace flopscope::bench {
namespace {

void exported_resnet50(benchmark::State& state) {
  std::string why;
  auto model = load_model("resnet50.pt", why);
  if (!model) return state.SkipWithError(why.c_str());
  const std::string archive = models_dir() + "/resnet50.pt2";
  std::vector<c10::IValue> input{at::randn({1, 3, 224, 224})};
  auto forward = [&] {
    c10::NoGradGuard no_grad;
    model->forward(input);
  };
  for (int i = 0; i < 2; ++i) forward();
  const ExportedModel loaded = ExportedModel::load(archive);
  Stopwatch fwd, from_file, analysis;
  for (auto _ : state) {
    fwd.time(forward);
    from_file.time([&] { benchmark::DoNotOptimize(analyze(ExportedModel::load(archive), Options{}).flops); });
    analysis.time([&] { benchmark::DoNotOptimize(analyze(loaded, Options{}).flops); });
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["forward_ms"] = 1e3 * fwd.wall / n;
  state.counters["from_file_ms"] = 1e3 * from_file.wall / n;
  state.counters["from_file/forward"] = from_file.wall / fwd.wall;
  state.counters["analysis_ms"] = 1e3 * analysis.wall / n;
  state.counters["analysis/forward"] = analysis.wall / fwd.wall;
}
BENCHMARK(exported_resnet50)->Name("exported/resnet50")->Unit(benchmark::kMillisecond);

void exported_llama7b(benchmark::State& state) {
  const std::string archive = models_dir() + "/llama7b_meta.pt2";
  Options o;
  for (auto _ : state) {
    try {
      const ExportedModel model = ExportedModel::load(archive);
      benchmark::DoNotOptimize(analyze(model, o, {{"input_ids.1", 128}}).flops);
      benchmark::DoNotOptimize(analyze(model, o, {{"input_ids.1", 4096}}).flops);
    } catch (const std::exception& e) {
      return state.SkipWithError(e.what());
    }
  }
}
BENCHMARK(exported_llama7b)->Name("exported/llama7b_meta")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace flopscope::bench
