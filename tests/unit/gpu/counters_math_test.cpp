// Counter arithmetic, range-to-kernel join, per-op/per-module sums and roofline classification, from
// recorded counter values. Expected values are hand arithmetic written out here.
#include <gtest/gtest.h>

#include "gpu/counter_math.h"

using namespace flopscope::gpu;

namespace {

KernelRecord kernel(const std::string& name, std::uint32_t correlation, std::int32_t gx, std::int32_t gy = 1) {
  KernelRecord k;
  k.name = name;
  k.correlation = correlation;
  k.grid[0] = gx;
  k.grid[1] = gy;
  k.grid[2] = 1;
  return k;
}

KernelCounters range(std::size_t i, const std::string& name, std::int32_t gx, std::int32_t gy = 1) {
  KernelCounters r;
  r.range = i;
  r.name = name;
  r.grid[0] = gx;
  r.grid[1] = gy;
  r.grid[2] = 1;
  return r;
}

// H100 SXM datasheet peaks (dense): BF16 tensor 989.5 TFLOP/s, FP32 67 TFLOP/s, HBM3 3.35 TB/s.
PeakSet h100() {
  PeakSet p;
  p.source = "test: H100 SXM datasheet";
  p.flops_per_s = {{"bf16_tc", 989.5e12}, {"fp32", 67e12}};
  p.dram_bytes_per_s = 3.35e12;
  return p;
}

}  // namespace

TEST(CounterMath, CoreFlopsCountFmaTwice) {
  CoreInstructions c{10, 20, 30};
  EXPECT_DOUBLE_EQ(core_flops(c), 10 + 20 + 2 * 30);
}

TEST(CounterMath, FlopsByClassSplitsCudaCoresAndTensorCores) {
  KernelCounters k;
  k.fp32 = {1, 2, 3};   // 1 + 2 + 2*3 = 9
  k.fp16 = {0, 0, 5};   // 10
  k.fp64 = {0, 0, 0};   // absent
  // A 64x128x256 BF16 GEMM: 64*128*256 = 2,097,152 MACs; the tensor counter reads 2 math ops per MAC.
  k.tensor_ops["bf16"] = 2.0 * 64 * 128 * 256;
  k.tensor_ops["int8"] = 1000;  // integer ops are not FLOPs
  auto by = flops_by_class(k);
  ASSERT_EQ(by.size(), 3u);
  EXPECT_DOUBLE_EQ(by.at("fp32"), 9);
  EXPECT_DOUBLE_EQ(by.at("fp16"), 10);
  EXPECT_DOUBLE_EQ(by.at("bf16_tc"), 4194304);  // = 2 FLOPs per MAC
  EXPECT_EQ(by.count("fp64"), 0u);
  EXPECT_DOUBLE_EQ(measured_flops(k), 9 + 10 + 4194304);
  EXPECT_DOUBLE_EQ(int_ops(k), 1000);
}

TEST(CounterJoin, PairsRangesWithKernelsInLaunchOrder) {
  // Timing kernels arrive out of order (CUPTI does not order records): correlation ids give launch order.
  std::vector<KernelRecord> kernels = {kernel("gemm", 30, 8), kernel("relu", 20, 4), kernel("conv", 10, 16)};
  std::vector<KernelCounters> ranges = {range(0, "conv", 16), range(1, "relu", 4), range(2, "gemm", 8)};
  RangeJoin j = join_ranges(ranges, kernels);
  EXPECT_EQ(j.kernel_of_range, (std::vector<long>{2, 1, 0}));
  EXPECT_EQ(j.summary.joined, 3u);
  EXPECT_TRUE(j.summary.mismatches.empty());
}

TEST(CounterJoin, SkipsAnExtraRangeAndReportsIt) {
  // The counter pass launched a one-time workspace kernel the timing pass did not see.
  std::vector<KernelRecord> kernels = {kernel("a", 1, 1), kernel("b", 2, 2), kernel("c", 3, 3)};
  std::vector<KernelCounters> ranges = {range(0, "a", 1), range(1, "init", 1), range(2, "b", 2), range(3, "c", 3)};
  RangeJoin j = join_ranges(ranges, kernels);
  EXPECT_EQ(j.kernel_of_range, (std::vector<long>{0, -1, 1, 2}));
  EXPECT_EQ(j.summary.joined, 3u);
  EXPECT_EQ(j.summary.unmatched_ranges, 1u);
  EXPECT_EQ(j.summary.unmatched_kernels, 0u);
  ASSERT_EQ(j.summary.mismatches.size(), 1u);
  EXPECT_NE(j.summary.mismatches[0].find("range 1"), std::string::npos);
  EXPECT_NE(j.summary.mismatches[0].find("skipped 1 range"), std::string::npos);
}

