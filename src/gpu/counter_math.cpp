#include "gpu/counter_math.h"
#include "flopscope/module_tree.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>

namespace flopscope::gpu {
namespace {

bool same_grid(const std::int32_t a[3], const std::int32_t b[3]) { return a[0] == b[0] && a[1] == b[1] && a[2] == b[2]; }
bool no_grid(const std::int32_t g[3]) { return g[0] == 0 && g[1] == 0 && g[2] == 0; }

bool agree(const KernelCounters& r, const KernelRecord& k) {
  return (r.name.empty() || r.name == k.name) && (no_grid(r.grid) || same_grid(r.grid, k.grid));
}

std::string grid_text(const std::int32_t g[3]) {
  return "(" + std::to_string(g[0]) + "," + std::to_string(g[1]) + "," + std::to_string(g[2]) + ")";
}

std::string short_name(const std::string& name) { return name.size() > 60 ? name.substr(0, 57) + "..." : name; }

void add_into(MeasuredCost& into, const KernelCounters& k) {
  into.kernels += 1;
  for (const auto& [cls, f] : flops_by_class(k)) {
    into.flops_by_class[cls] += f;
    into.flops += f;
  }
  into.int_ops += int_ops(k);
  into.dram_read_bytes += k.dram_read_bytes;
  into.dram_write_bytes += k.dram_write_bytes;
}

// Sets the analytic side and the roofline of one aggregated cost.
void finish(MeasuredCost& c, double analytic_flops, double kernel_ns, const PeakSet& peaks) {
  c.analytic_flops = analytic_flops;
  c.ratio = analytic_flops > 0 ? c.flops / analytic_flops : -1;
  c.kernel_ns = kernel_ns;
  classify_roofline(c, peaks);
}

bool is_one_of(const std::string& key, std::initializer_list<const char*> keys) {
  return std::any_of(keys.begin(), keys.end(), [&](const char* k) { return key == k; });
}

}  // namespace

double core_flops(const CoreInstructions& c) { return c.add + c.mul + 2 * c.fma; }

std::map<std::string, double> flops_by_class(const KernelCounters& k) {
  std::map<std::string, double> out;
  auto put = [&](const char* cls, double v) {
    if (v > 0) out[cls] += v;
  };
  put("fp64", core_flops(k.fp64));
  put("fp32", core_flops(k.fp32));
  put("fp16", core_flops(k.fp16));
  for (const auto& [dtype, ops] : k.tensor_ops)
    if (dtype != "int8") put((dtype + "_tc").c_str(), ops * k.flops_per_tensor_op);
  return out;
}

double measured_flops(const KernelCounters& k) {
  double sum = 0;
  for (const auto& [cls, f] : flops_by_class(k)) sum += f;
  return sum;
}

double int_ops(const KernelCounters& k) {
  auto it = k.tensor_ops.find("int8");
  return it == k.tensor_ops.end() ? 0 : it->second;
}

RangeJoin join_ranges(const std::vector<KernelCounters>& ranges, const std::vector<KernelRecord>& kernels,
                      std::size_t resync_window) {
  RangeJoin out;
  out.kernel_of_range.assign(ranges.size(), -1);
  auto& s = out.summary;
  s.ranges = ranges.size();
  s.kernels = kernels.size();
  // Launch order: correlation ids grow with every API call of the process.
  std::vector<std::size_t> order(kernels.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return kernels[a].correlation < kernels[b].correlation; });
  auto note = [&](std::string line) {
    if (s.mismatches.size() < 10) s.mismatches.push_back(std::move(line));
  };
  std::size_t i = 0, j = 0;
  while (i < ranges.size() && j < order.size()) {
    if (agree(ranges[i], kernels[order[j]])) {
      out.kernel_of_range[i++] = static_cast<long>(order[j++]);
      ++s.joined;
      continue;
    }
    const auto& r = ranges[i];
    const auto& k = kernels[order[j]];
    std::string why = "range " + std::to_string(i) + " vs kernel " + std::to_string(j) + ": ";
    why += r.name == k.name || r.name.empty() ? "grid " + grid_text(r.grid) + " vs " + grid_text(k.grid)
                                              : "name " + short_name(r.name) + " vs " + short_name(k.name);
    // The nearest agreeing pair ahead: skip kernels the counter pass did not launch, or ranges the timing
    // pass did not see (e.g. a one-time workspace initialisation).
    std::size_t skip_kernels = 0, skip_ranges = 0;
    for (std::size_t d = 1; d <= resync_window && !skip_kernels && !skip_ranges; ++d) {
      if (j + d < order.size() && agree(r, kernels[order[j + d]])) skip_kernels = d;
      else if (i + d < ranges.size() && agree(ranges[i + d], k)) skip_ranges = d;
    }
    if (skip_kernels) {
      note(why + "; skipped " + std::to_string(skip_kernels) + " timing kernel(s)");
      s.unmatched_kernels += skip_kernels;
      j += skip_kernels;
    } else if (skip_ranges) {
      note(why + "; skipped " + std::to_string(skip_ranges) + " range(s)");
      s.unmatched_ranges += skip_ranges;
      i += skip_ranges;
    } else {
      note(why + "; no agreeing pair within " + std::to_string(resync_window) + ", both left unjoined");
      ++s.unmatched_ranges;
      ++s.unmatched_kernels;
      ++i;
      ++j;
    }
  }
  if (i < ranges.size()) {
    note(std::to_string(ranges.size() - i) + " range(s) after the last timing kernel");
    s.unmatched_ranges += ranges.size() - i;
  }
  if (j < order.size()) {
    note(std::to_string(order.size() - j) + " timing kernel(s) after the last range");
    s.unmatched_kernels += order.size() - j;
  }
  return out;
}

