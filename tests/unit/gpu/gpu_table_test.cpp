// Text and JSON renderings of a hand-built GpuReport.
#include "report/gpu_table.h"

#include <gtest/gtest.h>

namespace {

using namespace flopscope;
using namespace flopscope::gpu;

GpuCost cost(double kernels, Spread ns, double flops, double per_s, double share) {
  GpuCost c;
  c.kernels = kernels;
  c.kernel_ns = ns;
  c.flops = flops;
  c.flops_per_s = per_s;
  c.peak_share = share;
  return c;
}

GpuReport sample() {
  GpuReport r;
  r.ran = true;
  r.device_name = "NVIDIA H100 80GB HBM3";
  r.forwards = 5;
  r.warmup = 2;
  r.wall_ms = {2.5, 2.4, 2.9};
  r.kernel_ms = {2.0, 1.9, 2.2};
  r.idle_ms = {0.5, 0.4, 0.7};
  r.plain_forward_ms = 2.0;
  r.attributed_share = 0.987;
  r.unattributed_kernels = 3;
  r.peaks.source = "table: H100 (sm_90, 132 SMs at 1980 MHz)";
  r.peaks.flops_per_s["bf16_tc"] = 1e15;
  // model: 3e9 FLOPs in 1.5 ms = 2 TFLOP/s, 25% of peak.
  r.by_module[""] = cost(12, {1.5e6, 1.4e6, 1.7e6}, 3e9, 2e12, 0.25);
  r.by_module[""].memcpy_ns = {0.25e6, 0.25e6, 0.25e6};
  r.by_module["layer"] = cost(10, {1.0e6, 1.0e6, 1.1e6}, 2e9, 2e12, -1);
  r.by_module["layer.10"] = cost(4, {0.4e6, 0.4e6, 0.4e6}, 0, 0, -1);
  r.by_module["layer.2"] = cost(6, {0.6e6, 0.6e6, 0.7e6}, 2e9, 2e9 / 0.6e-3, 0.5);
  r.by_module["layer.2.deep"] = cost(6, {0.6e6, 0.6e6, 0.7e6}, 2e9, 2e9 / 0.6e-3, 0.5);
  r.by_module["idle"] = GpuCost{};  // nothing to show
  r.by_op["aten::linear"] = cost(2, {0.2e6, 0.2e6, 0.2e6}, 1e9, 5e12, 0.1);
  r.by_op["aten::conv2d"] = cost(7.5, {1.2e6, 1.1e6, 1.3e6}, 2e9, 2e9 / 1.2e-3, 0.3);
  return r;
}

TEST(GpuTable, Summary) {
  const auto s = report::render_gpu_summary(sample());
  EXPECT_NE(s.find("GPU timing on NVIDIA H100 80GB HBM3: 5 forward(s) after 2 warmup\n"), std::string::npos) << s;
  EXPECT_NE(s.find("wall time (CUDA events)  2.500 [2.400-2.900] ms\n"), std::string::npos) << s;
  EXPECT_NE(s.find("kernel time (summed)     2.000 [1.900-2.200] ms\n"), std::string::npos) << s;
  EXPECT_NE(s.find("idle (wall - kernel)     0.500 [0.400-0.700] ms\n"), std::string::npos) << s;
  // 2.5 ms traced against 2.0 ms untraced: 1.25x.
  EXPECT_NE(s.find("untraced forward         2.000 ms (timing pass costs 1.25x)\n"), std::string::npos) << s;
  EXPECT_NE(s.find("98.7% of kernel time; 3 kernel(s) not joined to an op"), std::string::npos) << s;
  EXPECT_NE(s.find("table: H100 (sm_90, 132 SMs at 1980 MHz)"), std::string::npos) << s;
}

TEST(GpuTable, ModuleTable) {
  const auto t = report::render_gpu_modules(sample(), 2);
  EXPECT_NE(t.find("| module "), std::string::npos);
  EXPECT_NE(t.find("TFLOP/s (2 FLOPs/MAC)"), std::string::npos);
  // The root row: 12 kernels, 1.5 ms [1.4-1.7], 2.00 TFLOP/s, 25.0%, 0.250 ms of memcpy.
  EXPECT_NE(t.find("| model      | 12       | 1.500 [1.400-1.700]"), std::string::npos) << t;
  EXPECT_NE(t.find("| 2.00 "), std::string::npos) << t;
  EXPECT_NE(t.find("| 25.0%     |"), std::string::npos) << t;
  EXPECT_NE(t.find("| 0.250 "), std::string::npos) << t;
  // Depth 2 shown, depth 3 (layer.2.deep) not; layer.2 before layer.10; an empty module is left out.
  EXPECT_EQ(t.find("layer.2.deep"), std::string::npos) << t;
  EXPECT_LT(t.find("  layer.2 "), t.find("  layer.10 ")) << t;
  EXPECT_EQ(t.find("idle"), std::string::npos) << t;
  // Unknown peak or no flops: a dash.
  EXPECT_NE(t.find("|  layer     |  10      |  1.000 [1.000-1.100]         |  2.00                 |  -        |"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("|   layer.10 |   4      |   0.400 [0.400-0.400]        |   -                   |   -       |"),
            std::string::npos)
      << t;
}

TEST(GpuTable, OpsSlowestFirst) {
  const auto t = report::render_gpu_ops(sample());
  EXPECT_LT(t.find("aten::conv2d"), t.find("aten::linear")) << t;
  EXPECT_NE(t.find("| 7.5 "), std::string::npos) << t;
  EXPECT_NE(t.find("| 5.00 "), std::string::npos) << t;  // linear: 5 TFLOP/s
}

TEST(GpuTable, Skipped) {
  GpuReport r;
  r.skipped_reason = "no CUDA device: no CUDA driver";
  EXPECT_EQ(report::render_gpu_report(r), "GPU timing skipped: no CUDA device: no CUDA driver\n");
}

TEST(GpuTable, Json) {
  const auto j = report::gpu_report_json(sample());
  EXPECT_EQ(j["ran"], true);
  EXPECT_EQ(j["device"], "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(j["wall_ms"]["median"], 2.5);
  EXPECT_EQ(j["plain_forward_ms"], 2.0);
  EXPECT_EQ(j["unattributed_kernels"], 3);
  EXPECT_EQ(j["peaks"]["flops_per_s"]["bf16_tc"], 1e15);
  const auto& root = j["modules"][0];
  EXPECT_EQ(root["module"], "");
  EXPECT_DOUBLE_EQ(root["kernel_ms"]["median"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(root["tflops_per_s"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(root["flops"].get<double>(), 3e9);
  EXPECT_DOUBLE_EQ(root["macs"].get<double>(), 1.5e9);
  EXPECT_DOUBLE_EQ(root["peak_share"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(root["kernels_per_forward"].get<double>(), 12);
  // Path order: "", "idle", "layer", "layer.2", "layer.2.deep", "layer.10"; layer's unknown peak is null.
  ASSERT_EQ(j["modules"].size(), 6u);
  EXPECT_EQ(j["modules"][2]["module"], "layer");
  EXPECT_TRUE(j["modules"][2]["peak_share"].is_null());
  EXPECT_EQ(j["modules"][5]["module"], "layer.10");
  EXPECT_EQ(j["ops"][0]["op"], "aten::conv2d");
}

}  // namespace