TEST(CounterJoin, SkipsAMissingKernelAndFlagsGridMismatch) {
  std::vector<KernelRecord> kernels = {kernel("a", 1, 1), kernel("x", 2, 9), kernel("b", 3, 2), kernel("c", 4, 7)};
  std::vector<KernelCounters> ranges = {range(0, "a", 1), range(1, "b", 2), range(2, "c", 5)};
  RangeJoin j = join_ranges(ranges, kernels);
  // a joins; x is skipped; b joins; c has the same name but another grid: no agreeing pair, left unjoined.
  EXPECT_EQ(j.kernel_of_range, (std::vector<long>{0, 2, -1}));
  EXPECT_EQ(j.summary.joined, 2u);
  EXPECT_EQ(j.summary.unmatched_kernels, 2u);
  EXPECT_EQ(j.summary.unmatched_ranges, 1u);
  ASSERT_EQ(j.summary.mismatches.size(), 2u);
  EXPECT_NE(j.summary.mismatches[1].find("grid (5,1,1) vs (7,1,1)"), std::string::npos);
}

TEST(CounterJoin, RangesWithoutNamesJoinByPositionAndCount) {
  std::vector<KernelRecord> kernels = {kernel("a", 1, 1), kernel("b", 2, 2)};
  std::vector<KernelCounters> ranges(3);
  for (std::size_t i = 0; i < ranges.size(); ++i) ranges[i].range = i;
  RangeJoin j = join_ranges(ranges, kernels);
  EXPECT_EQ(j.kernel_of_range, (std::vector<long>{0, 1, -1}));
  EXPECT_EQ(j.summary.unmatched_ranges, 1u);
  ASSERT_EQ(j.summary.mismatches.size(), 1u);
  EXPECT_NE(j.summary.mismatches[0].find("1 range(s) after the last timing kernel"), std::string::npos);
}

TEST(Roofline, MemoryBoundBelowTheRidge) {
  MeasuredCost c;
  c.flops = 1e9;
  c.flops_by_class = {{"fp32", 1e9}};
  c.dram_read_bytes = 0.6e9;
  c.dram_write_bytes = 0.4e9;
  c.kernel_ns = 1e6;  // 1 ms
  classify_roofline(c, h100());
  EXPECT_DOUBLE_EQ(c.intensity, 1.0);                 // 1e9 FLOP / 1e9 B
  EXPECT_NEAR(c.ridge, 67e12 / 3.35e12, 1e-9);        // 20 FLOP/B
  EXPECT_EQ(c.bound, "memory");
  EXPECT_NEAR(c.attainable_flops_per_s, 3.35e12, 1);  // 1 FLOP/B * 3.35 TB/s
  EXPECT_NEAR(c.achieved_flops_per_s, 1e12, 1);       // 1e9 FLOP / 1e-3 s
  EXPECT_NEAR(c.bound_share, 1e12 / 3.35e12, 1e-12);
}

TEST(Roofline, ComputeBoundGemm) {
  // BF16 GEMM 4096^3: 2*4096^3 FLOPs; DRAM = A + B + C once, 3 * 4096*4096 * 2 bytes.
  MeasuredCost c;
  c.flops = 2.0 * 4096 * 4096 * 4096;
  c.flops_by_class = {{"bf16_tc", c.flops}};
  c.dram_read_bytes = 2 * 4096.0 * 4096 * 2;
  c.dram_write_bytes = 4096.0 * 4096 * 2;
  c.kernel_ns = 0.2e6;  // 0.2 ms
  classify_roofline(c, h100());
  EXPECT_NEAR(c.intensity, 137438953472.0 / 100663296.0, 1e-9);  // 1365.33 FLOP/B
  EXPECT_NEAR(c.ridge, 989.5e12 / 3.35e12, 1e-9);                 // 295.4 FLOP/B
  EXPECT_EQ(c.bound, "compute");
  EXPECT_DOUBLE_EQ(c.attainable_flops_per_s, 989.5e12);
  EXPECT_NEAR(c.bound_share, 137438953472.0 / 0.2e-3 / 989.5e12, 1e-12);  // 0.6945
}