void classify_roofline(MeasuredCost& c, const PeakSet& peaks) {
  const double bytes = c.dram_read_bytes + c.dram_write_bytes;
  c.intensity = bytes > 0 ? c.flops / bytes : -1;
  c.bound.clear();
  c.ridge = c.attainable_flops_per_s = c.achieved_flops_per_s = 0;
  c.bound_share = -1;
  const double seconds = c.kernel_ns * 1e-9;
  if (seconds > 0) c.achieved_flops_per_s = c.flops / seconds;
  // Harmonic compute roof of the precision mix.
  double mixed_flops = 0, seconds_at_peak = 0;
  for (const auto& [cls, f] : c.flops_by_class) {
    auto it = peaks.flops_per_s.find(cls);
    if (it == peaks.flops_per_s.end() || it->second <= 0) continue;
    mixed_flops += f;
    seconds_at_peak += f / it->second;
  }
  const double compute_roof = seconds_at_peak > 0 ? mixed_flops / seconds_at_peak : 0;
  const double bw = peaks.dram_bytes_per_s;
  if (c.flops <= 0) {
    // Pure data movement: memory-bound whenever bytes moved; the share is the bandwidth used.
    if (bytes <= 0 || bw <= 0) return;
    c.bound = "memory";
    if (seconds > 0) c.bound_share = bytes / seconds / bw;
    return;
  }
  if (compute_roof <= 0) return;  // no peak for any class it ran on
  if (bw > 0) c.ridge = compute_roof / bw;
  if (bytes > 0 && bw > 0 && c.intensity < c.ridge) {
    c.bound = "memory";
    c.attainable_flops_per_s = c.intensity * bw;
  } else {
    c.bound = "compute";  // also with no DRAM traffic at all (everything hit L2)
    c.attainable_flops_per_s = compute_roof;
  }
  if (c.achieved_flops_per_s > 0) c.bound_share = c.achieved_flops_per_s / c.attainable_flops_per_s;
}

