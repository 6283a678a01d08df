// On a CUDA device: what the GPU timing pass costs next to a plain forward of the same model, timed with
// CUDA events (c10::Event, so no CUDA header here). Skips with its reason where there is no device.
//
//   build/bench/flopscope_bench --benchmark_filter=gpu
//
// Two ratios:
//  - timing_pass/plain: the analysis's own GpuReport (wall_ms median of the recorded forwards, under CUPTI)
//    over a plain forward measured here in the same iteration;
//  - callback/plain: the same forward with a do-nothing RecordFunction callback registered, the floor under
//    any per-op capture, so it is known even where the timing pass is not built.
#include <benchmark/benchmark.h>

#include <ATen/ops/randn.h>
#include <ATen/record_function.h>
#include <c10/core/Event.h>
#include <c10/core/GradMode.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>

#include "bench_support.h"
#include "flopscope/complexity.h"
#include "flopscope/device.h"

namespace flopscope::bench {
namespace {

// Milliseconds of `run` on the device's current stream, between two CUDA events.
template <class Run>
double device_ms(const c10::Device& device, Run&& run) {
  const auto* impl = c10::impl::getDeviceGuardImpl(c10::DeviceType::CUDA);
  c10::Stream stream = impl->getStream(device);
  c10::Event start(c10::DeviceType::CUDA, c10::EventFlag::BACKEND_DEFAULT);
  c10::Event stop(c10::DeviceType::CUDA, c10::EventFlag::BACKEND_DEFAULT);
  start.record(stream);
  run();
  stop.record(stream);
  stop.synchronize();
  return start.elapsedTime(stop);
}

void gpu(benchmark::State& state, const char* file, std::vector<std::int64_t> shape) {
  const CudaStatus status = probe_cuda();
  if (!status.available) return state.SkipWithError(("skipped: " + describe(status)).c_str());
  std::string why;
  auto model = load_model(file, why);
  if (!model) return state.SkipWithError(why.c_str());
  const c10::Device device(c10::kCUDA, 0);
  model->to(device);
  std::vector<c10::IValue> input{at::randn(shape, at::TensorOptions().device(device))};
  auto forward = [&] {
    c10::NoGradGuard no_grad;
    model->forward(input);
  };
  for (int i = 0; i < 5; ++i) device_ms(device, forward);
  Options options;
  options.inputs = input;
  options.show_table = options.show_arch = false;
  double plain = 0, callback = 0, timing_pass = 0, timing_plain = 0;
  std::string timing_skipped;
  for (auto _ : state) {
    plain += device_ms(device, forward);
    auto handle = at::addThreadLocalCallback(
        at::RecordFunctionCallback([](const at::RecordFunction&) -> std::unique_ptr<at::ObserverContext> {
          return nullptr;
        }).scopes({at::RecordScope::FUNCTION}));
    callback += device_ms(device, forward);
    at::removeCallback(handle);
    auto info = flopscope::analyze(*model, options);
    const auto& g = info.analysis.gpu;
    if (g.ran) {
      timing_pass += g.wall_ms.median;
      timing_plain += g.plain_forward_ms;
    } else {
      timing_skipped = g.skipped_reason;
    }
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["plain_ms"] = plain / n;
  state.counters["callback/plain"] = callback / plain;
  if (timing_skipped.empty() && timing_plain > 0) {
    state.counters["timing_pass_ms"] = timing_pass / n;
    state.counters["timing_pass/plain"] = timing_pass / plain;
    state.counters["report_timing/plain"] = timing_pass / timing_plain;  // the report's own ratio
  } else {
    state.SetLabel("timing pass did not run: " + timing_skipped);
  }
}

BENCHMARK_CAPTURE(gpu, resnet50_b8, "resnet50.pt", {8, 3, 224, 224})->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK_CAPTURE(gpu, vit_b_16_b1, "vit_b_16.pt", {1, 3, 224, 224})->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace flopscope::bench
