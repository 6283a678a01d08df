// Per-module and per-op-type GPU statistics from the fixture's three recorded forwards (gpu_fixture.h has
// every duration); each expectation below is worked out by hand from that table.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "count/attribute.h"
#include "gpu/statistics.h"
#include "support/gpu_fixture.h"

namespace {

using namespace flopscope;
using namespace flopscope::gpu;

struct Inputs {
  Trace trace = gpu_fixture::trace();
  OpSet ops = gpu_fixture::op_set();
  StatResult flops = count::count_trace(trace, ops.flops, ops);
  TimingRecording rec = gpu_fixture::recording();
  std::vector<std::string> precision{"tf32_tc", "", "", "", "", "", "bf16_tc", "", "", "fp32"};
  PeakSet peaks;
  Inputs() {
    peaks.source = "test";
    peaks.flops_per_s = {{"tf32_tc", 100e12}, {"bf16_tc", 200e12}, {"fp32", 20e12}};
  }
  GpuReport report() const { return gpu_report(trace, ops, flops, precision, rec, peaks); }
};

TEST(GpuStatistics, SpreadMedianMinMax) {
  const auto odd = spread_of({5, 1, 3});
  EXPECT_EQ(odd.median, 3);
  EXPECT_EQ(odd.min, 1);
  EXPECT_EQ(odd.max, 5);
  EXPECT_EQ(spread_of({4, 1, 3, 2}).median, 2.5);  // even count: mean of 2 and 3
  const auto none = spread_of({});
  EXPECT_EQ(none.median, 0);
  EXPECT_EQ(none.max, 0);
}

TEST(GpuStatistics, PerOpMacsAddUpToTheAnalysisTotals) {
  Inputs in;
  const auto owners = owner_ops(in.trace, {"aten::linear", "aten::addmm", "aten::_convolution"});
  const auto macs = op_macs(in.trace, in.ops, owners);
  // Only the owners with a formula: linear 8*64*32, _convolution 8*16*30*30*27, head addmm 8*48*10.
  const std::vector<Count> expected = {16384, 0, 0, 0, 0, 0, 3110400, 0, 0, 3840};
  EXPECT_EQ(macs, expected);
  for (const auto& [module, counter] : in.flops.by_module_and_op) {
    Count sum = 0;
    for (std::size_t i = 0; i < macs.size(); ++i) {
      const auto chain = module_and_ancestors(in.trace.ops[i].module);
      if (std::find(chain.begin(), chain.end(), module) != chain.end()) sum += macs[i];
    }
    EXPECT_EQ(sum, counter.total()) << module;
  }
  EXPECT_EQ(in.flops.total(""), 16384 + 3110400 + 3840);
}

// An op that threw counts nothing here either, as in count_trace: the convolution's 3110400 goes, the rest stays.
TEST(GpuStatistics, AnAbortedOpHasNoMacs) {
  Inputs in;
  in.trace.ops[6].aborted = true;
  const auto owners = owner_ops(in.trace, {"aten::linear", "aten::addmm", "aten::_convolution"});
  const std::vector<Count> expected = {16384, 0, 0, 0, 0, 0, 0, 0, 0, 3840};
  EXPECT_EQ(op_macs(in.trace, in.ops, owners), expected);
  EXPECT_EQ(count::count_trace(in.trace, in.ops.flops, in.ops).total(""), 16384 + 3840);
}

TEST(GpuStatistics, ModulesAreInclusiveAndPerForward) {
  const auto r = Inputs().report();
  ASSERT_TRUE(r.ran);
  EXPECT_EQ(r.forwards, 3);
  EXPECT_EQ(r.warmup, 2);
  // block.conv: two kernels (driver + runtime launch) per forward, 3000+2000, 3300+2000, 2900+2100 ns.
  const auto& conv = r.by_module.at("block.conv");
  EXPECT_EQ(conv.kernels, 2);
  EXPECT_EQ(conv.kernel_ns.median, 5000);
  EXPECT_EQ(conv.kernel_ns.min, 5000);
  EXPECT_EQ(conv.kernel_ns.max, 5300);
  // block holds only block.conv's kernels (its view launched none).
  EXPECT_EQ(r.by_module.at("block").kernel_ns.median, 5000);
  EXPECT_EQ(r.by_module.at("block").kernels, 2);
  // fc1: 1000, 1200, 1100 -> median 1100.
  EXPECT_EQ(r.by_module.at("fc1").kernel_ns.median, 1100);
  // The root: every attributed kernel, 1000+5000+500+700 = 7200, 1200+5300+500+800 = 7800,
  // 1100+5000+600+700 = 7400 -> median 7400; 5 kernels per forward.
  const auto& root = r.by_module.at("");
  EXPECT_EQ(root.kernel_ns.median, 7400);
  EXPECT_EQ(root.kernel_ns.min, 7200);
  EXPECT_EQ(root.kernel_ns.max, 7800);
  EXPECT_EQ(root.kernels, 5);
  // Memory: a 200 ns memset under linear each forward, a 400 ns memcpy under head in forward 0 only.
  EXPECT_EQ(r.by_module.at("fc1").memset_ns.median, 200);
  EXPECT_EQ(r.by_module.at("head").memcpy_ns.median, 0);
  EXPECT_EQ(r.by_module.at("head").memcpy_ns.max, 400);
  EXPECT_EQ(root.memcpy_ns.max, 400);
  EXPECT_EQ(root.memset_ns.median, 200);
}

TEST(GpuStatistics, ForwardLevelNumbers) {
  const auto r = Inputs().report();
  // Kernel time per forward includes the unattributed kernels (placed by time): 7200+300, 7800, 7400+400 ns.
  EXPECT_DOUBLE_EQ(r.kernel_ms.median, 0.0078);
  EXPECT_DOUBLE_EQ(r.kernel_ms.min, 0.0075);
  EXPECT_DOUBLE_EQ(r.kernel_ms.max, 0.0078);
  EXPECT_DOUBLE_EQ(r.wall_ms.median, 0.022);
  EXPECT_DOUBLE_EQ(r.wall_ms.min, 0.020);
  EXPECT_DOUBLE_EQ(r.wall_ms.max, 0.025);
  // Idle per forward: 0.020-0.0075 = 0.0125, 0.025-0.0078 = 0.0172, 0.022-0.0078 = 0.0142.
  EXPECT_NEAR(r.idle_ms.median, 0.0142, 1e-12);
  EXPECT_NEAR(r.idle_ms.min, 0.0125, 1e-12);
  EXPECT_NEAR(r.idle_ms.max, 0.0172, 1e-12);
  // Attributed 7200+7800+7400 = 22400 of 7500+7800+7800 = 23100 ns.
  EXPECT_DOUBLE_EQ(r.attributed_share, 22400.0 / 23100.0);
  EXPECT_EQ(r.unattributed_kernels, 2u);
}

TEST(GpuStatistics, FlopsThroughputAndShareOfPeak) {
  const auto r = Inputs().report();
  const auto& fc1 = r.by_module.at("fc1");
  EXPECT_DOUBLE_EQ(fc1.flops, 2.0 * 16384);
  EXPECT_DOUBLE_EQ(fc1.flops_per_s, 32768 / 1100e-9);
  EXPECT_DOUBLE_EQ(fc1.peak_share, (32768 / 100e12) / 1100e-9);
  const auto& root = r.by_module.at("");
  EXPECT_DOUBLE_EQ(root.flops, 2.0 * (16384 + 3110400 + 3840));
  EXPECT_NEAR(root.peak_share, (32768 / 100e12 + 6220800 / 200e12 + 7680 / 20e12) / 7400e-9, 1e-12);
  // Op types: keyed by the owner op's name.
  const auto& conv = r.by_op.at("aten::_convolution");
  EXPECT_EQ(conv.kernels, 2);
  EXPECT_EQ(conv.kernel_ns.median, 5000);
  EXPECT_DOUBLE_EQ(conv.flops, 6220800);
  EXPECT_DOUBLE_EQ(conv.peak_share, (6220800 / 200e12) / 5000e-9);
  EXPECT_EQ(r.by_op.at("aten::linear").kernel_ns.median, 1100);
  EXPECT_EQ(r.by_op.at("aten::relu").kernel_ns.median, 500);
  EXPECT_EQ(r.by_op.at("aten::relu").flops, 0);
  EXPECT_EQ(r.by_op.count("aten::cudnn_convolution"), 0u);  // owned by _convolution
  EXPECT_EQ(r.by_op.count("aten::view"), 0u);               // no kernel, no flops
}

TEST(GpuStatistics, MissingPeakGivesMinusOneWhereItIsNeeded) {
  Inputs in;
  in.peaks.flops_per_s.erase("fp32");  // head's addmm is fp32
  const auto r = in.report();
  EXPECT_EQ(r.by_module.at("head").peak_share, -1);
  EXPECT_EQ(r.by_module.at("").peak_share, -1);
  EXPECT_GT(r.by_module.at("fc1").peak_share, 0);
  // An empty precision vector leaves every share unknown but throughput still computed.
  in.precision.clear();
  const auto r2 = in.report();
  EXPECT_EQ(r2.by_module.at("fc1").peak_share, -1);
  EXPECT_DOUBLE_EQ(r2.by_module.at("fc1").flops_per_s, 32768 / 1100e-9);
}

TEST(GpuStatistics, ShuffledBuffersGiveTheSameReport) {
  Inputs in;
  const auto expected = in.report();
  std::mt19937 rng(7);
  std::shuffle(in.rec.activity.kernels.begin(), in.rec.activity.kernels.end(), rng);
  std::shuffle(in.rec.activity.external.begin(), in.rec.activity.external.end(), rng);
  std::shuffle(in.rec.activity.memory.begin(), in.rec.activity.memory.end(), rng);
  const auto r = in.report();
  ASSERT_EQ(r.by_module.size(), expected.by_module.size());
  for (const auto& [m, c] : expected.by_module) {
    EXPECT_EQ(r.by_module.at(m).kernel_ns.median, c.kernel_ns.median) << m;
    EXPECT_EQ(r.by_module.at(m).kernels, c.kernels) << m;
    EXPECT_EQ(r.by_module.at(m).peak_share, c.peak_share) << m;
  }
  EXPECT_EQ(r.kernel_ms.median, expected.kernel_ms.median);
  EXPECT_EQ(r.attributed_share, expected.attributed_share);
}

TEST(GpuStatistics, EmptyRecordingIsNotAnError) {
  Inputs in;
  in.rec = TimingRecording{};
  const auto r = in.report();
  EXPECT_EQ(r.forwards, 0);
  EXPECT_EQ(r.kernel_ms.median, 0);
  EXPECT_EQ(r.attributed_share, 0);
  EXPECT_EQ(r.by_module.at("").flops_per_s, 0);
}

// A training step: the fixture's relu (op 3) and head addmm (op 9) as if autograd's backward ran them. Their
// kernels and MACs go to backward_by_module, the rest stays the forward's.
TEST(GpuStatistics, TrainingStepSplitsForwardAndBackward) {
  Inputs in;
  in.trace.ops[3].backward = in.trace.ops[9].backward = true;
  Trace forward_ops, backward_ops;  // what the analysis counts for each direction, nesting kept
  std::vector<std::int32_t> index(in.trace.ops.size(), -1);
  for (std::size_t i = 0; i < in.trace.ops.size(); ++i) {
    OpRecord op = in.trace.ops[i];
    Trace& part = op.backward ? backward_ops : forward_ops;
    if (op.parent >= 0) op.parent = index[static_cast<std::size_t>(op.parent)];
    index[i] = static_cast<std::int32_t>(part.ops.size());
    part.ops.push_back(std::move(op));
  }
  const StatResult forward = count::count_trace(forward_ops, in.ops.flops, in.ops);
  const StatResult backward = count::count_trace(backward_ops, in.ops.flops, in.ops);
  const auto r = gpu_report(in.trace, in.ops, forward, in.precision, in.rec, in.peaks, &backward);
  ASSERT_TRUE(r.train_step);
  // Backward: head's addmm kernels 700, 800, 700 ns; relu's 500, 500, 600; its root 1200, 1300, 1300.
  EXPECT_EQ(r.backward_by_module.at("head").kernel_ns.median, 700);
  EXPECT_EQ(r.backward_by_module.at("head").flops, 2 * 8 * 48 * 10);
  EXPECT_EQ(r.backward_by_module.at("act").kernel_ns.median, 500);
  EXPECT_EQ(r.backward_by_module.at("").kernel_ns.median, 1300);
  EXPECT_EQ(r.backward_by_module.at("").kernels, 2);
  // head's share of peak: 7680 FLOPs at the fp32 peak (20 TFLOP/s) over its 700 ns.
  EXPECT_DOUBLE_EQ(r.backward_by_module.at("head").peak_share, (7680 / 20e12) / 700e-9);
  // Forward: linear 1000, 1200, 1100 and the convolution's 5000, 5300, 5000 -> 6000, 6500, 6100 ns.
  EXPECT_EQ(r.by_module.at("").kernel_ns.median, 6100);
  EXPECT_EQ(r.by_module.at("").flops, 2 * (16384 + 3110400));
  EXPECT_EQ(r.by_module.count("head") == 0 ? 0 : r.by_module.at("head").kernels, 0);
  // MFU of the step: linear 32768 FLOPs at tf32 100e12, the convolution's 6220800 at bf16 200e12, head's 7680 at
  // fp32 20e12, over the median wall time, 0.022 ms.
  const double at_peak = 32768 / 100e12 + 6220800 / 200e12 + 7680 / 20e12;
  EXPECT_DOUBLE_EQ(r.mfu, at_peak / 0.022e-3);
  // flopscope's loss (here the head addmm, as if it were the sum it makes) is timed but counted in no MFU.
  Inputs loss_in;
  loss_in.trace.ops[9].loss = true;
  const auto with_loss = gpu_report(loss_in.trace, loss_in.ops, forward, loss_in.precision, loss_in.rec, loss_in.peaks);
  EXPECT_DOUBLE_EQ(with_loss.mfu, (32768 / 100e12 + 6220800 / 200e12) / 0.022e-3);
  // A forward's report has the same MFU and no backward.
  const auto plain = in.report();
  EXPECT_FALSE(plain.train_step);
  EXPECT_TRUE(plain.backward_by_module.empty());
  EXPECT_DOUBLE_EQ(plain.mfu, at_peak / 0.022e-3);
}

}  // namespace
