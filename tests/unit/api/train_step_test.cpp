// A training step through the C++ API (Options::train_step) on the seed's TestNet, a C++ frontend module: the
// backward placed on the module that made each node, an optimizer counted, the gradients put back. The expected
// values are the layers' arithmetic.
#include <gtest/gtest.h>

#include <c10/core/InferenceMode.h>
#include <c10/util/ThreadLocalDebugInfo.h>
#include <torch/csrc/profiler/orchestration/observer.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>

#include "flopscope/complexity.h"
#include "flopscope/models.h"
#include "flopscope/module_scope.h"
#include "flopscope/report.h"

namespace flopscope {
namespace {

// TestNet: forward = fc1(fc2(inner(x))), inner = fc1(fc2(x)); four Linear(10, 10) on 3 rows, 300 MACs each.
Options step(const std::string& optimizer = "") {
  Options o;
  o.input_shape = {{3, 10}};
  o.prepend_batch = false;
  o.op_set = "default";
  o.train_step = true;
  o.optimizer = optimizer;
  o.show_arch = false;
  return o;
}

TEST(TrainStep, BackwardPerModule) {
  models::TestNet model;
  const ComplexityInfo info = analyze(*model.ptr(), detail::forward_of(*model.ptr()), step());
  const Analysis& a = info.analysis;
  ASSERT_TRUE(a.train_step);
  EXPECT_EQ(info.flops, 4 * 300);
  // inner.fc2 reads the model's input: its weight's gradient only. Every later layer: input and weight.
  EXPECT_EQ(a.backward.total("inner.fc2"), 300);
  EXPECT_EQ(a.backward.total("inner.fc1"), 600);
  EXPECT_EQ(a.backward.total("fc2"), 600);
  EXPECT_EQ(a.backward.total("fc1"), 600);
  EXPECT_EQ(a.backward.total(), 300 + 3 * 600);
  EXPECT_NE(info.out_table.find("#flops (backward)"), std::string::npos);
}

// An input the caller computed with autograd (x = w a, w [3, 10] a leaf that requires grad): the step computes x's
// gradient, inner.fc2's input gradient (300 more), and stops there: w's gradient through the caller's product
// (3 x 10 x 10 more) is not the model's, and w gets none.
TEST(TrainStep, StopsAtTheModelsInputs) {
  models::TestNet model;
  const at::Tensor w = torch::randn({3, 10}).requires_grad_(true);
  Options o = step();
  o.input_shape = InputShape();
  o.inputs = std::vector<c10::IValue>{w.mm(torch::randn({10, 10}))};
  const ComplexityInfo info = analyze(*model.ptr(), detail::forward_of(*model.ptr()), o);
  EXPECT_EQ(info.analysis.backward.total("inner.fc2"), 600);
  EXPECT_EQ(info.analysis.backward.total(), 4 * 600);
  EXPECT_FALSE(w.grad().defined());
}

// The per-operator view of a step: the forward's linear layers (4 x 300) and the backward's matrix products (300 +
// 3 x 600), each row's share of the 3,300 MACs of both; the backward's ops without a formula on a line of their own.
TEST(TrainStep, OperatorsViewGivesTheBackwardItsColumn) {
  models::TestNet model;
  const Analysis& a = analyze(*model.ptr(), detail::forward_of(*model.ptr()), step()).analysis;
  const std::string view = render_operators(a);
  EXPECT_NE(view.find("| operator | #flops | #flops (backward) | share | #activations |"), std::string::npos) << view;
  EXPECT_NE(view.find("| linear   | 1.2K   | 0                 | 36.4% |"), std::string::npos) << view;  // 1200 / 3300
  EXPECT_NE(view.find("| mm       | 0      | 2.1K              | 63.6% |"), std::string::npos) << view;  // 2100 / 3300
  EXPECT_NE(view.find("no formula in the backward (counted as 0): "), std::string::npos) << view;  // the bias sums
}

// Inference mode turns autograd off for good: a step inside it is refused with that reason, not analysed into
// "nothing to differentiate".
TEST(TrainStep, RefusedInsideInferenceMode) {
  models::TestNet model;
  c10::InferenceMode inference;
  try {
    analyze(*model.ptr(), detail::forward_of(*model.ptr()), step());
    FAIL() << "a training step ran in inference mode";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("inference mode"), std::string::npos) << e.what();
  }
}

TEST(TrainStep, GradientsPutBackAndOptimizerCounted) {
  models::TestNet model;
  for (auto& p : model->parameters()) ASSERT_FALSE(p.grad().defined());
  model->fc1->weight.mutable_grad() = torch::full({10, 10}, 0.25);
  const at::Tensor before = model->fc1->weight.detach().clone();
  const ComplexityInfo info = analyze(*model.ptr(), detail::forward_of(*model.ptr()), step("sgd"));
  // The gradient the model had, with its values; none where there was none.
  EXPECT_TRUE(model->fc1->weight.grad().equal(torch::full({10, 10}, 0.25)));
  EXPECT_FALSE(model->fc2->weight.grad().defined());
  EXPECT_TRUE(model->fc1->weight.detach().equal(before));
  // SGD: one per element of the 4 x 110 parameters, every one given a gradient.
  const Analysis& a = info.analysis;
  EXPECT_EQ(a.optimizer, "sgd");
  Count updated = 0;
  for (const auto& p : a.step_params) updated += p.gradient ? p.numel : 0;
  EXPECT_EQ(updated, 4 * 110);
  EXPECT_EQ(a.optimizer_ops_per_element, 1);
}

// What autograd keeps for the backward, in bytes of float32 (4 each). TestNet's four Linear(10, 10) on 3 rows
// are addmm, whose weight gradient needs its input: each layer's output (3 x 10) is held by the next layer, and
// is charged to the layer that allocated it. fc1's output is the model's output, not an activation.
TEST(TrainStep, SavedActivationsPerModule) {
  models::TestNet model;
  const ComplexityInfo info = analyze(*model.ptr(), detail::forward_of(*model.ptr()), step());
  const Analysis& a = info.analysis;
  ASSERT_TRUE(a.saved_activations.measured) << a.saved_activations.why_not;
  const std::int64_t layer_output = 3 * 10 * 4;
  const std::map<std::string, std::int64_t> expected{
      {"inner.fc2", layer_output}, {"inner.fc1", layer_output}, {"fc2", layer_output}};
  EXPECT_EQ(a.saved_activations.bytes, expected);
}

// Linear(8, 16) -> ReLU -> Linear(16, 4) on 2 rows. ReLU's backward reads its result (2 x 16), which the second
// layer also reads: held once, charged to the ReLU. The first layer's output is read by no backward: freed.
struct ReluNet : torch::nn::Module {
  ReluNet() {
    first = register_module("first", torch::nn::Linear(8, 16));
    relu = register_module("relu", torch::nn::ReLU());
    second = register_module("second", torch::nn::Linear(16, 4));
  }
  // A parameterless module is placed by its scope (the C++ frontend has no forward hooks).
  at::Tensor forward(const at::Tensor& x) {
    return second(ModuleScope::run("relu", [&] { return relu(first(x)); }));
  }
  torch::nn::Linear first{nullptr}, second{nullptr};
  torch::nn::ReLU relu{nullptr};
};

TEST(TrainStep, SavedActivationsChargedToTheAllocatingModule) {
  auto net = std::make_shared<ReluNet>();
  Options o = step();
  o.input_shape = {{2, 8}};
  const ComplexityInfo info = analyze(*net, detail::forward_of(*net), o);
  const Analysis& a = info.analysis;
  ASSERT_TRUE(a.saved_activations.measured);
  const std::map<std::string, std::int64_t> expected{{"relu", 2 * 16 * 4}};
  EXPECT_EQ(a.saved_activations.bytes, expected);
  EXPECT_NE(render_summary(a).find("Saved Activations:0.128KB"), std::string::npos) << render_summary(a);
  const std::string json = render_report("json", a);
  EXPECT_NE(json.find("\"saved_activation_bytes\": 128"), std::string::npos);
}

// A profiler already listening keeps the allocators' reports: nothing is measured, and the report says why.
struct SomeProfiler final : torch::profiler::impl::ProfilerStateBase {
  SomeProfiler() : ProfilerStateBase(torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::Disabled)) {}
  void reportMemoryUsage(void*, std::int64_t, std::size_t, std::size_t, c10::Device) override {}
  torch::profiler::impl::ActiveProfilerType profilerType() override {
    return torch::profiler::impl::ActiveProfilerType::NONE;
  }
};

