// The C++ API for described models (described_model.h), the door the Python package uses: ops placed by the
// module scopes the caller opens, the state put back, scopes closed after a failure, and Recording's rules. The
// expected values are the layer sizes' arithmetic.
#include <gtest/gtest.h>

#include <ATen/core/grad_mode.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/zeros.h>

#include <stdexcept>
#include <thread>

#include "flopscope/described_model.h"
#include "flopscope/module_scope.h"

namespace flopscope {
namespace {

// Root "" with fc1 = Linear(6, 9) and fc2 = Linear(9, 4), described as the Python package describes modules.
struct TwoLayers {
  at::Tensor w1 = at::randn({9, 6}), b1 = at::zeros({9}), w2 = at::randn({4, 9}), b2 = at::zeros({4});
  at::Tensor x = at::randn({3, 6});

  DescribedModel describe() const {
    DescribedModel m;
    m.name = "TwoLayers";
    ModuleNode root{"", "TwoLayers", "", true, {{"fc1", 1}, {"fc2", 2}}};
    ModuleNode fc1{"fc1", "Linear", "in_features=6, out_features=9, bias=True", true, {}};
    ModuleNode fc2{"fc2", "Linear", "in_features=9, out_features=4, bias=True", true, {}};
    m.tree.nodes = {root, fc1, fc2};
    m.tree.by_path = {{"", 0}, {"fc1", 1}, {"fc2", 2}};
    m.tree.params = {{"fc1.weight", {9, 6}, 54}, {"fc1.bias", {9}, 9}, {"fc2.weight", {4, 9}, 36}, {"fc2.bias", {4}, 4}};
    m.parameters = {w1, b1, w2, b2};
    return m;
  }

  at::Tensor forward() const {
    ModuleScope::enter("");
    ModuleScope::enter("fc1");
    at::Tensor h = at::linear(x, w1, b1);
    ModuleScope::leave();
    ModuleScope::enter("fc2");
    at::Tensor y = at::linear(h, w2, b2);
    ModuleScope::leave();
    ModuleScope::leave();
    return y;
  }
};

Options with_inputs(const at::Tensor& x) {
  Options o;
  o.inputs = std::vector<c10::IValue>{x};
  o.show_arch = false;
  return o;
}

TEST(DescribedModel, OpsGoToTheOpenScope) {
  TwoLayers t;
  DescribedModel m = t.describe();
  m.forward = [&] { t.forward(); };
  const ComplexityInfo info = analyze(m, with_inputs(t.x));
  EXPECT_EQ(info.flops, 3 * 6 * 9 + 3 * 9 * 4);
  EXPECT_EQ(info.analysis.flops.total("fc1"), 3 * 6 * 9);
  EXPECT_EQ(info.analysis.flops.total("fc2"), 3 * 9 * 4);
  EXPECT_EQ(info.params, 54 + 9 + 36 + 4);
  EXPECT_EQ(info.analysis.run.model_kind, "python");
  EXPECT_EQ(info.analysis.run.model, "TwoLayers");
  EXPECT_EQ(info.analysis.run.input_shapes, (std::vector<std::vector<std::int64_t>>{{3, 6}}));
}

TEST(DescribedModel, WritesArePutBackAndScopesClosedAfterAFailure) {
  TwoLayers t;
  const at::Tensor before = t.w1.clone();
  DescribedModel m = t.describe();
  m.forward = [&] {
    ModuleScope::enter("");
    ModuleScope::enter("fc1");
    t.w1.add_(1.0);  // the forward writes a parameter, then fails inside a module
    at::linear(t.x, t.w1, t.b1);
    throw std::runtime_error("model failed");
  };
  const std::size_t depth = ModuleScope::depth();
  EXPECT_THROW(analyze(m, with_inputs(t.x)), ForwardFailed);
  EXPECT_TRUE(t.w1.equal(before));
  EXPECT_EQ(ModuleScope::depth(), depth);
}

// An analysis never runs a backward: without build_graph the forward builds no autograd graph, while grad mode reads
// as the caller set it (so the model's code takes the path mmengine's tracer sees). After the analysis, succeeded or
// failed, this thread's ops build graphs again.
TEST(DescribedModel, ForwardBuildsNoGraphWhenAskedNotTo) {
  TwoLayers t;
  t.w1.requires_grad_(true);
  DescribedModel m = t.describe();
  m.build_graph = false;
  bool grad_mode = false, graph = true;
  m.forward = [&] {
    grad_mode = at::GradMode::is_enabled();
    graph = t.forward().requires_grad();
  };
  const ComplexityInfo info = analyze(m, with_inputs(t.x));
  EXPECT_TRUE(grad_mode);
  EXPECT_FALSE(graph);
  EXPECT_EQ(info.flops, 3 * 6 * 9 + 3 * 9 * 4);  // the same ops, counted the same
  EXPECT_TRUE(at::linear(t.x, t.w1, t.b1).requires_grad());

  m.build_graph = true;
  analyze(m, with_inputs(t.x));
  EXPECT_TRUE(graph);

  m.build_graph = false;
  m.forward = [&] {
    ModuleScope::enter("");
    at::linear(t.x, t.w1, t.b1);
    throw std::runtime_error("model failed");
  };
  EXPECT_THROW(analyze(m, with_inputs(t.x)), ForwardFailed);
  EXPECT_TRUE(at::linear(t.x, t.w1, t.b1).requires_grad());
}

TEST(DescribedModel, RecordingCapturesArbitraryCode) {
  TwoLayers t;
  Options o;
  o.show_arch = false;
  Recording recording(t.describe(), o);
  for (int i = 0; i < 3; ++i) t.forward();
  at::mm(t.x, t.x.t());  // outside every scope: the root's
  const ComplexityInfo info = recording.finish();
  EXPECT_EQ(info.analysis.flops.total("fc1"), 3 * (3 * 6 * 9));
  EXPECT_EQ(info.flops, 3 * (3 * 6 * 9 + 3 * 9 * 4) + 3 * 6 * 3);
  EXPECT_THROW(recording.finish(), InvalidInput);
}

TEST(DescribedModel, RecordingFinishesOnItsOwnThread) {
  TwoLayers t;
  Recording recording(t.describe(), Options{});
  bool refused = false;
  std::thread other([&] {
    try {
      recording.finish();
    } catch (const InvalidInput&) {
      refused = true;
    }
  });
  other.join();
  EXPECT_TRUE(refused);
  EXPECT_NO_THROW(recording.finish());
}

}  // namespace
}  // namespace flopscope
