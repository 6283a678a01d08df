#pragma once
// Which CUPTI metrics the counter pass requests, and how they are split into configurations (cupti-notes
// §2-§3). Pure: a chip's metric list comes in as a predicate (ProfilerHost::has_metric on a real chip, a set
// in the tests), so the plan is tested on the CPU.
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "flopscope/counters.h"

namespace flopscope::gpu {

// Metrics every plan requests.
inline constexpr const char* kDramReadBytes = "dram__bytes_read.sum";
inline constexpr const char* kDramWriteBytes = "dram__bytes_write.sum";
inline constexpr const char* kKernelDuration = "gpu__time_duration.sum";

/// The 9 CUDA-core FP instruction counters smsp__sass_thread_inst_executed_op_{d,f,h}{add,mul,fma}_pred_on.sum,
/// in the order fp64 add, mul, fma, fp32 add, mul, fma, fp16 add, mul, fma. One pass on GH100 (measured).
const std::vector<std::string>& sass_flop_metrics();

/// Tensor-core source dtypes, in the order plans consider them: "bf16", "fp16", "tf32", "fp8", "fp64", "int8".
const std::vector<std::string>& tensor_dtype_names();

/// The tensor dtypes a model whose tensors have these dtypes ("float32", "bfloat16", "float16", "float64",
/// "float8_e4m3fn", "int8", ...) can run on tensor cores. float32 maps to tf32: cuDNN convolutions use TF32
/// by default and matmuls do when TF32 is allowed.
std::vector<std::string> tensor_dtypes_for(const std::set<std::string>& torch_dtypes);

/// One tensor dtype's counter: the sum of these metrics (GH100 has one aggregate per dtype; GA100, AD102
/// and GB100 split fp16 by accumulator dtype).
struct TensorCounter {
  std::string dtype;
  std::vector<std::string> metrics;
};

struct MetricPlan {
  /// Configuration 1: single pass, so no replay and the caches as the kernel left them: DRAM bytes,
  /// duration, and at most one tensor-dtype metric.
  std::vector<std::string> single_pass;
  /// Configuration 2: the SASS FP instruction counters (software-patched, a pass of their own) and the other
  /// tensor dtypes (one pass or more each).
  std::vector<std::string> multi_pass;
  std::vector<TensorCounter> tensor;
  /// Read with configuration 1 to settle FLOPs per tensor math op (settle_tensor_factor): the bf16 tensor counter's
  /// peak_sustained and the SM clock. Empty when bf16 has no single-pass aggregate counter on the chip.
  std::vector<std::string> factor_metrics;
  std::vector<std::string> notes;  ///< "no tensor-core counter for fp8 on this chip"
  /// The non-empty configurations, single-pass first.
  std::vector<std::vector<std::string>> configs() const;
};

using MetricExists = std::function<bool(const std::string& metric)>;

/// The plan for these tensor dtypes on a chip whose metrics `exists` answers for (by full metric name).
MetricPlan plan_metrics(const std::vector<std::string>& tensor_dtypes, const MetricExists& exists);

/// Moves the single-pass configuration's tensor metrics to the multi-pass one; for when the chip needs
/// more than one pass for configuration 1 (ProfilerHost::configure says how many).
void demote_tensor_metrics(MetricPlan& plan);

/// One range's counters from its evaluated metric values (full name -> value). Missing metrics count 0.
KernelCounters kernel_counters_from_values(std::size_t range, const std::map<std::string, double>& values,
                                           const MetricPlan& plan);

}  // namespace flopscope::gpu