TEST(Roofline, MixedPrecisionUsesTheHarmonicRoof) {
  MeasuredCost c;
  c.flops_by_class = {{"fp32", 1e9}, {"bf16_tc", 9e9}};
  c.flops = 1e10;
  c.dram_read_bytes = 1e6;  // intensity 1e4: compute-bound
  classify_roofline(c, h100());
  const double roof = 1e10 / (1e9 / 67e12 + 9e9 / 989.5e12);  // ~4.163e14
  EXPECT_EQ(c.bound, "compute");
  EXPECT_NEAR(c.attainable_flops_per_s, roof, roof * 1e-12);
  EXPECT_DOUBLE_EQ(c.bound_share, -1);  // no kernel time
}

TEST(Roofline, PureDataMovementIsMemoryBoundByBandwidth) {
  MeasuredCost c;
  c.dram_read_bytes = 1e9;
  c.dram_write_bytes = 1e9;
  c.kernel_ns = 1e6;
  classify_roofline(c, h100());
  EXPECT_EQ(c.bound, "memory");
  EXPECT_NEAR(c.bound_share, 2e9 / 1e-3 / 3.35e12, 1e-12);  // 2 TB/s of 3.35
}

TEST(Roofline, NoPeakForTheClassLeavesBoundUnknown) {
  MeasuredCost c;
  c.flops_by_class = {{"fp64", 1e9}};
  c.flops = 1e9;
  c.dram_read_bytes = 1e9;
  classify_roofline(c, h100());
  EXPECT_EQ(c.bound, "");
  EXPECT_DOUBLE_EQ(c.intensity, 1.0);
}

TEST(Aggregate, ModulesGetTheirSubtreeOpsTheirKeyAndOutliersTheirReason) {
  CounterReport report;
  report.ran = true;
  // k0: conv, 3x3 conv run as Winograd: half the direct-convolution FLOPs on fp32 CUDA cores.
  KernelCounters k0 = range(0, "winograd", 4);
  k0.fp32 = {0, 0, 500};  // 1000 FLOPs
  k0.dram_read_bytes = 100;
  // k1: batch norm: 150 FLOPs where the formula says 100.
  KernelCounters k1 = range(1, "bn", 2);
  k1.fp32 = {50, 100, 0};
  k1.dram_write_bytes = 300;
  // k2: a kernel no op owns.
  KernelCounters k2 = range(2, "stray", 1);
  k2.fp32 = {7, 0, 0};
  report.kernels = {k0, k1, k2};
  std::vector<KernelRecord> kernels = {kernel("winograd", 1, 4), kernel("bn", 2, 2), kernel("stray", 3, 1)};
  RangeJoin join = join_ranges(report.kernels, kernels);
  std::vector<KernelOwner> owners = {{true, "conv", "layer1.0.conv1"}, {true, "batch_norm", "layer1.0.bn1"}, {}};

  GpuReport timing;
  timing.by_module["layer1.0.conv1"].flops = 2000;
  timing.by_module["layer1.0.conv1"].kernel_ns.median = 1000;
  timing.by_module["layer1.0.bn1"].flops = 100;
  timing.by_module["layer1.0"].flops = 2100;
  timing.by_module["layer1"].flops = 2100;
  timing.by_module[""].flops = 2100;
  timing.by_op["conv"].flops = 2000;
  timing.by_op["batch_norm"].flops = 100;
  timing.by_module["layer2"].flops = 50;  // analytic work that no joined kernel measured

  aggregate_counters(report, join, owners, timing, h100(), 0.1);
  EXPECT_DOUBLE_EQ(report.total.flops, 1000 + 150 + 7);
  EXPECT_DOUBLE_EQ(report.by_module.at("layer1.0").flops, 1150);
  EXPECT_DOUBLE_EQ(report.by_module.at("layer1").kernels, 2);
  EXPECT_DOUBLE_EQ(report.by_module.at("").flops, 1150);  // the stray kernel has no module
  EXPECT_DOUBLE_EQ(report.by_module.at("layer1.0").dram_read_bytes + report.by_module.at("layer1.0").dram_write_bytes, 400);
  EXPECT_DOUBLE_EQ(report.by_op.at("conv").ratio, 0.5);
  EXPECT_DOUBLE_EQ(report.by_op.at("batch_norm").ratio, 1.5);
  EXPECT_NEAR(report.by_module.at("layer1.0").ratio, 1150.0 / 2100, 1e-15);
  EXPECT_DOUBLE_EQ(report.by_module.at("layer1.0.conv1").intensity, 10);  // 1000 FLOP / 100 B
  EXPECT_NEAR(report.by_module.at("layer1.0.conv1").achieved_flops_per_s, 1e9, 1e-3);  // 1000 FLOP / 1e-6 s
  EXPECT_EQ(report.by_module.at("layer2").kernels, 0);

  auto find = [&](const std::string& kind, const std::string& name) -> const RatioOutlier* {
    for (const auto& o : report.outliers)
      if (o.kind == kind && o.name == name) return &o;
    return nullptr;
  };
  ASSERT_NE(find("op", "conv"), nullptr);
  EXPECT_NE(find("op", "conv")->reason.find("Winograd"), std::string::npos);
  ASSERT_NE(find("op", "batch_norm"), nullptr);
  EXPECT_NE(find("op", "batch_norm")->reason.find("more arithmetic than the formula"), std::string::npos);
  ASSERT_NE(find("module", "layer1.0.conv1"), nullptr);  // its dominant op is conv
  EXPECT_NE(find("module", "layer1.0.conv1")->reason.find("Winograd"), std::string::npos);
  ASSERT_NE(find("module", "layer2"), nullptr);
  EXPECT_NE(find("module", "layer2")->reason.find("not measured"), std::string::npos);
}

