// The counter pass: hardware counters per kernel from CUPTI's range profiler (kernel replay, so no times are
// taken from it), joined by launch order to the timing pass's kernels, which already know their op and
// module. The arithmetic after the profiler is torch-free and tested on the CPU (src/gpu/counter_math.h).
#include "gpu/counter_pass.h"

#include <algorithm>
#include <numeric>
#include <set>
#include <thread>
#include <unordered_map>

#include "capture/op_observer.h"
#include "gpu/cuda_backend.h"
#include "flopscope/device.h"
#include "gpu/counter_math.h"
#include "gpu/metric_plan.h"

namespace flopscope::gpu {
namespace {

// The torch dtype behind a precision class, for choosing which tensor-core counters to request.
const char* torch_dtype_of(const std::string& precision_class) {
  if (precision_class == "tf32_tc" || precision_class == "fp32") return "float32";
  if (precision_class.rfind("bf16", 0) == 0) return "bfloat16";
  if (precision_class.rfind("fp16", 0) == 0) return "float16";
  if (precision_class.rfind("fp64", 0) == 0) return "float64";
  if (precision_class == "fp8_tc") return "float8_e4m3fn";
  if (precision_class == "int8_tc") return "int8";
  return nullptr;
}

}  // namespace

void kernels_of_forward(const Trace& trace, const gpu::TimingRecording& recording, const gpu::GpuJoin& join,
                        std::uint32_t forward, std::vector<gpu::KernelRecord>& kernels,
                        std::vector<gpu::KernelOwner>& owners) {
  const auto& all = recording.activity.kernels;
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < all.size() && i < join.activity.kernels.size(); ++i) {
    const auto& who = join.activity.kernels[i];
    if (who.attributed && who.forward == forward) order.push_back(i);
  }
  // Launch order: correlation ids grow with every API call of the process.
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return all[a].correlation < all[b].correlation; });
  kernels.clear();
  owners.clear();
  for (std::size_t i : order) {
    kernels.push_back(all[i]);
    const auto& who = join.activity.kernels[i];
    gpu::KernelOwner owner;
    owner.attributed = who.owner >= 0;
    if (owner.attributed) {
      owner.op_key = trace.ops[static_cast<std::size_t>(who.owner)].name;
      if (const std::string* module = gpu::module_of(who, trace)) owner.module = *module;
    }
    owners.push_back(std::move(owner));
  }
}

namespace {

// Calls the range profiler's checkpoint each time an op ends that is outermost on its own thread. ObserveOps
// calls it from one thread at a time (with a step: under its lock), so the map needs no lock of its own.
class BetweenOps final : public capture::OpObserver {
 public:
  explicit BetweenOps(const std::function<void()>& checkpoint) : m_checkpoint(checkpoint) {}
  void op_start(const char*) override { ++m_depth[std::this_thread::get_id()]; }
  void op_end() override {
    if (--m_depth[std::this_thread::get_id()] == 0) m_checkpoint();
  }

 private:
  const std::function<void()>& m_checkpoint;
  std::unordered_map<std::thread::id, int> m_depth;
};

}  // namespace

void run_with_checkpoints(const std::function<void()>& forward, const std::function<void()>& checkpoint, bool step) {
  BetweenOps between(checkpoint);
  capture::ObserveOps observe(between, step);
  forward();
}

void run_counter_pass(ComplexityInfo& info, const Trace& trace, const std::vector<std::string>& precision,
                      const gpu::TimingRecording& recording, const gpu::GpuJoin& join,
                      const std::function<void()>& forward, const Options& options) {
  gpu::CounterReport& counters = info.analysis.counters;
  const gpu::GpuReport& timing = info.analysis.gpu;
  if (!timing.ran) {
    counters.skipped_reason = "the counter pass is joined to the timing pass's kernels, and the timing pass did not run (" +
                              timing.skipped_reason + ")";
    return;
  }
  std::set<std::string> dtypes;
  for (const auto& p : precision)
    if (const char* d = torch_dtype_of(p)) dtypes.insert(d);
  gpu::RangeProfilerOptions profiler;
  profiler.tensor_dtypes = gpu::tensor_dtypes_for(dtypes);
  // Between top-level ops the range profiler may collect what it has and start a fresh image (src/gpu/range_chunks.h):
  // forwards, and steps' backwards, with more kernels than one image holds lose none.
  counters = cuda::run_range_profiler(
      probe_cuda(),
      [&](const std::function<void()>& checkpoint) { run_with_checkpoints(forward, checkpoint, info.analysis.train_step); },
      profiler);
  if (!counters.ran) return;

  std::vector<gpu::KernelRecord> kernels;
  std::vector<gpu::KernelOwner> owners;
  kernels_of_forward(trace, recording, join, 0, kernels, owners);
  const gpu::RangeJoin ranges = gpu::join_ranges(counters.kernels, kernels);
  gpu::aggregate_counters(counters, ranges, owners, timing, timing.peaks, options.gpu.counter_tolerance);
}

}  // namespace flopscope::gpu
