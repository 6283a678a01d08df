// Formatting a report of a 10 000-module tree (nn.Sequential of 10 000 Linear, bench/make_bench_models.py)
// in each format; the analysis is made once, outside the timing.
//
//   build/bench/flopscope_bench --benchmark_filter=report
#include <benchmark/benchmark.h>

#include <ATen/ops/randn.h>

#include "bench_support.h"
#include "flopscope/complexity.h"
#include "flopscope/report.h"

namespace flopscope::bench {
namespace {

const ComplexityInfo* many_modules(std::string& why) {
  static std::optional<ComplexityInfo> info;
  static std::string missing;
  if (!info && missing.empty()) {
    auto model = load_model("many_modules.pt", why);
    if (!model) {
      missing = why;
      return nullptr;
    }
    Options options;
    options.inputs = std::vector<c10::IValue>{at::randn({1, 4})};
    options.show_table = options.show_arch = false;
    info = flopscope::analyze(*model, options);
  }
  why = missing;
  return info ? &*info : nullptr;
}

template <class Render>
void report(benchmark::State& state, Render render) {
  std::string why;
  const ComplexityInfo* info = many_modules(why);
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

}  // namespace
}  // namespace flopscope::bench
