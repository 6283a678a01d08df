#include "gpu/statistics.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <unordered_map>

#include "count/attribute.h"
#include "flopscope/module_tree.h"

namespace flopscope::gpu {

Spread spread_of(std::vector<double> values) {
  Spread s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  s.min = values.front();
  s.max = values.back();
  s.median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return s;
}

GpuJoin join_recording(const Trace& trace, const OpSet& op_set, const TimingRecording& recording) {
  std::unordered_set<std::string> formulas;
  for (const auto& kv : op_set.flops) formulas.insert(kv.first);
  GpuJoin j;
  j.owners = owner_ops(trace, formulas, op_set.ignored);
  j.activity = attribute_activity(recording.activity, trace, j.owners, recording.forwards.size());
  return j;
}

std::vector<Count> op_macs(const Trace& trace, const OpSet& op_set, const std::vector<std::int32_t>& owners) {
  std::vector<Count> macs(trace.ops.size(), 0);
  for (std::size_t i = 0; i < trace.ops.size() && i < owners.size(); ++i) {
    if (owners[i] != static_cast<std::int32_t>(i) || trace.ops[i].aborted) continue;
    auto h = op_set.flops.find(trace.ops[i].name);
    if (h == op_set.flops.end() || h->second.formula == nullptr) continue;
    try {
      macs[i] = count_call(h->second.formula, trace.ops[i]);
    } catch (const FormulaError&) {
      macs[i] = 0;  // count_trace files the same call as 0 with a formula error
    }
  }
  return macs;
}

namespace {

constexpr double kFlopsPerMac = 2;

std::uint64_t duration(std::uint64_t start, std::uint64_t end) { return end > start ? end - start : 0; }

// Per-forward sums for one module or op type.
struct Accumulator {
  explicit Accumulator(std::size_t forwards = 0) : kernel_ns(forwards), memcpy_ns(forwards), memset_ns(forwards) {}
  std::uint64_t kernels = 0;
  std::vector<double> kernel_ns, memcpy_ns, memset_ns;
  double flops = 0;
  double seconds_at_peak = 0;  // sum over owner ops of flops / peak of the op's class
  bool peak_missing = false;
};

// The recorded forward a record of unknown origin ran in: the last one that started before it. Records
// before the first forward (late warmup work) belong to none.
class ForwardClock {
 public:
  explicit ForwardClock(const std::vector<ForwardWindow>& forwards) : m_order(forwards.size()), m_forwards(forwards) {
    std::iota(m_order.begin(), m_order.end(), std::size_t{0});
    std::sort(m_order.begin(), m_order.end(),
              [&](std::size_t a, std::size_t b) { return forwards[a].start_ns < forwards[b].start_ns; });
  }
  long at(std::uint64_t ns) const {
    long found = -1;
    for (std::size_t i : m_order) {
      if (m_forwards[i].start_ns > ns) break;
      found = static_cast<long>(i);
    }
    return found;
  }

