// A training step through the C++ API (Options::train_step) on the seed's TestNet, a C++ frontend module: the
// backward placed on the module that made each node, an optimizer counted, the gradients put back. The expected
// values are the layers' arithmetic.
#include <gtest/gtest.h>

#include "flopscope/complexity.h"
#include "flopscope/models.h"

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
