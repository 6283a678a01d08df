// The capture stage: values kept in the session's own pools come back in the Trace as the ops received
// them, and TorchScript ops are placed in modules by following the interpreter's calls (no hierarchy
// strings parsed), falling back to the hierarchy for graphs whose calls were inlined.
#include <ATen/ThreadLocalState.h>
#include <ATen/autocast_mode.h>
#include <ATen/functorch/BatchedTensorImpl.h>
#include <ATen/functorch/DynamicLayer.h>
#include <ATen/record_function.h>
#include <ATen/ops/add.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/einsum.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/sum.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/csrc/jit/runtime/print_handler.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "capture/capture.h"
#include "capture/model_output.h"
#include "capture/op_observer.h"
#include "gpu/precision.h"
#include "flopscope/report.h"
#include "text/printable.h"
#include "capture/jit_hierarchy.h"
#include "model/model.h"
#include "test_support.h"

namespace flopscope {
namespace {

struct Root : capture::ModuleResolver {
  const std::string& resolve(const at::RecordFunction&) override { return path; }
  std::string path = "block.inner";  // longer than a short string, to be copied into the pools
};

const OpRecord& first_named(const Trace& trace, const std::string& name) {
  for (const auto& op : trace.ops)
    if (op.name == name) return op;
  throw std::runtime_error("no " + name + " in the trace");
}

// The timing pass's view: starts and ends in nesting order, and nothing after the observer goes.
struct Log : capture::OpObserver {
  std::vector<std::string> events;
  void op_start(const char* name) override { events.push_back(std::string("+") + name); }
  void op_end() override { events.push_back("-"); }
};

TEST(Capture, ObserversSeeEachOpStartAndEndInNestingOrder) {
  at::Tensor x = at::randn({3, 5}), w = at::randn({7, 5});
  Log log;
  {
    capture::ObserveOps observe(log);
    at::linear(x, w);  // linear -> t, matmul -> mm (CPU)
    at::add(x, x);
  }
  at::add(x, x);  // after: not seen
  ASSERT_GE(log.events.size(), 4u);
  EXPECT_EQ(log.events.front(), "+aten::linear");
  EXPECT_EQ(log.events.back(), "-");
  EXPECT_EQ(log.events[log.events.size() - 2], "+aten::add");
  int depth = 0;
  for (const auto& e : log.events) {
    depth += e == "-" ? -1 : 1;
    EXPECT_GE(depth, 0);
  }
  EXPECT_EQ(depth, 0);
}

// A training step's CUDA backward runs on autograd's device thread, which the engine hands the analysing thread's
// ThreadLocalState for each node (its callbacks and debug info, not its thread_locals). A step's capture and its
// timing pass's observer follow the ops there, each nested in its own thread's; a forward's stay on their thread.
TEST(Capture, AStepFollowsItsOpsOntoAutogradsDeviceThread) {
  const at::Tensor x = at::randn({3, 5});
  auto on_device_thread = [&x] {
    const at::ThreadLocalState state;  // what the engine keeps for the graph task
    std::thread device([&] {
      at::ThreadLocalStateGuard guard(state);
      at::add(x, x);
    });
    device.join();
  };
  Root root;
  for (const bool step : {false, true}) {
    Trace t;
    {
      capture::Session session(root, {}, nullptr, static_cast<std::size_t>(-1), {}, step);
      at::sum(x);
      on_device_thread();
      t = session.finish();
    }
    std::vector<std::string> top;
    for (const auto& op : t.ops)
      if (op.parent < 0) top.push_back(op.name);
    const std::vector<std::string> expected =
        step ? std::vector<std::string>{"aten::sum", "aten::add"} : std::vector<std::string>{"aten::sum"};
    EXPECT_EQ(top, expected) << "step " << step;
    Log log;
    {
      capture::ObserveOps observe(log, step);
      on_device_thread();
    }
    const std::vector<std::string> seen = step ? std::vector<std::string>{"+aten::add", "-"} : std::vector<std::string>{};
    EXPECT_EQ(log.events, seen) << "step " << step;
  }
}

// torch.autocast re-runs the model's op inside itself on cast tensors: the record keeps the float32 call the model
// made, with the bfloat16 one nested in it, where the GPU pass reads the dtype its kernels ran in (gpu/precision.h).
TEST(Capture, AnOpUnderAutocastHoldsItsCastTwinInside) {
  const at::Tensor x = at::randn({4, 8}), w = at::randn({6, 8});
  Root root;
  Trace trace;
  {
    capture::Session session(root);
    at::autocast::set_autocast_enabled(at::kCPU, true);
    at::autocast::set_autocast_dtype(at::kCPU, at::kBFloat16);
    const at::Tensor y = at::linear(x, w);
    at::autocast::set_autocast_enabled(at::kCPU, false);
    at::autocast::clear_cache();
    EXPECT_EQ(y.scalar_type(), at::kBFloat16);
    trace = session.finish();
  }
  ASSERT_FALSE(trace.ops.empty());
  ASSERT_EQ(trace.ops[0].name, "aten::linear");
  EXPECT_EQ(gpu::op_dtype(trace.ops[0]), gpu::scalar_type::kFloat);  // what the model passed
  EXPECT_EQ(gpu::precision_classes(trace, gpu::Float32Modes{})[0], "bf16_tc");
}

TEST(Capture, ValuesComeBackAsTheOpsReceivedThem) {
  Root root;
  Trace trace;
  {
    capture::Session session(root);  // every op's values
    c10::NoGradGuard no_grad;
    auto a = at::randn({2, 3});
    auto b = at::randn({4, 3});
    at::cat({a, b}, 0);
    at::einsum("ij,kj->ik", {a, b});
    at::sum(b, {1}, /*keepdim=*/true);
    at::linear(a, at::randn({5, 3}), /*bias=*/{});
    trace = session.finish();
  }

  const OpRecord& cat = first_named(trace, "aten::cat");
  ASSERT_EQ(cat.inputs.size(), 2u);
  EXPECT_EQ(cat.inputs[0].kind, Value::Kind::TensorList);
  EXPECT_EQ(cat.inputs[0].shapes, (std::vector<std::vector<std::int64_t>>{{2, 3}, {4, 3}}));
  EXPECT_EQ(cat.inputs[1].kind, Value::Kind::Int);
  EXPECT_EQ(cat.inputs[1].number, 0.0);
  ASSERT_EQ(cat.outputs.size(), 1u);
  EXPECT_EQ(cat.outputs[0].sizes, (std::vector<std::int64_t>{6, 3}));
  EXPECT_EQ(cat.outputs[0].dtype, static_cast<std::int8_t>(c10::ScalarType::Float));
  EXPECT_EQ(cat.parent, -1);
  EXPECT_EQ(cat.module, "block.inner");

  const OpRecord& einsum = first_named(trace, "aten::einsum");
  EXPECT_EQ(einsum.inputs[0].kind, Value::Kind::String);
  EXPECT_EQ(einsum.inputs[0].text, "ij,kj->ik");
  EXPECT_EQ(einsum.outputs[0].sizes, (std::vector<std::int64_t>{2, 4}));

  const OpRecord& sum = first_named(trace, "aten::sum");
  ASSERT_GE(sum.inputs.size(), 4u);
  EXPECT_EQ(sum.inputs[1].kind, Value::Kind::IntList);
  EXPECT_EQ(sum.inputs[1].sizes, (std::vector<std::int64_t>{1}));
  EXPECT_EQ(sum.inputs[2].kind, Value::Kind::Bool);
  EXPECT_EQ(sum.inputs[2].number, 1.0);
  EXPECT_TRUE(sum.inputs[3].is_none());  // dtype
  EXPECT_EQ(sum.outputs[0].sizes, (std::vector<std::int64_t>{4, 1}));

  const OpRecord& linear = first_named(trace, "aten::linear");
  ASSERT_EQ(linear.inputs.size(), 3u);
  EXPECT_EQ(linear.inputs[1].sizes, (std::vector<std::int64_t>{5, 3}));
  EXPECT_TRUE(linear.inputs[2].is_none());  // the undefined bias
  // linear's own ops ran inside it, in its module.
  bool nested = false;
  for (const auto& op : trace.ops)
    if (op.parent >= 0 && trace.ops[static_cast<std::size_t>(op.parent)].name == "aten::linear") {
      nested = true;
      EXPECT_EQ(op.module, "block.inner");
    }
  EXPECT_TRUE(nested);
}

TEST(Capture, OpsWithoutWantedValuesKeepOnlyNameAndModule) {
  Root root;
  capture::Session session(root, [](const std::string& name) { return name == "aten::cat"; });
  auto a = at::randn({2, 3});
  at::cat({a, a}, 1);
  at::sum(a);
  Trace trace = session.finish();
  EXPECT_EQ(first_named(trace, "aten::cat").outputs.at(0).sizes, (std::vector<std::int64_t>{2, 6}));
  const OpRecord& sum = first_named(trace, "aten::sum");
  EXPECT_TRUE(sum.inputs.empty());
  EXPECT_TRUE(sum.outputs.empty());
  EXPECT_EQ(sum.module, "block.inner");
}

// A FUNCTION-scope record whose name is no "ns::op" is a label around a region (torch.compile's "TorchDynamo
// Cache Lookup"): not recorded, and the op inside it is recorded at the top level, as if the label were not there.
TEST(Capture, LabelsAreNotOps) {
  Root root;
  auto a = at::randn({2, 3});
  capture::Session session(root);
  {
    RECORD_FUNCTION("TorchDynamo Cache Lookup", std::vector<c10::IValue>{});
    at::sum(a);
  }
  Trace trace = session.finish();
  std::vector<std::string> top;
  for (const auto& op : trace.ops) {
    EXPECT_NE(op.name, "TorchDynamo Cache Lookup");
    if (op.parent < 0) top.push_back(op.name);
  }
  EXPECT_EQ(top, std::vector<std::string>{"aten::sum"});
  EXPECT_EQ(first_named(trace, "aten::sum").module, "block.inner");
  EXPECT_TRUE(trace.function_nodes.empty());  // a label has no node
}

// A custom autograd function's call (torch.autograd.Function.apply) is recorded as such a label, under the class's
// name, with the number of the node it makes: no op, but noted with the module it runs in (its backward goes there).
TEST(Capture, ACustomFunctionsCallIsNotedWithItsModule) {
  Root root;
  auto a = at::randn({2, 3});
  capture::Session session(root);
  {
    RECORD_FUNCTION("StraightMatmul", std::vector<c10::IValue>{}, /*sequence_nr=*/7);
    at::sum(a);  // what the call runs: the model's op, as if the call were not there
  }
  root.path = "elsewhere";
  { RECORD_FUNCTION("Other", std::vector<c10::IValue>{}, /*sequence_nr=*/8); }
  Trace trace = session.finish();
  EXPECT_EQ(trace.function_nodes,
            (std::vector<std::pair<std::int64_t, std::string>>{{7, "block.inner"}, {8, "elsewhere"}}));
  std::vector<std::string> top;
  for (const auto& op : trace.ops)
    if (op.parent < 0) top.push_back(op.name);
  EXPECT_EQ(top, std::vector<std::string>{"aten::sum"});
}

// Under torch.vmap the model calls each op on BatchedTensors, one example's sizes; the batching rule runs the op
// on the whole batch inside. The capture keeps the batch's call (4 examples of 3 x 5 times a 5 x 7 weight: 4 * 3 *
// 5 * 7 = 420 MACs, not one example's 105), and the timing pass's observer sees the same ops in the same order.
TEST(Capture, AnOpUnderVmapIsRecordedOnTheWholeBatch) {
  Root root;
  const at::Tensor x = at::randn({4, 3, 5}), w = at::randn({5, 7});
  Log log;
  Trace trace;
  {
    const auto level = at::functorch::initAndPushDynamicLayer(at::functorch::TransformType::Vmap, 4,
                                                              at::functorch::RandomnessType::Error);
    const at::Tensor example = at::functorch::makeBatched(x, 0, level);  // what the vmapped function sees: 3 x 5
    ASSERT_EQ(example.sizes(), (c10::IntArrayRef{3, 5}));
    capture::Session session(root);
    {
      capture::ObserveOps observe(log);
      at::mm(example, w);
    }
    trace = session.finish();
    at::functorch::popDynamicLayerAndDeleteMetadata();
  }
  std::vector<std::string> recorded, observed;
  std::int64_t macs = 0;
  for (const auto& op : trace.ops) {
    recorded.push_back(op.name);
    for (const auto& in : op.inputs) EXPECT_NE(in.sizes, (std::vector<std::int64_t>{3, 5})) << op.name;
    if (op.parent < 0) {  // the batch rule calls matmul on the 4 x 3 x 5 batch
      ASSERT_EQ(op.name, "aten::matmul");
      macs += op.inputs.at(0).numel() * op.inputs.at(1).sizes.at(1);
    }
  }
  for (const auto& e : log.events)
    if (e != "-") observed.push_back(e.substr(1));
  EXPECT_EQ(macs, 4 * 3 * 5 * 7);
  EXPECT_EQ(recorded, observed);
  EXPECT_FALSE(trace.without_wrapper_calls);  // the timing pass's observer must read inputs to leave it out too
}

// A forward without wrapper tensors says so, and an observer that then reads no inputs (sparing their boxing on
// every op of the timed forwards) still sees the capture's ops, in its order.
TEST(Capture, AForwardWithoutWrapperCallsLetsTheObserverSkipInputs) {
  Root root;
  const at::Tensor x = at::randn({3, 5}), w = at::randn({7, 5});
  Log log;
  Trace trace;
  {
    capture::Session session(root);
    capture::ObserveOps observe(log, /*with_backward=*/false, /*read_inputs=*/false);
    at::linear(at::relu(x), w);
    trace = session.finish();
  }
  EXPECT_TRUE(trace.without_wrapper_calls);
  std::vector<std::string> recorded, observed;
  for (const auto& op : trace.ops) recorded.push_back(op.name);
  for (const auto& e : log.events)
    if (e != "-") observed.push_back(e.substr(1));
  EXPECT_EQ(recorded, observed);
  EXPECT_FALSE(Trace{}.without_wrapper_calls);  // a trace not made by the capture: inputs are read
}

// In a forward that computes, an op on meta tensors is torch tracing a function (a fake tensor's meta kernels, run
// for an eager torch.cond's autograd function or torch.compile's first trace): no work of the model, left out by
// the capture and the observers alike. A shape-only forward's ops are on meta tensors: they are the model's.
TEST(Capture, OpsOnMetaTensorsAreTorchTracingUnlessTheForwardIsShapeOnly) {
  Root root;
  const at::Tensor x = at::randn({3, 5}), w = at::randn({7, 5});
  const at::Tensor mx = at::empty({3, 5}, at::kMeta), mw = at::empty({7, 5}, at::kMeta);
  const auto names = [](const Trace& trace) {
    std::vector<std::string> out;
    for (const auto& op : trace.ops)
      if (op.parent < 0) out.push_back(op.name);
    return out;
  };
  Log log;
  Trace computing, shape_only;
  {
    capture::Session session(root);
    capture::ObserveOps observe(log);
    at::mm(mx, mw.t());  // torch's tracing
    at::linear(x, w);    // the model's work
    computing = session.finish();
  }
  EXPECT_EQ(names(computing), std::vector<std::string>{"aten::linear"});
  EXPECT_FALSE(computing.without_wrapper_calls);  // left out by its inputs: the observers must read them
  std::vector<std::string> observed;
  int depth = 0;
  for (const auto& e : log.events) {
    if (e != "-" && depth == 0) observed.push_back(e.substr(1));
    depth += e == "-" ? -1 : 1;
  }
  EXPECT_EQ(observed, std::vector<std::string>{"aten::linear"});
  {
    capture::Session session(root);
    session.shape_only_forward();
    at::linear(mx, mw);
    shape_only = session.finish();
  }
  EXPECT_EQ(names(shape_only), std::vector<std::string>{"aten::linear"});
}

// An op that throws ends its record while the exception unwinds: it is marked aborted (it produced nothing); the
// op the code runs after catching it is not.
TEST(Capture, AnOpThatThrewIsMarkedAborted) {
  Root root;
  auto a = at::randn({2, 3}), b = at::randn({3, 4});
  capture::Session session(root);
  EXPECT_THROW(at::cat({a, b}, 0), c10::Error);  // widths 3 and 4 cannot be stacked
  at::cat({a, a}, 0);
  Trace trace = session.finish();
  std::vector<bool> aborted;
  for (const auto& op : trace.ops)
    if (op.parent < 0) aborted.push_back(op.aborted);
  EXPECT_EQ(aborted, (std::vector<bool>{true, false}));
}

// An eager forward's capture can leave out the ops inside an op with values: linear is recorded with its shapes,
// the t and addmm it runs are not; the op after it is, and recording is back on afterwards, also after an op
// that threw inside.
TEST(Capture, OpsInsideAValuedOpCanGoUnrecorded) {
  Root root;
  const at::Tensor x = at::randn({3, 5}), w = at::randn({7, 5}), b = at::randn({7}), bad = at::randn({7, 4});
  auto names = [](const Trace& t) {
    std::vector<std::string> out;
    for (const auto& op : t.ops) out.push_back(op.name);
    return out;
  };
  const auto linear_only = [](const std::string& name) { return name == "aten::linear"; };
  Trace all, skipped;
  {
    capture::Session session(root, linear_only);
    at::linear(x, w, b);
    all = session.finish();
  }
  {
    capture::Session session(root, linear_only);
    session.skip_inside_valued_ops();
    at::linear(x, w, b);
    at::sum(x);
    EXPECT_THROW(at::linear(x, bad, b), c10::Error);  // mismatched shapes: throws inside
    EXPECT_TRUE(at::isRecordFunctionEnabled());
    skipped = session.finish();
  }
  const auto inside = names(all);  // linear and what it runs: t, addmm
  EXPECT_NE(std::find(inside.begin(), inside.end(), "aten::addmm"), inside.end());
  const auto kept = names(skipped);
  EXPECT_EQ(std::count(kept.begin(), kept.end(), "aten::linear"), 2);
  EXPECT_EQ(std::find(kept.begin(), kept.end(), "aten::addmm"), kept.end());
  EXPECT_EQ(std::find(kept.begin(), kept.end(), "aten::t"), kept.end());
  EXPECT_EQ(kept[1], "aten::sum");  // an op without values keeps its inner ops (sum's own)
  EXPECT_EQ(kept.back(), "aten::linear");
  EXPECT_EQ(skipped.ops[0].outputs.at(0).sizes, (std::vector<std::int64_t>{3, 7}));
  EXPECT_TRUE(at::isRecordFunctionEnabled());
}

TEST(Capture, FailureChainNamesTheOpsStillOpen) {
  Root root;
  capture::Session session(root);
  EXPECT_FALSE(session.last_top_level_op().has_value());
  at::linear(at::randn({2, 3}), at::randn({5, 3}));
  const auto top = session.last_top_level_op();
  ASSERT_TRUE(top.has_value());
  EXPECT_EQ(top->name, "aten::linear");
  EXPECT_EQ(top->module, "block.inner");
  const auto chain = session.last_op_chain();
  ASSERT_GE(chain.size(), 2u);  // the last op linear ran (innermost) up to linear itself
  EXPECT_EQ(chain.back().name, "aten::linear");
}

TEST(Capture, OverBudgetStopsTheForwardWithOneFailure) {
  // 1 MiB of records is some ten thousand ops: the loop below would run a million.
  Root root;
  const at::Tensor x = at::randn({2});
  testing::internal::CaptureStderr();
  std::size_t ran = 0;
  std::string thrown;
  {
    capture::Session session(root, {}, nullptr, 1u << 20);
    try {
      for (; ran < 1000000; ++ran) at::add(x, 1);
    } catch (const c10::Error& e) {
      thrown = e.what_without_backtrace();
    }
    ASSERT_TRUE(session.failure().has_value());
    EXPECT_NE(session.failure()->find("the capture's records went over its memory budget, at aten::"),
              std::string::npos)
        << *session.failure();
    EXPECT_FALSE(thrown.empty());  // the forward was stopped, not left to run its million ops
    EXPECT_LT(ran, 100000u);
  }
  // LibTorch logged nothing per op, and ops run again once the session is gone.
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(at::add(x, 1).numel(), 2);
}

TEST(ModelOutput, CollectsWarningsAndPrintsOnce) {
  const auto before = torch::jit::getPrintHandler();
  {
    capture::ModelOutput said;
    EXPECT_NE(torch::jit::getPrintHandler(), before);
    for (int i = 0; i < 3; ++i) TORCH_WARN("the mask is wrong");
    torch::jit::getPrintHandler()("step 1\n");
    const auto& got = said.collected();
    ASSERT_EQ(got.messages.size(), 2u);
    EXPECT_EQ(got.messages[0].count, 3u);
    EXPECT_EQ(got.messages[1].text, "step 1");  // print's own newline dropped
    EXPECT_EQ(model_output_lines(got), (std::vector<std::string>{"the model warned (3 times): \"the mask is wrong\"",
                                                      "the model printed: \"step 1\""}));
    for (std::size_t i = 0; i < capture::ModelOutput::kMaxMessages + 5; ++i) TORCH_WARN("distinct ", i);
    EXPECT_EQ(got.messages.size(), capture::ModelOutput::kMaxMessages);
    EXPECT_EQ(got.dropped, 7u);  // 2 kept above, 14 more kept, 7 of the 21 counted only
    EXPECT_EQ(model_output_lines(got).back(), "the model said 7 more things, not shown");
  }
  EXPECT_EQ(torch::jit::getPrintHandler(), before);  // the process's handler is back
}

TEST(Printable, QuotedTextIsOnePrintableLine) {
  using text::quoted;
  EXPECT_EQ(quoted("plain"), "\"plain\"");
  EXPECT_EQ(quoted("a\nflopscope: error: x"), "\"a\\nflopscope: error: x\"");
  EXPECT_EQ(quoted("\x1b[31mred\x07"), "\"\\x1b[31mred\\x07\"");
  EXPECT_EQ(quoted("say \"hi\" \\"), "\"say \\\"hi\\\" \\\\\"");
  EXPECT_EQ(quoted("caf\xc3\xa9"), "\"caf\xc3\xa9\"");         // valid UTF-8 kept
  EXPECT_EQ(quoted("\xff\xc3"), "\"\\xff\\xc3\"");               // invalid bytes escaped
  EXPECT_EQ(quoted("\xc2\x9b" "2J"), "\"\\xc2\\x9b2J\"");          // C1 CSI escaped
  EXPECT_EQ(quoted(std::string("a\0b", 3)), "\"a\\x00b\"");
  // Names that are already printable stay as they are; others are quoted.
  EXPECT_EQ(text::printable("layer1.0.conv \"x\" caf\xc3\xa9"), "layer1.0.conv \"x\" caf\xc3\xa9");
  EXPECT_EQ(text::printable("=cmd\x1b[2J"), "\"=cmd\\x1b[2J\"");
}

struct Placed {
  std::vector<std::string> linear_modules;  // module of each top-level aten::linear, in call order
  std::size_t hierarchy_lookups = 0;
};

Placed place_linears(torch::jit::Module& model) {
  ModuleTree tree = model::jit_module_tree(model);
  capture::JitResolver resolver(model, tree);
  torch::jit::GraphOptimizerEnabledGuard no_optimisation(false);
  c10::NoGradGuard no_grad;
  capture::Session session(resolver, [](const std::string&) { return false; });
  model.forward({at::randn({2, 10})});
  Placed placed;
  for (const auto& op : session.finish().ops)
    if (op.parent < 0 && op.name == "aten::linear") placed.linear_modules.push_back(op.module);
  placed.hierarchy_lookups = resolver.hierarchy_lookups();
  return placed;
}

// TestNet.forward is fc1(fc2(inner(x))), InnerNet.forward is fc1(fc2(x)).
const std::vector<std::string> kTestNetOrder{"inner.fc2", "inner.fc1", "fc2", "fc1"};

TEST(JitResolver, FollowsTheInterpretersCalls) {
  for (const char* file : {"testnet_scripted.pt", "testnet_traced.pt"}) {
    auto model = test::load_fixture(file);
    const Placed placed = place_linears(model);
    EXPECT_EQ(placed.linear_modules, kTestNetOrder) << file;
    EXPECT_EQ(placed.hierarchy_lookups, 0u) << file;
  }
}

TEST(JitResolver, ModuleUnderTwoNamesIsCreditedToEachName) {
  // forward: second(first(x)), second is first. Scripting saved two objects sharing one weight, which the
  // file cannot tell from two modules with tied weights (jit_model.cpp): each call is placed on its name.
  auto model = test::load_fixture("odd/shared_twice.pt");
  const Placed placed = place_linears(model);
  EXPECT_EQ(placed.linear_modules, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(placed.hierarchy_lookups, 0u);
}

TEST(JitResolver, InlinedGraphFallsBackToTheHierarchy) {
  auto model = test::load_fixture("testnet_scripted.pt");
  torch::jit::Inline(*model.get_method("forward").graph());  // no calls left to follow
  const Placed placed = place_linears(model);
  EXPECT_EQ(placed.linear_modules, kTestNetOrder);
  EXPECT_GT(placed.hierarchy_lookups, 0u);
}

}  // namespace
}  // namespace flopscope