// A training step's counter pass measures a module's forward and backward kernels together: its ratio is against
// both directions' analytic FLOPs. fc: forward 1000 FLOPs, backward 2000 (input and weight gradients); measured
// 900 + 2100.
TEST(Aggregate, ATrainingStepComparesBothDirections) {
  CounterReport report;
  report.ran = true;
  KernelCounters forward = range(0, "gemm", 4), backward = range(1, "gemm_bwd", 4);
  forward.fp32 = {900, 0, 0};
  backward.fp32 = {2100, 0, 0};
  report.kernels = {forward, backward};
  std::vector<KernelRecord> kernels = {kernel("gemm", 1, 4), kernel("gemm_bwd", 2, 4)};
  const RangeJoin join = join_ranges(report.kernels, kernels);
  std::vector<KernelOwner> owners = {{true, "addmm", "fc"}, {true, "mm", "fc"}};
  GpuReport timing;
  timing.train_step = true;
  timing.by_module["fc"].flops = timing.by_module[""].flops = 1000;
  timing.backward_by_module["fc"].flops = timing.backward_by_module[""].flops = 2000;
  timing.by_module["fc"].kernel_ns.median = 1000;
  timing.backward_by_module["fc"].kernel_ns.median = 2000;
  timing.by_op["addmm"].flops = 1000;
  timing.by_op["mm"].flops = 2000;
  aggregate_counters(report, join, owners, timing, h100(), 0.1);
  EXPECT_DOUBLE_EQ(report.by_module.at("fc").flops, 900 + 2100);
  EXPECT_DOUBLE_EQ(report.by_module.at("fc").analytic_flops, 1000 + 2000);
  EXPECT_DOUBLE_EQ(report.by_module.at("fc").ratio, 3000.0 / 3000);
  EXPECT_NEAR(report.by_module.at("fc").achieved_flops_per_s, 3000 / 3e-6, 1e-3);  // over 1000 + 2000 ns
  EXPECT_DOUBLE_EQ(report.total.analytic_flops, 3000);
}

