#include "gpu/metric_plan.h"

#include <algorithm>

namespace flopscope::gpu {
namespace {

// Candidate counters per dtype, best first; each candidate is a list of metrics to sum. From the metric
// lists CUPTI 13.0's profiler host gives offline for GA100, GH100, AD102 and GB100.
const std::map<std::string, std::vector<std::vector<std::string>>>& tensor_candidates() {
  static const std::map<std::string, std::vector<std::vector<std::string>>> table = {
      {"bf16", {{"sm__ops_path_tensor_src_bf16_dst_fp32.sum"}}},
      {"fp16",
       {{"sm__ops_path_tensor_src_fp16.sum"},  // GH100: the only fp16 aggregate
        {"sm__ops_path_tensor_src_fp16_dst_fp32.sum", "sm__ops_path_tensor_src_fp16_dst_fp16.sum"}}},
      {"tf32", {{"sm__ops_path_tensor_src_tf32_dst_fp32.sum"}}},
      {"fp8",
       {{"sm__ops_path_tensor_src_fp8.sum"},  // GH100, AD102
        {"sm__ops_path_tensor_src_fp4_fp6_fp8_dst_fp32.sum", "sm__ops_path_tensor_src_fp4_fp6_fp8_dst_fp16.sum"}}},
      {"fp64", {{"sm__ops_path_tensor_src_fp64.sum"}}},
      {"int8", {{"sm__ops_path_tensor_src_int8.sum"}}},
  };
  return table;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

const std::vector<std::string>& sass_flop_metrics() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const char* p : {"d", "f", "h"})
      for (const char* op : {"add", "mul", "fma"})
        out.push_back(std::string("smsp__sass_thread_inst_executed_op_") + p + op + "_pred_on.sum");
    return out;
  }();
  return names;
}

const std::vector<std::string>& tensor_dtype_names() {
  static const std::vector<std::string> names = {"bf16", "fp16", "tf32", "fp8", "fp64", "int8"};
  return names;
}

std::vector<std::string> tensor_dtypes_for(const std::set<std::string>& torch_dtypes) {
  std::set<std::string> wanted;
  for (const auto& t : torch_dtypes) {
    if (t == "bfloat16") wanted.insert("bf16");
    else if (t == "float16" || t == "half") wanted.insert("fp16");
    else if (t == "float32" || t == "float") wanted.insert("tf32");
    else if (t == "float64" || t == "double") wanted.insert("fp64");
    else if (t.rfind("float8", 0) == 0) wanted.insert("fp8");
    else if (t == "int8" || t == "uint8" || t == "qint8" || t == "quint8") wanted.insert("int8");
  }
  std::vector<std::string> out;
  for (const auto& d : tensor_dtype_names())
    if (wanted.count(d)) out.push_back(d);
  return out;
}

std::vector<std::vector<std::string>> MetricPlan::configs() const {
  std::vector<std::vector<std::string>> out;
  if (!single_pass.empty()) out.push_back(single_pass);
  if (!multi_pass.empty()) out.push_back(multi_pass);
  return out;
}

MetricPlan plan_metrics(const std::vector<std::string>& tensor_dtypes, const MetricExists& exists) {
  MetricPlan plan;
  for (const char* m : {kDramReadBytes, kDramWriteBytes, kKernelDuration}) {
    if (exists(m)) plan.single_pass.push_back(m);
    else plan.notes.push_back(std::string("metric ") + m + " does not exist on this chip");
  }
  // All nine SASS counters share one pass however many precisions the model uses, and norms, softmax and
  // elementwise ops run on CUDA cores in fp32 even in bf16 models: request them all.
  for (const auto& m : sass_flop_metrics()) {
    if (exists(m)) plan.multi_pass.push_back(m);
    else plan.notes.push_back("metric " + m + " does not exist on this chip");
  }
  bool single_pass_has_tensor = false;
  for (const auto& dtype : tensor_dtypes) {
    auto it = tensor_candidates().find(dtype);
    if (it == tensor_candidates().end()) {
      plan.notes.push_back("no tensor-core counter is known for dtype " + dtype);
      continue;
    }
    const std::vector<std::string>* chosen = nullptr;
    for (const auto& candidate : it->second)
      if (std::all_of(candidate.begin(), candidate.end(), exists)) {
        chosen = &candidate;
        break;
      }
    if (chosen == nullptr) {
      plan.notes.push_back("no tensor-core counter for " + dtype + " on this chip: its tensor FLOPs are not measured");
      continue;
    }
    plan.tensor.push_back({dtype, *chosen});
    // One tensor metric fits the DRAM/time pass (bf16 + DRAM + time: 1 pass on GH100, measured); a second
    // dtype adds passes, so it goes with the multi-pass SASS counters.
    auto& target = !single_pass_has_tensor && chosen->size() == 1 ? plan.single_pass : plan.multi_pass;
    if (&target == &plan.single_pass) single_pass_has_tensor = true;
    for (const auto& m : *chosen)
      if (!contains(target, m)) target.push_back(m);
    if (dtype == "bf16" && &target == &plan.single_pass && chosen->front().size() > 4 &&
        chosen->front().compare(chosen->front().size() - 4, 4, ".sum") == 0)
      plan.factor_metrics = {chosen->front() + ".peak_sustained", "sm__cycles_elapsed.avg.per_second"};
  }
  return plan;
}

void demote_tensor_metrics(MetricPlan& plan) {
  plan.factor_metrics.clear();  // the bf16 counter leaves configuration 1: its peak is not read
  std::vector<std::string> keep;
  for (const auto& m : plan.single_pass) {
    bool tensor = std::any_of(plan.tensor.begin(), plan.tensor.end(),
                              [&](const TensorCounter& t) { return contains(t.metrics, m); });
    if (tensor) {
      if (!contains(plan.multi_pass, m)) plan.multi_pass.push_back(m);
    } else {
      keep.push_back(m);
    }
  }
  plan.single_pass = std::move(keep);
}

KernelCounters kernel_counters_from_values(std::size_t range, const std::map<std::string, double>& values,
                                           const MetricPlan& plan) {
  auto get = [&](const std::string& m) {
    auto it = values.find(m);
    return it == values.end() ? 0.0 : it->second;
  };
  KernelCounters k;
  k.range = range;
  k.metrics = values;
  const auto& sass = sass_flop_metrics();
  CoreInstructions* precisions[] = {&k.fp64, &k.fp32, &k.fp16};
  for (int p = 0; p < 3; ++p) {
    precisions[p]->add = get(sass[p * 3 + 0]);
    precisions[p]->mul = get(sass[p * 3 + 1]);
    precisions[p]->fma = get(sass[p * 3 + 2]);
  }
  for (const auto& t : plan.tensor) {
    double sum = 0;
    for (const auto& m : t.metrics) sum += get(m);
    k.tensor_ops[t.dtype] = sum;
  }
  k.dram_read_bytes = get(kDramReadBytes);
  k.dram_write_bytes = get(kDramWriteBytes);
  k.duration_ns = get(kKernelDuration);
  return k;
}

}  // namespace flopscope::gpu
