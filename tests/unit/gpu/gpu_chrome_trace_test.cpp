// The Chrome trace of the fixture's first forward: parsed back, its ranges must nest (ops inside their
// module's range, modules inside their parent's), every kernel must sit on its stream's track, and every
// flow must start inside the launching op and end at its kernel.
#include <gtest/gtest.h>

#include <map>

#include "support/gpu_fixture.h"
#include "gpu/statistics.h"
#include "report/chrome_trace.h"

namespace {

using namespace flopscope;
using namespace flopscope::gpu;
using nlohmann::json;

// Host spans of forward 0 (ns after its start; its kernels start at 1000 ns and later):
// linear [100,200] { t [110,120], addmm [130,190] }, relu [210,230],
// conv2d [240,340] { convolution [245,335] { _convolution [250,330] { cudnn [260,320] } } },
// view [350,360], head addmm [370,400].
TimingRecording one_forward() {
  auto rec = gpu_fixture::recording();
  const std::uint64_t t0 = rec.forwards[0].start_ns;
  const std::uint64_t spans[10][2] = {{100, 200}, {110, 120}, {130, 190}, {210, 230}, {240, 340},
                                      {245, 335}, {250, 330}, {260, 320}, {350, 360}, {370, 400}};
  for (std::uint32_t op = 0; op < 10; ++op) rec.op_spans.push_back({0, op, t0 + spans[op][0], t0 + spans[op][1]});
  // The driver launch of the conv kernel (correlation 3) happened at 270 ns, inside cudnn_convolution.
  rec.activity.api[0].start_ns = t0 + 270;
  rec.activity.api[0].end_ns = t0 + 275;
  return rec;
}

struct Parsed {
  json trace;
  std::vector<json> x, s, f, meta;
};

Parsed parse(const Trace& t, const TimingRecording& rec) {
  const auto join = join_recording(t, gpu_fixture::op_set(), rec);
  Parsed p;
  p.trace = json::parse(report::render_chrome_trace(t, rec, join));
  for (const auto& e : p.trace.at("traceEvents")) {
    const std::string ph = e.at("ph");
    (ph == "X" ? p.x : ph == "s" ? p.s : ph == "f" ? p.f : p.meta).push_back(e);
  }
  return p;
}

bool inside(const json& inner, const json& outer) {
  const double a = inner["ts"], b = a + inner["dur"].get<double>();
  const double c = outer["ts"], d = c + outer["dur"].get<double>();
  return c <= a && b <= d;
}

TEST(GpuChromeTrace, ModulesAndOpsNest) {
  const auto t = gpu_fixture::trace();
  const auto p = parse(t, one_forward());
  std::map<std::string, json> modules;  // forward 0 only has op spans
  std::vector<json> ops;
  for (const auto& e : p.x) {
    if (e["cat"] == "module") {
      EXPECT_EQ(e["args"]["forward"], 0);
      EXPECT_EQ(modules.count(e["args"]["module"]), 0u) << "one range per module here";
      modules[e["args"]["module"]] = e;
    }
    if (e["cat"] == "op") ops.push_back(e);
  }
  // model, fc1, act, block, block.conv, head.
  ASSERT_EQ(modules.size(), 6u);
  EXPECT_EQ(modules.at("")["name"], "model");
  // block runs from conv2d's start (240 ns) to view's end (360 ns): 0.12 µs, starting 0.14 µs after linear.
  EXPECT_NEAR(modules.at("block")["dur"].get<double>(), 0.12, 1e-9);
  EXPECT_NEAR(modules.at("block")["ts"].get<double>() - modules.at("")["ts"].get<double>(), 0.14, 1e-9);
  EXPECT_NEAR(modules.at("")["dur"].get<double>(), 0.3, 1e-9);  // 100 .. 400 ns
  ASSERT_EQ(ops.size(), 10u);
  for (const auto& op : ops) {
    const std::string m = op["args"]["module"];
    EXPECT_TRUE(inside(op, modules.at(m))) << op.dump();
    EXPECT_EQ(op["pid"], report::kChromeCpuPid);
    EXPECT_EQ(op["tid"], report::kChromeOpTid);
  }
  EXPECT_TRUE(inside(modules.at("block.conv"), modules.at("block")));
  for (const char* m : {"fc1", "act", "block", "head"}) EXPECT_TRUE(inside(modules.at(m), modules.at(""))) << m;
  // Siblings do not overlap.
  EXPECT_LE(modules.at("fc1")["ts"].get<double>() + modules.at("fc1")["dur"].get<double>(),
            modules.at("act")["ts"].get<double>());
}

TEST(GpuChromeTrace, KernelsOnStreamTracksWithArgs) {
  const auto t = gpu_fixture::trace();
  const auto p = parse(t, one_forward());
  int kernels = 0, memory = 0;
  for (const auto& e : p.x) {
    if (e["cat"] == "kernel") {
      ++kernels;
      EXPECT_EQ(e["pid"], report::kChromeGpuPidBase);
      for (const char* key : {"op", "module", "correlation", "grid", "block"})
        EXPECT_TRUE(e["args"].contains(key)) << key;
      if (e["name"] == "cudnn_conv_b") {
        EXPECT_EQ(e["tid"], 8);
        EXPECT_EQ(e["args"]["op"], "aten::_convolution");
        EXPECT_EQ(e["args"]["launched_by"], "aten::cudnn_convolution");
        EXPECT_EQ(e["args"]["module"], "block.conv");
        EXPECT_EQ(e["args"]["grid"], json({4, 1, 1}));
        EXPECT_EQ(e["args"]["block"], json({128, 1, 1}));
      }
      if (e["name"] == "mystery") {
        EXPECT_TRUE(e["args"]["op"].is_null());
      }
    }
    if (e["cat"] == "memcpy" || e["cat"] == "memset") {
      ++memory;
      EXPECT_EQ(e["name"], e["cat"] == "memcpy" ? "Memcpy HtoD" : "Memset");  // copy kind 1 is host to device
      EXPECT_EQ(e["tid"], 13);
    }
  }
  // 6 + 5 + 6 kernels over the three forwards, 4 memory records.
  EXPECT_EQ(kernels, 17);
  EXPECT_EQ(memory, 4);
  // Track names: the CPU process and its two threads, GPU 0 and its streams 7, 8 and 13.
  int streams = 0;
  for (const auto& m : p.meta)
    if (m["name"] == "thread_name" && m["pid"] == report::kChromeGpuPidBase) ++streams;
  EXPECT_EQ(streams, 3);
}

TEST(GpuChromeTrace, FlowsRunFromTheLaunchingOpToTheKernel) {
  const auto t = gpu_fixture::trace();
  const auto p = parse(t, one_forward());
  // Forward 0 has op spans: its 5 attributed kernels get an arrow; the other forwards' kernels do not.
  ASSERT_EQ(p.s.size(), 5u);
  ASSERT_EQ(p.f.size(), 5u);
  std::map<std::uint64_t, json> starts;
  for (const auto& s : p.s) starts[s["id"]] = s;
  std::map<std::string, json> ops;
  for (const auto& e : p.x)
    if (e["cat"] == "op") ops[std::to_string(e["args"]["op"].get<int>())] = e;
  for (const auto& f : p.f) {
    ASSERT_EQ(starts.count(f["id"]), 1u);
    const json& s = starts[f["id"]];
    EXPECT_LE(s["ts"].get<double>(), f["ts"].get<double>());
    EXPECT_EQ(f["bp"], "e");
  }
  // The conv kernel launched through the driver leaves cudnn_convolution at its API call (270 ns = 0.17 µs
  // after linear starts), the other one at the op's start (260 ns = 0.16 µs).
  std::vector<double> conv_starts;
  const double base = ops.at("0")["ts"];
  for (const auto& s : p.s) {
    const double at = s["ts"].get<double>() - base;
    if (at > 0.155 && at < 0.175) conv_starts.push_back(at);
    bool in_some_op = false;
    for (const auto& [i, op] : ops)
      in_some_op |= op["ts"].get<double>() <= s["ts"].get<double>() &&
                    s["ts"].get<double>() <= op["ts"].get<double>() + op["dur"].get<double>();
    EXPECT_TRUE(in_some_op);
  }
  std::sort(conv_starts.begin(), conv_starts.end());
  ASSERT_EQ(conv_starts.size(), 2u);
  EXPECT_NEAR(conv_starts[0], 0.16, 1e-9);
  EXPECT_NEAR(conv_starts[1], 0.17, 1e-9);
}

TEST(GpuChromeTrace, InterleavedModulesGetOneRangePerRun) {
  Trace t;
  t.ops = {gpu_fixture::op("aten::relu", -1, "a"), gpu_fixture::op("aten::relu", -1, "b"),
           gpu_fixture::op("aten::relu", -1, "a")};
  TimingRecording rec;
  rec.forwards.push_back({0, 1000, 0.001});
  rec.op_spans = {{0, 0, 100, 200}, {0, 1, 300, 400}, {0, 2, 500, 600}};
  const auto p = parse(t, rec);
  int a = 0, b = 0, root = 0;
  for (const auto& e : p.x) {
    if (e["cat"] != "module") continue;
    a += e["args"]["module"] == "a";
    b += e["args"]["module"] == "b";
    root += e["args"]["module"] == "";
  }
  EXPECT_EQ(a, 2);
  EXPECT_EQ(b, 1);
  EXPECT_EQ(root, 1);
}

TEST(GpuChromeTrace, BadNamesAndIndicesDoNotThrow) {
  Trace t;
  t.ops = {gpu_fixture::op("aten::relu", -1, "a")};
  TimingRecording rec;
  rec.forwards.push_back({0, 1000, 0.001});
  rec.op_spans = {{0, 0, 100, 200}, {0, 42, 300, 400}};  // op 42 does not exist
  rec.activity.kernels.push_back(gpu_fixture::kernel(std::string("bad\xff\xfename"), 1, 150, 10));
  rec.activity.external.push_back({1, external_id(0, 0)});
  const auto join = join_recording(t, gpu_fixture::op_set(), rec);
  std::string out;
  ASSERT_NO_THROW(out = report::render_chrome_trace(t, rec, join));
  EXPECT_NO_THROW(json::parse(out));
}

// A training step's backward ops (here relu and the head addmm, as if autograd ran them): ops, kernels and the
// module ranges say which direction they belong to, and the backward's module ranges are named as such.
TEST(GpuChromeTrace, TrainingStepShowsBothDirections) {
  Trace t = gpu_fixture::trace();
  t.ops[3].backward = t.ops[9].backward = true;
  const Parsed p = parse(t, one_forward());
  std::map<std::string, std::string> direction;  // event name -> direction
  for (const auto& e : p.x)
    if (e.at("args").contains("direction")) direction[e.at("name")] = e.at("args").at("direction");
  EXPECT_EQ(direction.at("aten::linear"), "forward");
  EXPECT_EQ(direction.at("aten::relu"), "backward");
  EXPECT_EQ(direction.at("relu_kernel"), "backward");
  EXPECT_EQ(direction.at("gemm_head"), "backward");
  EXPECT_EQ(direction.at("gemm_linear"), "forward");
  EXPECT_EQ(direction.at("act (backward)"), "backward");
  EXPECT_EQ(direction.at("head (backward)"), "backward");
  EXPECT_EQ(direction.at("fc1"), "forward");
}

}  // namespace
