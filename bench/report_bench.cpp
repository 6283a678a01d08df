// Formatting a report of a 10 000-module tree (nn.Sequential of 10 000 Linear, bench/make_bench_models.py)
// in each format, and mmengine's two texts of ResNet-50 (the ones the Python package renders on every call); the
// analysis is made once, outside the timing.
//
//   build/bench/flopscope_bench --benchmark_filter=report
#include <benchmark/benchmark.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <ATen/ops/randn.h>

#include "bench_support.h"
#include "flopscope/complexity.h"
#include "flopscope/report.h"

namespace flopscope::bench {
namespace {

// The analysis of one bench model, made on first use and kept.
const ComplexityInfo* analysed(const char* file, std::vector<std::int64_t> input, std::string& why) {
  static std::map<std::string, std::optional<ComplexityInfo>> infos;
  static std::map<std::string, std::string> missing;
  auto& info = infos[file];
  if (!info && missing[file].empty()) {
    auto model = load_model(file, why);
    if (!model) {
      missing[file] = why;
      return nullptr;
    }
    Options options;
    options.inputs = std::vector<c10::IValue>{at::randn(input)};
    options.show_table = options.show_arch = false;
    info = flopscope::analyze(*model, options);
  }
  why = missing[file];
  return info ? &*info : nullptr;
}

template <class Render>
void report(benchmark::State& state, Render render) {
  std::string why;
  const ComplexityInfo* info = analysed("many_modules.pt", {1, 4}, why);
  if (info == nullptr) return state.SkipWithError(why.c_str());
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string text = render(*info);
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["modules"] = static_cast<double>(info->analysis.tree.nodes.size());
  state.counters["bytes"] = static_cast<double>(bytes);
}

BENCHMARK_CAPTURE(report, table, [](const ComplexityInfo& i) { return render_table(i.analysis, 3); })
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(report, table_all_levels, [](const ComplexityInfo& i) { return render_table(i.analysis, 1000); })
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(report, arch, [](const ComplexityInfo& i) { return render_arch(i.analysis); })
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(report, json, [](const ComplexityInfo& i) { return render_json(i.analysis, i.warnings); })
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(report, csv, [](const ComplexityInfo& i) { return render_csv(i.analysis); })
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(report, operators, [](const ComplexityInfo& i) { return render_operators(i.analysis); })
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(report, summary, [](const ComplexityInfo& i) { return render_summary(i.analysis); })
    ->Unit(benchmark::kMicrosecond);

template <class Render>
void resnet50_report(benchmark::State& state, Render render) {
  std::string why;
  const ComplexityInfo* info = analysed("resnet50.pt", {1, 3, 224, 224}, why);
  if (info == nullptr) return state.SkipWithError(why.c_str());
  for (auto _ : state) {
    std::string text = render(*info);
    benchmark::DoNotOptimize(text.data());
  }
}

BENCHMARK_CAPTURE(resnet50_report, table, [](const ComplexityInfo& i) { return render_table(i.analysis, 3); })
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(resnet50_report, arch, [](const ComplexityInfo& i) { return render_arch(i.analysis); })
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace flopscope::bench