 private:
  std::vector<std::size_t> m_order;
  const std::vector<ForwardWindow>& m_forwards;
};

GpuCost finish(const Accumulator& a, std::size_t forwards) {
  GpuCost c;
  c.kernels = forwards == 0 ? 0 : static_cast<double>(a.kernels) / static_cast<double>(forwards);
  c.kernel_ns = spread_of(a.kernel_ns);
  c.memcpy_ns = spread_of(a.memcpy_ns);
  c.memset_ns = spread_of(a.memset_ns);
  c.flops = a.flops;
  const double seconds = c.kernel_ns.median * 1e-9;
  if (seconds > 0) {
    c.flops_per_s = c.flops / seconds;
    if (!a.peak_missing) c.peak_share = a.seconds_at_peak / seconds;
  }
  return c;
}

}  // namespace

GpuReport gpu_report(const Trace& trace, const OpSet& op_set, const StatResult& flops,
                     const std::vector<std::string>& precision, const TimingRecording& recording, const PeakSet& peaks,
                     const GpuJoin& join, const StatResult* backward) {
  const std::size_t F = recording.forwards.size();
  GpuReport report;
  report.ran = true;
  report.forwards = static_cast<int>(F);
  report.warmup = recording.warmup;
  report.peaks = peaks;
  report.unattributed_kernels = join.activity.unattributed_kernels;
  report.train_step = backward != nullptr;

  // A training step's backward ops (OpRecord::backward) go to their own module map.
  std::map<std::string, Accumulator> modules, backward_modules, ops;
  auto module_acc = [&](const std::string& m, bool back = false) -> Accumulator& {
    return (back ? backward_modules : modules).try_emplace(m, Accumulator(F)).first->second;
  };
  auto is_backward = [&](std::size_t op) { return backward != nullptr && trace.ops[op].backward; };
  auto op_acc = [&](const std::string& name) -> Accumulator& {
    return ops.try_emplace(name, Accumulator(F)).first->second;
  };

  // Analytic side: module totals from the analysis, per-op MACs for op types and the time-at-peak sums.
  for (const auto& [module, counter] : flops.by_module_and_op)
    module_acc(module).flops = kFlopsPerMac * counter.total();
  if (backward != nullptr)
    for (const auto& [module, counter] : backward->by_module_and_op)
      module_acc(module, true).flops = kFlopsPerMac * counter.total();
  double seconds_at_peak = 0;  // the whole forward's (or step's), for the MFU
  bool peak_missing = false;
  const auto macs = op_macs(trace, op_set, join.owners);
  for (std::size_t i = 0; i < macs.size(); ++i) {
    if (macs[i] == 0 || trace.ops[i].loss) continue;  // flopscope's loss is no module's work, nor the MFU's
    const double f = kFlopsPerMac * static_cast<double>(macs[i]);
    const std::string* klass = i < precision.size() ? &precision[i] : nullptr;
    auto peak = klass ? peaks.flops_per_s.find(*klass) : peaks.flops_per_s.end();
    const bool known = peak != peaks.flops_per_s.end() && peak->second > 0;
    const double at_peak = known ? f / peak->second : 0;
    auto& o = op_acc(trace.ops[i].name);
    o.flops += f;
    o.seconds_at_peak += at_peak;
    o.peak_missing |= !known;
    seconds_at_peak += at_peak;
    peak_missing |= !known;
    for (const auto& m : module_and_ancestors(trace.ops[i].module)) {
      auto& a = module_acc(m, is_backward(i));
      a.seconds_at_peak += at_peak;
      a.peak_missing |= !known;
    }
  }

  // Measured side.
  const ForwardClock clock(recording.forwards);
  std::vector<double> kernel_per_forward(F, 0), attributed_per_forward(F, 0);
  const auto& log = recording.activity;
  for (std::size_t k = 0; k < log.kernels.size() && k < join.activity.kernels.size(); ++k) {
    const auto& rec = log.kernels[k];
    const auto& who = join.activity.kernels[k];
    const double ns = static_cast<double>(duration(rec.start_ns, rec.end_ns));
    const long f = who.attributed ? static_cast<long>(who.forward) : clock.at(rec.start_ns);
    if (f < 0 || static_cast<std::size_t>(f) >= F) continue;
    kernel_per_forward[f] += ns;
    const std::string* module = module_of(who, trace);
    if (module == nullptr) continue;
    attributed_per_forward[f] += ns;
    for (const auto& m : module_and_ancestors(*module)) {
      auto& a = module_acc(m, is_backward(static_cast<std::size_t>(who.owner)));
      ++a.kernels;
      a.kernel_ns[f] += ns;
    }
    auto& o = op_acc(trace.ops[who.owner].name);
    ++o.kernels;
    o.kernel_ns[f] += ns;
  }
  for (std::size_t r = 0; r < log.memory.size() && r < join.activity.memory.size(); ++r) {
    const auto& rec = log.memory[r];
    const auto& who = join.activity.memory[r];
    const std::string* module = module_of(who, trace);
    if (module == nullptr || who.forward >= F) continue;
    const double ns = static_cast<double>(duration(rec.start_ns, rec.end_ns));
    const bool copy = rec.kind == MemoryRecord::Kind::Memcpy;
    for (const auto& m : module_and_ancestors(*module)) {
      auto& a = module_acc(m, is_backward(static_cast<std::size_t>(who.owner)));
      (copy ? a.memcpy_ns : a.memset_ns)[who.forward] += ns;
    }
    auto& o = op_acc(trace.ops[who.owner].name);
    (copy ? o.memcpy_ns : o.memset_ns)[who.forward] += ns;
  }

  for (const auto& [m, a] : modules) report.by_module[m] = finish(a, F);
  for (const auto& [m, a] : backward_modules) report.backward_by_module[m] = finish(a, F);
  for (const auto& [name, a] : ops) report.by_op[name] = finish(a, F);

  std::vector<double> wall(F), kernel_ms(F), idle(F);
  double all = 0, attributed = 0;
  for (std::size_t f = 0; f < F; ++f) {
    const auto& w = recording.forwards[f];
    // Without CUDA events, fall back on the host window.
    wall[f] = w.event_ms > 0 ? w.event_ms : static_cast<double>(duration(w.start_ns, w.end_ns)) * 1e-6;
    kernel_ms[f] = kernel_per_forward[f] * 1e-6;
    idle[f] = std::max(0.0, wall[f] - kernel_ms[f]);
    all += kernel_per_forward[f];
    attributed += attributed_per_forward[f];
  }
  report.wall_ms = spread_of(wall);
  report.kernel_ms = spread_of(kernel_ms);
  report.idle_ms = spread_of(idle);
  report.attributed_share = all > 0 ? attributed / all : 0;
  const double wall_s = report.wall_ms.median * 1e-3;
  if (wall_s > 0 && seconds_at_peak > 0 && !peak_missing) report.mfu = seconds_at_peak / wall_s;
  return report;
}

GpuReport gpu_report(const Trace& trace, const OpSet& op_set, const StatResult& flops,
                     const std::vector<std::string>& precision, const TimingRecording& recording,
                     const PeakSet& peaks, const StatResult* backward) {
  return gpu_report(trace, op_set, flops, precision, recording, peaks, join_recording(trace, op_set, recording),
                    backward);
}

}  // namespace flopscope::gpu