TEST(TrainStep, SavedActivationsNotMeasuredUnderAProfiler) {
  models::TestNet model;
  c10::DebugInfoGuard profiling(c10::DebugInfoKind::PROFILER_STATE, std::make_shared<SomeProfiler>());
  const ComplexityInfo info = analyze(*model.ptr(), detail::forward_of(*model.ptr()), step());
  const Analysis& a = info.analysis;
  EXPECT_FALSE(a.saved_activations.measured);
  EXPECT_NE(a.saved_activations.why_not.find("profiler"), std::string::npos);
  EXPECT_NE(render_report("json", a).find("\"saved_activation_bytes\": null"), std::string::npos);
}

TEST(TrainStep, Refusals) {
  models::TestNet model;
  Options mmengine = step();
  mmengine.op_set = "mmengine";
  EXPECT_THROW(analyze(*model.ptr(), detail::forward_of(*model.ptr()), mmengine), InvalidInput);
  Options optimizer_alone = step("adamw");
  optimizer_alone.train_step = false;
  EXPECT_THROW(analyze(*model.ptr(), detail::forward_of(*model.ptr()), optimizer_alone), InvalidInput);
  EXPECT_THROW(analyze(*model.ptr(), detail::forward_of(*model.ptr()), step("lion")), InvalidInput);
}

}  // namespace
}  // namespace flopscope
