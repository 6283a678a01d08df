// The timing pass driven on the CPU with a recording tracer: which external ids it pushes for which ops,
// that every push is popped, the host spans, and the whole chain from pushed ids through a recorded
// activity log to per-module GPU time. Expected values are written out from the forward's own op list.
#include <ATen/ops/linear.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/relu.h>
#include <ATen/ops/sigmoid.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <ATen/record_function.h>
#include <gtest/gtest.h>

#include <thread>

#include "gpu/counter_pass.h"
#include "capture/capture.h"
#include "support/fake_tracer.h"
#include "gpu/ranges.h"
#include "gpu/statistics.h"
#include "gpu/timing_pass.h"

namespace flopscope::gpu {
namespace {

class RootResolver : public capture::ModuleResolver {
 public:
  const std::string& resolve(const at::RecordFunction&) override { return block; }
  std::string block = "block";
};

struct Model {
  at::Tensor x = at::randn({3, 5}), w = at::randn({7, 5}), b = at::randn({7});
  bool second_branch = false;
  void forward() const {
    at::Tensor y = at::linear(x, w, b);  // aten::linear with its own nested ops
    (void)(second_branch ? at::sigmoid(y) : at::relu(y));
  }
};

Trace capture_of(const Model& m) {
  RootResolver resolver;
  c10::NoGradGuard no_grad;
  capture::Session session(resolver);
  m.forward();
  return session.finish();
}

std::vector<std::uint64_t> pushed(const FakeTracer& t) {
  std::vector<std::uint64_t> ids;
  for (const auto& c : t.calls)
    if (c.rfind("push ", 0) == 0) ids.push_back(std::stoull(c.substr(5)));
  return ids;
}

TEST(TimingPass, PushesEveryOpsIdInEveryRecordedForwardAndPopsThemAll) {
  c10::NoGradGuard no_grad;
  Model m;
  const Trace trace = capture_of(m);
  ASSERT_GE(trace.ops.size(), 3u);  // linear (with nested ops), relu
  FakeTracer tracer;
  TimingOptions o;
  o.warmup = 2;
  o.forwards = 3;
  TimingRecording rec = run_timing_pass(trace, tracer, nullptr, c10::Device(c10::kCPU), [&] { m.forward(); }, o);

  std::vector<std::uint64_t> expected;
  for (std::uint32_t f = 0; f < 3; ++f)
    for (std::uint32_t k = 0; k < trace.ops.size(); ++k) expected.push_back(external_id(f, k));
  EXPECT_EQ(pushed(tracer), expected);  // warm-ups push nothing
  EXPECT_TRUE(tracer.stack.empty());
  EXPECT_EQ(tracer.calls.front(), "start");
  EXPECT_EQ(tracer.calls.back(), "stop");
  EXPECT_EQ(std::count(tracer.calls.begin(), tracer.calls.end(), "pop"), static_cast<long>(expected.size()));
  EXPECT_EQ(rec.warmup, 2);
  ASSERT_EQ(rec.forwards.size(), 3u);
  ASSERT_EQ(rec.op_spans.size(), expected.size());
  for (const auto& span : rec.op_spans) {
    EXPECT_LT(span.start_ns, span.end_ns);
    const auto& w = rec.forwards[span.forward];
    EXPECT_GE(span.start_ns, w.start_ns);
    EXPECT_LE(span.end_ns, w.end_ns);
    // A nested op's span lies inside its parent's.
    const int parent = trace.ops[span.op].parent;
    if (parent >= 0) {
      const auto& p = rec.op_spans[span.forward * trace.ops.size() + static_cast<std::size_t>(parent)];
      EXPECT_LE(p.start_ns, span.start_ns);
      EXPECT_GE(p.end_ns, span.end_ns);
    }
  }
}

// A training step (forward, loss, backward, the gradients reset as the GPU pass resets them): the observer sees
// exactly the records the capture of a step keeps, autograd's nodes included, so every op of every recorded
// step gets its own id, none the id no op matches.
TEST(TimingPass, AStepsBackwardOpsEachGetTheirOwnId) {
  at::Tensor x = at::randn({3, 5}), w = at::randn({7, 5}).requires_grad_(), b = at::randn({7}).requires_grad_();
  auto step = [&] {
    w.mutable_grad().reset();
    b.mutable_grad().reset();
    torch::autograd::backward({at::relu(at::linear(x, w, b)).sum()});
  };
  c10::AutoGradMode with_grad(true);
  Trace trace;
  {
    RootResolver resolver;
    capture::Session session(resolver, {}, nullptr, static_cast<std::size_t>(-1), {}, /*with_backward=*/true);
    step();
    trace = session.finish();
  }
  std::size_t backward = 0;
  for (const auto& op : trace.ops) backward += op.backward ? 1 : 0;
  ASSERT_GT(backward, 3u);  // the nodes of addmm, relu and sum, with the ops they ran
  FakeTracer tracer;
  TimingOptions o;
  o.warmup = 1;
  o.forwards = 2;
  o.train_step = true;
  const TimingRecording rec = run_timing_pass(trace, tracer, nullptr, c10::Device(c10::kCPU), step, o);
  std::vector<std::uint64_t> expected;
  for (std::uint32_t f = 0; f < 2; ++f)
    for (std::uint32_t k = 0; k < trace.ops.size(); ++k) expected.push_back(external_id(f, k));
  EXPECT_EQ(pushed(tracer), expected);
  EXPECT_TRUE(tracer.stack.empty());
}

TEST(TimingPass, AnOpThatDiffersFromTheCaptureGetsAnIdNoOpMatches) {
  c10::NoGradGuard no_grad;
  Model m;
  const Trace trace = capture_of(m);
  m.second_branch = true;  // sigmoid where the capture saw relu
  FakeTracer tracer;
  TimingOptions o;
  o.warmup = 0;
  o.forwards = 1;
  run_timing_pass(trace, tracer, nullptr, c10::Device(c10::kCPU), [&] { m.forward(); }, o);
  const auto ids = pushed(tracer);
  std::size_t relu = 0;  // where the capture saw the activation (relu runs nested ops, sigmoid none)
  while (relu < trace.ops.size() && trace.ops[relu].name != "aten::relu") ++relu;
  ASSERT_LT(relu, trace.ops.size());
  ASSERT_GT(ids.size(), relu);
  for (std::size_t k = 0; k < relu; ++k) EXPECT_EQ(ids[k], external_id(0, static_cast<std::uint32_t>(k)));
  EXPECT_EQ(op_of(ids[relu]), 0xffffffffu);
}

// Module ranges open around the ops of their module, once per forward.
class RecordingSink : public RangeSink {
 public:
  std::vector<std::string> events;
  void push_module(const std::string& path) override { events.push_back("module " + path); }
  void push_op(const char* name, std::uint64_t) override { events.push_back(std::string("op ") + name); }
  void pop() override { events.push_back("pop"); }
};

TEST(TimingPass, RangesNestOpsInTheirModule) {
  c10::NoGradGuard no_grad;
  Model m;
  const Trace trace = capture_of(m);
  FakeTracer tracer;
  RecordingSink sink;
  RangeNester nester(sink);
  TimingOptions o;
  o.warmup = 0;
  o.forwards = 2;
  run_timing_pass(trace, tracer, &nester, c10::Device(c10::kCPU), [&] { m.forward(); }, o);
  EXPECT_EQ(std::count(sink.events.begin(), sink.events.end(), "module block"), 2);
  EXPECT_EQ(std::count(sink.events.begin(), sink.events.end(), "op aten::linear"), 2);
  EXPECT_EQ(std::count(sink.events.begin(), sink.events.end(), "pop"),
            static_cast<long>(2 * (trace.ops.size() + 1)));
  EXPECT_EQ(sink.events.front(), "module block");
}

// From pushed ids to a per-module report: the activity log is written as CUPTI would deliver it for the
// ids the pass pushed (one 2 µs kernel under linear's nested addmm, one 1 µs kernel under relu).
TEST(TimingPass, KernelsJoinToTheOpsThatPushedTheirIds) {
  c10::NoGradGuard no_grad;
  Model m;
  const Trace trace = capture_of(m);
  std::int32_t addmm = -1, relu = -1;
  for (std::size_t k = 0; k < trace.ops.size(); ++k) {
    if (trace.ops[k].name == "aten::addmm") addmm = static_cast<std::int32_t>(k);
    if (trace.ops[k].name == "aten::relu") relu = static_cast<std::int32_t>(k);
  }
  ASSERT_GE(addmm, 0);
  ASSERT_GE(relu, 0);
  FakeTracer tracer;
  std::uint32_t correlation = 1;
  for (std::uint32_t f = 0; f < 2; ++f) {
    for (auto [op, ns] : {std::pair{addmm, 2000u}, std::pair{relu, 1000u}}) {
      KernelRecord k;
      k.name = "kernel";
      k.start_ns = 100000;
      k.end_ns = k.start_ns + ns;
      k.correlation = correlation;
      tracer.log.kernels.push_back(k);
      tracer.log.external.push_back({correlation, external_id(f, static_cast<std::uint32_t>(op))});
      ++correlation;
    }
  }
  TimingOptions o;
  o.warmup = 0;
  o.forwards = 2;
  TimingRecording rec = run_timing_pass(trace, tracer, nullptr, c10::Device(c10::kCPU), [&] { m.forward(); }, o);
  const OpSet ops = op_set_named("mmengine");
  const std::vector<std::string> precision(trace.ops.size(), "fp32");
  PeakSet peaks;
  peaks.flops_per_s["fp32"] = 1e12;
  StatResult flops;
  flops.by_module_and_op["block"].add("linear", 3 * 5 * 7);
  flops.by_module_and_op[""].add("linear", 3 * 5 * 7);
  const GpuReport r = gpu_report(trace, ops, flops, precision, rec, peaks);
  ASSERT_EQ(r.by_module.count("block"), 1u);
  EXPECT_DOUBLE_EQ(r.by_module.at("block").kernel_ns.median, 3000);
  EXPECT_DOUBLE_EQ(r.by_module.at("block").kernels, 2);
  EXPECT_DOUBLE_EQ(r.attributed_share, 1.0);
  // addmm runs inside linear, which has the formula: its kernel is linear's.
  ASSERT_EQ(r.by_op.count("aten::linear"), 1u);
  EXPECT_DOUBLE_EQ(r.by_op.at("aten::linear").kernel_ns.median, 2000);
  EXPECT_DOUBLE_EQ(r.by_op.at("aten::linear").flops, 2.0 * 3 * 5 * 7);
}

// The counter pass's ranges come in launch order; the timing pass's kernels in buffer order. The adapter takes
// one forward's kernels by correlation id (launch order) with their owners, so range i meets launch i.
TEST(TimingPass, CounterRangesMeetTheTimingKernelsInLaunchOrder) {
  c10::NoGradGuard no_grad;
  Model m;
  const Trace trace = capture_of(m);
  std::uint32_t addmm = 0, relu = 0;
  for (std::uint32_t k = 0; k < trace.ops.size(); ++k) {
    if (trace.ops[k].name == "aten::addmm") addmm = k;
    if (trace.ops[k].name == "aten::relu") relu = k;
  }
  TimingRecording rec;
  rec.forwards.resize(2);
  // Delivered out of order: forward 1's kernels first, then forward 0's relu before its gemm.
  auto kernel = [&](const char* name, std::uint32_t correlation, std::uint32_t f, std::uint32_t op) {
    KernelRecord k;
    k.name = name;
    k.correlation = correlation;
    k.start_ns = 10 * correlation;
    k.end_ns = k.start_ns + 5;
    k.grid[0] = static_cast<std::int32_t>(correlation);
    rec.activity.kernels.push_back(k);
    rec.activity.external.push_back({correlation, external_id(f, op)});
  };
  kernel("gemm", 30, 1, addmm);
  kernel("relu_kernel", 31, 1, relu);
  kernel("relu_kernel", 21, 0, relu);
  kernel("gemm", 20, 0, addmm);
  const OpSet ops = op_set_named("mmengine");
  const GpuJoin join = join_recording(trace, ops, rec);
  std::vector<KernelRecord> kernels;
  std::vector<KernelOwner> owners;
  gpu::kernels_of_forward(trace, rec, join, 0, kernels, owners);
  ASSERT_EQ(kernels.size(), 2u);
  EXPECT_EQ(kernels[0].correlation, 20u);
  EXPECT_EQ(kernels[1].correlation, 21u);
  EXPECT_EQ(owners[0].op_key, "aten::linear");  // addmm runs inside linear, which has the formula
  EXPECT_EQ(owners[0].module, "block");
  EXPECT_EQ(owners[1].op_key, "aten::relu");

  // Counters for the two launches, as the range profiler reports them in launch order: the gemm ran
  // 3*5*7 FMAs on bf16 tensor cores (counted as math ops), the relu 21 fp32 ops.
  std::vector<KernelCounters> ranges(2);
  ranges[0].name = "gemm";
  ranges[0].tensor_ops["bf16"] = 2.0 * 3 * 5 * 7 / kFlopsPerTensorMathOp;
  ranges[1].name = "relu_kernel";
  ranges[1].fp32.add = 21;
  const RangeJoin joined = join_ranges(ranges, kernels);
  EXPECT_EQ(joined.summary.joined, 2u);
  EXPECT_EQ(joined.kernel_of_range, (std::vector<long>{0, 1}));
}

// The counter pass restarts its collection between ops (src/gpu/range_chunks.h). A step's CUDA backward runs on
// autograd's device thread, which the engine hands the analysing thread's ThreadLocalState for each node: its
// ops end outermost there, while the analysing thread waits inside backward(). Each must be a checkpoint, or a
// backward longer than one counter image drops its ranges; a forward's checkpoints stay on its own thread.
TEST(CounterPass, AStepsBackwardOnTheDeviceThreadIsCheckpointed) {
  const at::Tensor x = at::randn({3, 5});
  for (const bool step : {false, true}) {
    std::vector<std::string> when;  // the thread each checkpoint came from
    const auto main_thread = std::this_thread::get_id();
    auto checkpoint = [&] { when.push_back(std::this_thread::get_id() == main_thread ? "main" : "device"); };
    run_with_checkpoints(
        [&] {
          at::relu(x);  // an op of the forward: one checkpoint
          // The analysing thread inside an op of its own while the device thread runs two: the device thread's
          // nesting is its own, so both of its ops end outermost.
          at::RecordFunction outer(at::RecordScope::FUNCTION);
          outer.before("test::outer");  // an operator's name: a name without "::" is a label (region_label.h)
          const at::ThreadLocalState state;
          std::thread device([&] {
            at::ThreadLocalStateGuard guard(state);
            at::relu(x);
            at::sigmoid(x);
          });
          device.join();
          outer.end();  // one more checkpoint, on the analysing thread
        },
        checkpoint, step);
    const std::vector<std::string> expected = step ? std::vector<std::string>{"main", "device", "device", "main"}
                                                   : std::vector<std::string>{"main", "main"};
    EXPECT_EQ(when, expected) << "step " << step;
  }
}

}  // namespace
}  // namespace flopscope::gpu