std::string likely_reason(const std::string& key, const MeasuredCost& c, double tolerance) {
  if (c.analytic_flops <= 0)
    return "no formula: the op set counts it as 0 (or it has no handler), but its kernels did floating-point work";
  if (c.kernels == 0) return "not measured: none of its kernels was joined to a counter range";
  if (c.flops <= 0)
    return "no FP work counted: its kernels ran on units the counters do not split by precision (integer, "
           "MUFU transcendental, copies)";
  double tensor = 0;
  for (const auto& [cls, f] : c.flops_by_class)
    if (cls.size() > 3 && cls.compare(cls.size() - 3, 3, "_tc") == 0) tensor += f;
  const bool mostly_tensor = tensor > 0.5 * c.flops;
  const bool matmul_class = is_one_of(key, {"linear", "addmm", "mm", "bmm", "matmul", "baddbmm", "addbmm", "einsum",
                                            "addmv", "mv", "dot", "vdot", "conv", "lstm", "gru", "rnn_tanh",
                                            "rnn_relu", "scaled_dot_product_attention"}) ||
                            key.find("attention") != std::string::npos;
  if (c.ratio > 1 + tolerance) {
    const double nearest = std::round(c.ratio);
    if (mostly_tensor)
      return "padded tiles: tensor cores compute whole tiles, so small M/N/K or sizes that are not tile "
             "multiples read high (a GEMV with M=1 reads up to 64x)";
    if (nearest >= 2 && std::fabs(c.ratio - nearest) < 0.05 * nearest)
      return "recomputation: the work ran about " + std::to_string(static_cast<int>(nearest)) +
             " times (e.g. a backward or a split-K/two-pass kernel)";
    if (!matmul_class)
      return "the kernels do more arithmetic than the formula counts (mean/variance passes, index and scale "
             "math in floating point)";
    return "more work than the formula: padding to tile sizes, split-K reductions or recomputation";
  }
  if (c.ratio < 1 - tolerance) {
    if (key == "conv")
      return "different algorithm: Winograd or FFT convolution does fewer multiplications than direct "
             "convolution";
    if (!matmul_class)
      return "fewer counted operations than the formula: transcendentals (exp, rsqrt) run on MUFU, which the "
             "FP counters do not see, and compare/select work is not FP arithmetic";
    return "less work than the formula: a cheaper algorithm, a dtype whose tensor counter was not requested, "
           "or kernels not joined";
  }
  return "within tolerance";
}

void aggregate_counters(CounterReport& report, const RangeJoin& join, const std::vector<KernelOwner>& owners,
                        const GpuReport& timing, const PeakSet& peaks, double tolerance) {
  report.join = join.summary;
  report.peaks = peaks;
  report.ratio_tolerance = tolerance;
  report.by_module.clear();
  report.by_op.clear();
  report.outliers.clear();
  report.total = MeasuredCost{};
  // Per module, the measured FLOPs of each op key: a module's outlier reason is its dominant op's.
  std::map<std::string, std::map<std::string, double>> module_op_flops;
  for (std::size_t r = 0; r < report.kernels.size(); ++r) {
    const auto& k = report.kernels[r];
    add_into(report.total, k);
    const long kernel = r < join.kernel_of_range.size() ? join.kernel_of_range[r] : -1;
    if (kernel < 0 || static_cast<std::size_t>(kernel) >= owners.size()) continue;
    const auto& owner = owners[kernel];
    if (!owner.attributed) continue;
    add_into(report.by_op[owner.op_key], k);
    const double f = measured_flops(k);
    for (const auto& m : module_and_ancestors(owner.module)) {
      add_into(report.by_module[m], k);
      module_op_flops[m][owner.op_key] += f;
    }
  }
  // A training step's counters cover its backward too: each module is compared with its forward and backward
  // together (the kernel times add; their medians are close enough for the share of peak).
  std::map<std::string, GpuCost> step_modules;
  const std::map<std::string, GpuCost>* modules = &timing.by_module;
  if (timing.train_step) {
    step_modules = timing.by_module;
    for (const auto& [path, back] : timing.backward_by_module) {
      GpuCost& c = step_modules[path];
      c.flops += back.flops;
      c.kernel_ns.median += back.kernel_ns.median;
    }
    modules = &step_modules;
  }
  // Modules and ops with analytic FLOPs but no joined kernel still get a row: they are outliers.
  for (const auto& [path, cost] : *modules)
    if (cost.flops > 0) report.by_module[path];
  for (const auto& [op, cost] : timing.by_op)
    if (cost.flops > 0) report.by_op[op];

  auto timing_of = [](const std::map<std::string, GpuCost>& m, const std::string& key) -> const GpuCost* {
    auto it = m.find(key);
    return it == m.end() ? nullptr : &it->second;
  };
  for (auto& [path, cost] : report.by_module) {
    const GpuCost* t = timing_of(*modules, path);
    finish(cost, t ? t->flops : 0, t ? t->kernel_ns.median : 0, peaks);
  }
  for (auto& [op, cost] : report.by_op) {
    const GpuCost* t = timing_of(timing.by_op, op);
    finish(cost, t ? t->flops : 0, t ? t->kernel_ns.median : 0, peaks);
  }
  const GpuCost* root = timing_of(*modules, "");
  double total_ns = root ? root->kernel_ns.median : timing.kernel_ms.median * 1e6;
  finish(report.total, root ? root->flops : 0, total_ns, peaks);

  auto outlier = [&](const char* kind, const std::string& name, const MeasuredCost& c, const std::string& key) {
    if (c.flops <= 0 && c.analytic_flops <= 0) return;  // nothing to compare: no FP work on either side
    if (c.ratio >= 0 && std::fabs(c.ratio - 1) <= tolerance) return;
    report.outliers.push_back({kind, name, c.ratio, likely_reason(key, c, tolerance)});
  };
  for (const auto& [op, c] : report.by_op) outlier("op", op, c, op);
  for (const auto& [path, c] : report.by_module) {
    std::string dominant;
    double most = -1;
    for (const auto& [op, f] : module_op_flops[path])
      if (f > most) most = f, dominant = op;
    outlier("module", path, c, dominant);
  }
}

