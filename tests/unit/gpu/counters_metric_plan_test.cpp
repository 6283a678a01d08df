// Which metrics the counter pass requests and how they split into configurations. The chips' metric lists
// are written out from what CUPTI 13.0's profiler host lists offline (cupti-notes §3; GA100 and GB100 split
// fp16 by accumulator and have no fp16 aggregate, GH100 has only the aggregate).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "gpu/metric_plan.h"

using namespace flopscope::gpu;

namespace {

const std::set<std::string> kCommon = {
    "dram__bytes_read.sum", "dram__bytes_write.sum", "gpu__time_duration.sum",
    "smsp__sass_thread_inst_executed_op_dadd_pred_on.sum", "smsp__sass_thread_inst_executed_op_dmul_pred_on.sum",
    "smsp__sass_thread_inst_executed_op_dfma_pred_on.sum", "smsp__sass_thread_inst_executed_op_fadd_pred_on.sum",
    "smsp__sass_thread_inst_executed_op_fmul_pred_on.sum", "smsp__sass_thread_inst_executed_op_ffma_pred_on.sum",
    "smsp__sass_thread_inst_executed_op_hadd_pred_on.sum", "smsp__sass_thread_inst_executed_op_hmul_pred_on.sum",
    "smsp__sass_thread_inst_executed_op_hfma_pred_on.sum", "sm__ops_path_tensor_src_bf16_dst_fp32.sum",
    "sm__ops_path_tensor_src_tf32_dst_fp32.sum", "sm__ops_path_tensor_src_fp64.sum", "sm__ops_path_tensor_src_int8.sum"};

MetricExists chip(std::initializer_list<const char*> extra) {
  auto names = std::make_shared<std::set<std::string>>(kCommon);
  for (const char* e : extra) names->insert(e);
  return [names](const std::string& m) { return names->count(m) > 0; };
}

const MetricExists gh100 = chip({"sm__ops_path_tensor_src_fp16.sum", "sm__ops_path_tensor_src_fp8.sum"});
const MetricExists ga100 = chip({"sm__ops_path_tensor_src_fp16_dst_fp32.sum", "sm__ops_path_tensor_src_fp16_dst_fp16.sum"});

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TEST(MetricPlan, Bf16ModelOnGH100) {
  MetricPlan p = plan_metrics({"bf16"}, gh100);
  EXPECT_EQ(p.single_pass, (std::vector<std::string>{"dram__bytes_read.sum", "dram__bytes_write.sum",
                                                     "gpu__time_duration.sum", "sm__ops_path_tensor_src_bf16_dst_fp32.sum"}));
  EXPECT_EQ(p.multi_pass, sass_flop_metrics());
  EXPECT_EQ(p.multi_pass.size(), 9u);
  EXPECT_EQ(p.configs().size(), 2u);
  EXPECT_TRUE(p.notes.empty());
}

TEST(MetricPlan, SecondDtypeGoesToTheMultiPassConfig) {
  MetricPlan p = plan_metrics({"bf16", "fp16"}, gh100);
  EXPECT_TRUE(has(p.single_pass, "sm__ops_path_tensor_src_bf16_dst_fp32.sum"));
  EXPECT_FALSE(has(p.single_pass, "sm__ops_path_tensor_src_fp16.sum"));
  EXPECT_TRUE(has(p.multi_pass, "sm__ops_path_tensor_src_fp16.sum"));
}

TEST(MetricPlan, Fp16OnGA100SumsBothAccumulators) {
  MetricPlan p = plan_metrics({"fp16"}, ga100);
  ASSERT_EQ(p.tensor.size(), 1u);
  EXPECT_EQ(p.tensor[0].metrics, (std::vector<std::string>{"sm__ops_path_tensor_src_fp16_dst_fp32.sum",
                                                           "sm__ops_path_tensor_src_fp16_dst_fp16.sum"}));
  // Two metrics would not stay one pass: both go with the SASS counters.
  EXPECT_EQ(p.single_pass.size(), 3u);
  EXPECT_TRUE(has(p.multi_pass, "sm__ops_path_tensor_src_fp16_dst_fp16.sum"));
}

TEST(MetricPlan, MissingDtypeCounterIsANoteNotARequest) {
  MetricPlan p = plan_metrics({"fp8"}, ga100);
  EXPECT_TRUE(p.tensor.empty());
  ASSERT_EQ(p.notes.size(), 1u);
  EXPECT_NE(p.notes[0].find("fp8"), std::string::npos);
  for (const auto& c : p.configs())
    for (const auto& m : c) EXPECT_EQ(m.find("fp8"), std::string::npos) << m;
}

TEST(MetricPlan, DemoteMovesTensorMetricsOut) {
  MetricPlan p = plan_metrics({"bf16"}, gh100);
  demote_tensor_metrics(p);
  EXPECT_EQ(p.single_pass.size(), 3u);
  EXPECT_TRUE(has(p.multi_pass, "sm__ops_path_tensor_src_bf16_dst_fp32.sum"));
}

TEST(MetricPlan, TorchDtypesMapToTensorDtypes) {
  EXPECT_EQ(tensor_dtypes_for({"float32", "bfloat16", "int64"}), (std::vector<std::string>{"bf16", "tf32"}));
  EXPECT_EQ(tensor_dtypes_for({"float16", "float8_e4m3fn", "float64"}),
            (std::vector<std::string>{"fp16", "fp8", "fp64"}));
  EXPECT_TRUE(tensor_dtypes_for({"int64", "bool"}).empty());
}

TEST(MetricPlan, ValuesBecomeKernelCounters) {
  MetricPlan p = plan_metrics({"fp16"}, ga100);
  std::map<std::string, double> v = {{"smsp__sass_thread_inst_executed_op_ffma_pred_on.sum", 7},
                                     {"smsp__sass_thread_inst_executed_op_hadd_pred_on.sum", 3},
                                     {"smsp__sass_thread_inst_executed_op_dmul_pred_on.sum", 2},
                                     {"sm__ops_path_tensor_src_fp16_dst_fp32.sum", 100},
                                     {"sm__ops_path_tensor_src_fp16_dst_fp16.sum", 20},
                                     {"dram__bytes_read.sum", 4096},
                                     {"gpu__time_duration.sum", 1234}};
  KernelCounters k = kernel_counters_from_values(5, v, p);
  EXPECT_EQ(k.range, 5u);
  EXPECT_DOUBLE_EQ(k.fp32.fma, 7);
  EXPECT_DOUBLE_EQ(k.fp16.add, 3);
  EXPECT_DOUBLE_EQ(k.fp64.mul, 2);
  EXPECT_DOUBLE_EQ(k.tensor_ops.at("fp16"), 120);
  EXPECT_DOUBLE_EQ(k.dram_read_bytes, 4096);
  EXPECT_DOUBLE_EQ(k.dram_write_bytes, 0);
  EXPECT_DOUBLE_EQ(k.duration_ns, 1234);
  EXPECT_EQ(k.metrics.size(), v.size());
}