TEST(LikelyReason, NamesPaddingRecomputationAndMissingFormula) {
  MeasuredCost gemv;  // M = 1 GEMV on tensor cores: 64x the formula
  gemv.kernels = 1;
  gemv.analytic_flops = 1e6;
  gemv.flops = 64e6;
  gemv.flops_by_class = {{"bf16_tc", 64e6}};
  gemv.ratio = 64;
  EXPECT_NE(likely_reason("linear", gemv, 0.1).find("padded tiles"), std::string::npos);

  MeasuredCost twice;
  twice.kernels = 2;
  twice.analytic_flops = 1e6;
  twice.flops = 2.02e6;
  twice.flops_by_class = {{"fp32", 2.02e6}};
  twice.ratio = 2.02;
  EXPECT_NE(likely_reason("linear", twice, 0.1).find("recomputation"), std::string::npos);

  MeasuredCost none;
  none.kernels = 1;
  none.flops = 5;
  EXPECT_NE(likely_reason("aten::softmax", none, 0.1).find("no formula"), std::string::npos);
}

// Names from the launch log go onto the ranges only when the counts agree: one launch the log missed would
// otherwise put every later kernel's name on its predecessor's range.
TEST(CounterJoin, LaunchNamesAttachOnlyWhenTheCountsAgree) {
  std::vector<KernelCounters> ranges = {range(0, "", 0), range(1, "", 0), range(2, "", 0)};
  std::vector<std::string> notes;
  attach_launches(ranges, {range(0, "gemm", 7), range(1, "elementwise", 11), range(2, "softmax", 13)}, notes);
  EXPECT_EQ(ranges[1].name, "elementwise");
  EXPECT_EQ(ranges[2].grid[0], 13);
  EXPECT_TRUE(notes.empty());

  std::vector<KernelCounters> more = {range(0, "", 0), range(1, "", 0), range(2, "", 0), range(3, "", 0)};
  attach_launches(more, {range(0, "gemm", 7), range(1, "softmax", 13)}, notes);
  for (const auto& r : more) {
    EXPECT_EQ(r.name, "");
    EXPECT_EQ(r.grid[0], 0);
  }
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("2 launches logged for 4 ranges"), std::string::npos) << notes[0];

  notes.clear();
  attach_launches(more, {}, notes);  // nothing logged: said where subscribing failed, nothing more here
  EXPECT_TRUE(notes.empty());
}

// FLOPs per tensor math op settled from the bf16 counter's peak: H100 SXM, 132 SMs, dense BF16 4096 FLOP per SM per
// clock (the peak table).
TEST(TensorFactor, SettledByTheCountersPeak) {
  TensorOpFactor one = settle_tensor_factor(4096.0 * 132, 132, 4096);
  EXPECT_EQ(one.flops_per_op, 1);
  EXPECT_EQ(one.ops_per_sm_cycle, 4096);
  EXPECT_NE(one.reason.find("reads 4096 per SM per cycle"), std::string::npos) << one.reason;
  TensorOpFactor two = settle_tensor_factor(2048.0 * 132, 132, 4096);  // one op per multiply-add
  EXPECT_EQ(two.flops_per_op, 2);
  EXPECT_NE(two.reason.find("2 FLOPs per tensor math op"), std::string::npos) << two.reason;
  TensorOpFactor odd = settle_tensor_factor(3000.0 * 132, 132, 4096);
  EXPECT_EQ(odd.flops_per_op, 1);
  EXPECT_NE(odd.reason.find("fits neither"), std::string::npos) << odd.reason;
  EXPECT_EQ(settle_tensor_factor(0, 132, 4096).flops_per_op, 1);
  EXPECT_NE(settle_tensor_factor(0, 132, 4096).reason.find("could not read"), std::string::npos);
  EXPECT_NE(settle_tensor_factor(4096.0 * 132, 132, 0).reason.find("no dense BF16"), std::string::npos);
}

TEST(TensorFactor, AppliedToTensorFlops) {
  KernelCounters k;
  k.tensor_ops["bf16"] = 1000;
  EXPECT_DOUBLE_EQ(flops_by_class(k).at("bf16_tc"), 1000);
  k.flops_per_tensor_op = 2;
  EXPECT_DOUBLE_EQ(flops_by_class(k).at("bf16_tc"), 2000);
  EXPECT_DOUBLE_EQ(measured_flops(k), 2000);
}
