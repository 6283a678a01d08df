#include "gpu/timing_pass.h"

#include "gpu/statistics.h"

#include <c10/core/Event.h>
#include <c10/core/ScalarType.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <cstring>
#include <thread>
#include <unordered_map>
#include <vector>

#include "capture/op_observer.h"
#include "gpu/precision.h"
#include "gpu/ranges.h"
#include "gpu/tracer.h"

namespace flopscope::gpu {

static_assert(scalar_type::kFloat == static_cast<int>(c10::ScalarType::Float) &&
                  scalar_type::kHalf == static_cast<int>(c10::ScalarType::Half) &&
                  scalar_type::kBFloat16 == static_cast<int>(c10::ScalarType::BFloat16) &&
                  scalar_type::kDouble == static_cast<int>(c10::ScalarType::Double) &&
                  scalar_type::kChar == static_cast<int>(c10::ScalarType::Char) &&
                  scalar_type::kFloat8First == static_cast<int>(c10::ScalarType::Float8_e5m2) &&
                  scalar_type::kFloat8Last == static_cast<int>(c10::ScalarType::Float8_e4m3fnuz),
              "src/gpu/precision.h's scalar type values must match c10::ScalarType");

namespace {

// An op index no trace has: its kernels stay unattributed.
constexpr std::uint32_t kNoOp = 0xffffffffu;

// What the pass keeps while its forwards run; told of each op by the capture stage.
struct PassState final : capture::OpObserver {
  const Trace* trace = nullptr;
  ActivityTracer* tracer = nullptr;
  RangeNester* ranges = nullptr;
  std::vector<HostOpSpan>* spans = nullptr;
  std::uint32_t forward = 0;
  std::uint32_t next_op = 0;     // index in the trace of the next op to start
  // Spans of the ops started and not ended, innermost last, per thread: a training step's backward on CUDA runs
  // on autograd's device thread (ObserveOps calls one thread at a time).
  std::thread::id owner = std::this_thread::get_id();
  std::vector<std::size_t> open;
  std::unordered_map<std::thread::id, std::vector<std::size_t>> other_open;

  std::vector<std::size_t>& open_here() {
    const auto id = std::this_thread::get_id();
    return id == owner ? open : other_open[id];
  }

  void op_start(const char* name) override {
    std::uint32_t k = next_op++;
    const auto& ops = trace->ops;
    // The same forward runs the same ops in the same order; a different name means it did not.
    const bool same = k < ops.size() && std::strcmp(ops[k].name.c_str(), name) == 0;
    const std::uint64_t id = external_id(forward, same ? k : kNoOp);
    tracer->push(id);
    static const std::string kRoot;
    // Module ranges nest on the analysing thread only (NVTX ranges are per thread).
    const bool here = std::this_thread::get_id() == owner;
    if (ranges != nullptr && here) ranges->op_enter(same ? ops[k].module : kRoot, name, id);
    open_here().push_back(spans->size());
    spans->push_back(HostOpSpan{forward, same ? k : kNoOp, tracer->now_ns(), 0});
  }

  void op_end() override {
    auto& mine = open_here();
    (*spans)[mine.back()].end_ns = tracer->now_ns();
    mine.pop_back();
    if (ranges != nullptr && std::this_thread::get_id() == owner) ranges->op_exit();
    tracer->pop();
  }
};

// Device time of one forward: CUDA events on the device's current stream, through c10's device-generic
// interface (no CUDA header here). On the CPU, where the tests drive the pass, the host clock stands in.
class ForwardTimer {
 public:
  explicit ForwardTimer(c10::Device device) : m_device(device) {
    if (device.is_cuda()) {
      c10::impl::VirtualGuardImpl impl(device.type());
      m_stream.emplace(impl.getStream(device));
      m_start.emplace(device.type(), c10::EventFlag::BACKEND_DEFAULT);
      m_end.emplace(device.type(), c10::EventFlag::BACKEND_DEFAULT);
    }
  }
  void start() {
    if (m_start) m_start->record(*m_stream);
    m_host_start = std::chrono::steady_clock::now();
  }
  void stop() {
    if (m_end) m_end->record(*m_stream);
    m_host_end = std::chrono::steady_clock::now();
  }
  /// After the device has been synchronised.
  double elapsed_ms() const {
    if (m_start) return m_start->elapsedTime(*m_end);
    return std::chrono::duration<double, std::milli>(m_host_end - m_host_start).count();
  }

 private:
  c10::Device m_device;
  std::optional<c10::Stream> m_stream;
  std::optional<c10::Event> m_start, m_end;
  std::chrono::steady_clock::time_point m_host_start, m_host_end;
};

void synchronize(c10::Device device) {
  if (!device.is_cuda()) return;
  c10::impl::VirtualGuardImpl impl(device.type());
  impl.synchronizeDevice(device.index() < 0 ? impl.getDevice().index() : device.index());
}

}  // namespace

TimingRecording run_timing_pass(const Trace& trace, ActivityTracer& tracer, RangeNester* ranges, c10::Device device,
                                const std::function<void()>& forward, const TimingOptions& options) {
  TimingRecording rec;
  rec.warmup = std::max(0, options.warmup);
  for (int i = 0; i < rec.warmup; ++i) forward();
  synchronize(device);

  const int n = std::max(1, options.forwards);
  std::vector<ForwardTimer> timers;
  timers.reserve(n);
  rec.op_spans.reserve(trace.ops.size() * static_cast<std::size_t>(n));
  rec.forwards.resize(n);

  PassState state;
  state.trace = &trace;
  state.tracer = &tracer;
  state.ranges = ranges;
  state.spans = &rec.op_spans;
  tracer.start();
  try {
    capture::ObserveOps observe(state, options.train_step, !trace.without_wrapper_calls);
    for (int f = 0; f < n; ++f) {
      state.forward = static_cast<std::uint32_t>(f);
      state.next_op = 0;
      timers.emplace_back(device);
      rec.forwards[f].start_ns = tracer.now_ns();
      timers.back().start();
      forward();
      timers.back().stop();
      rec.forwards[f].end_ns = tracer.now_ns();
      if (ranges != nullptr) ranges->finish();
    }
    synchronize(device);
  } catch (...) {
    try {
      synchronize(device);
      tracer.stop();
    } catch (...) {
    }
    throw;
  }
  rec.activity = tracer.stop();
  for (int f = 0; f < n; ++f) rec.forwards[f].event_ms = timers[f].elapsed_ms();
  return rec;
}

double plain_forward_ms(c10::Device device, const std::function<void()>& forward, int warmup, int runs) {
  for (int i = 0; i < warmup; ++i) forward();
  std::vector<ForwardTimer> timers;
  timers.reserve(std::max(1, runs));
  for (int i = 0; i < std::max(1, runs); ++i) {
    timers.emplace_back(device);
    timers.back().start();
    forward();
    timers.back().stop();
  }
  synchronize(device);
  std::vector<double> ms;
  for (const auto& t : timers) ms.push_back(t.elapsed_ms());
  return spread_of(std::move(ms)).median;
}

}  // namespace flopscope::gpu
