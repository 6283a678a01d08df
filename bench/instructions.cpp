// Instructions, not seconds: the CPU instructions one bare forward and one analysis of a TorchScript model execute,
// counted by valgrind's callgrind (bench/instructions.sh runs this program under it). A wall clock on a shared
// machine differs by up to 0.15 us per op from one process to the next, as much as the regressions it should
// show; an instruction count is the same in every run, so one run per commit places a change (docs/performance.md
// tells how the per-op slowdown of 3dd3351..b77ceb7 was placed this way).
//
//   valgrind --tool=callgrind --collect-atstart=no build/bench/flopscope_instructions MODEL.pt 1,4 [REPEATS]
//
// Loads the model, warms it (two forwards and one analysis, as a user's process would have), then collects over
// REPEATS (default 3) bare forwards, dumps the counts as "forward", and over REPEATS analyses, dumped as
// "analysis". Prints one JSON line: the ops one forward records (every RecordFunction FUNCTION record, nested
// ones too) and REPEATS. Outside valgrind it runs the same work and the dumps do nothing.
#include <c10/core/GradMode.h>
#include <torch/csrc/jit/serialization/import.h>
#include <valgrind/callgrind.h>

#include <cstdio>
#include <string>

#include "bench_support.h"
#include "flopscope/complexity.h"

namespace {

// Collects the instructions `work` executes, alone, and writes them as the dump named `name`.
template <class Work>
void collected(const char* name, Work&& work) {
  CALLGRIND_ZERO_STATS;
  CALLGRIND_TOGGLE_COLLECT;
  work();
  CALLGRIND_TOGGLE_COLLECT;
  CALLGRIND_DUMP_STATS_AT(name);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: %s MODEL.pt SHAPE(e.g. 1,4) [REPEATS]\n", argv[0]);
    return 2;
  }
  try {
    auto loaded = flopscope::bench::load_with_input(argv[1], argv[2]);
    auto& model = loaded.model;
    const auto& input = loaded.input;
    const int repeats = argc == 4 ? std::stoi(argv[3]) : 3;
    flopscope::Options options;
    options.inputs = input;
    options.show_arch = false;
    options.show_table = false;
    auto forward = [&] {
      c10::NoGradGuard no_grad;
      model.forward(input);
    };
    for (int i = 0; i < 2; ++i) forward();
    const std::int64_t recorded = flopscope::bench::count_ops(forward);
    flopscope::analyze(model, options);
    collected("forward", [&] {
      for (int i = 0; i < repeats; ++i) forward();
    });
    collected("analysis", [&] {
      for (int i = 0; i < repeats; ++i) flopscope::analyze(model, options);
    });
    std::printf("{\"recorded_ops\": %lld, \"repeats\": %d}\n", static_cast<long long>(recorded), repeats);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