void attach_launches(std::vector<KernelCounters>& ranges, const std::vector<KernelCounters>& launches,
                     std::vector<std::string>& notes) {
  if (launches.empty()) return;  // nothing logged (another subscriber): said where the log was refused
  if (launches.size() != ranges.size()) {
    notes.push_back(std::to_string(launches.size()) + " launches logged for " + std::to_string(ranges.size()) +
                    " ranges: kernel names and grids left out rather than shifted onto other kernels; the join "
                    "checks order only");
    return;
  }
  for (std::size_t r = 0; r < ranges.size(); ++r) {
    ranges[r].name = launches[r].name;
    std::copy(launches[r].grid, launches[r].grid + 3, ranges[r].grid);
  }
}

TensorOpFactor settle_tensor_factor(double peak_sustained_per_cycle, int sms, double table_flops_per_sm_clock) {
  TensorOpFactor f;
  f.flops_per_op = kFlopsPerTensorMathOp;  // what stands unless the run settles otherwise
  f.table_flops_per_sm_clock = table_flops_per_sm_clock;
  const std::string assumed = "1 FLOP per tensor math op assumed (CUPTI's metric description: math ops executed)";
  if (!(peak_sustained_per_cycle > 0) || sms <= 0) {
    f.reason = assumed + ": the run could not read the bf16 tensor counter's peak";
    return f;
  }
  f.ops_per_sm_cycle = peak_sustained_per_cycle / sms;
  if (!(table_flops_per_sm_clock > 0)) {
    f.reason = assumed + ": no dense BF16 tensor figure for this architecture to compare the counter's peak with";
    return f;
  }
  char text[200];
  const double ratio = table_flops_per_sm_clock / f.ops_per_sm_cycle;
  if (std::fabs(ratio - 1) < 0.05) {
    f.flops_per_op = 1;
    std::snprintf(text, sizeof text, "1 FLOP per tensor math op: the counter's peak reads %.0f per SM per cycle, the "
                  "architecture's dense BF16 %.0f FLOP", f.ops_per_sm_cycle, table_flops_per_sm_clock);
  } else if (std::fabs(ratio - 2) < 0.1) {
    f.flops_per_op = 2;
    std::snprintf(text, sizeof text, "2 FLOPs per tensor math op: the counter's peak reads %.0f per SM per cycle, half "
                  "the architecture's dense BF16 %.0f FLOP (one op per multiply-add)", f.ops_per_sm_cycle,
                  table_flops_per_sm_clock);
  } else {
    std::snprintf(text, sizeof text, "1 FLOP per tensor math op assumed: the counter's peak reads %.0f per SM per "
                  "cycle against the architecture's %.0f FLOP, which fits neither 1 nor 2", f.ops_per_sm_cycle,
                  table_flops_per_sm_clock);
  }
  f.reason = text;
  return f;
}

}  // namespace flopscope::gpu
