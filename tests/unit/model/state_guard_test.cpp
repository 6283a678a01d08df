// The model's state is saved copy-on-write: only what the forward may change is copied, just before the op
// that changes it, and everything comes back bitwise.
#include <ATen/ops/equal.h>
#include <torch/nn/modules/batchnorm.h>
#include <gtest/gtest.h>

#include "capture/capture.h"
#include "flopscope/models.h"
#include "model/model.h"
#include "test_support.h"

namespace flopscope {
namespace {

struct RootOnly : capture::ModuleResolver {
  const std::string& resolve(const at::RecordFunction&) override { return root; }
  std::string root;
};

// A forward that writes its own parameters: a whole one (`mul_`) and one through a view (`narrow` + `add_`).
struct WritesParameters : torch::nn::Module {
  WritesParameters() {
    fc = register_module("fc", torch::nn::Linear(5, 3));
    other = register_module("other", torch::nn::Linear(3, 2));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    fc->weight.mul_(2);
    fc->bias.narrow(0, 1, 1).add_(1);
    return other(fc(x));
  }
  torch::nn::Linear fc{nullptr}, other{nullptr};
};

// A forward that changes a buffer's shape in place, and another buffer's values.
struct ReshapesBuffer : torch::nn::Module {
  ReshapesBuffer() {
    table = register_buffer("table", torch::arange(6, torch::kFloat).reshape({2, 3}));
    count = register_buffer("count", torch::zeros({1}, torch::kLong));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    table.resize_({4}).fill_(7);
    count.add_(1);
    return x + 1;
  }
  torch::Tensor table, count;
};

struct BatchNormNet : torch::nn::Module {
  BatchNormNet() { bn = register_module("bn", torch::nn::BatchNorm1d(4)); }
  torch::Tensor forward(const torch::Tensor& x) { return bn(x); }
  torch::nn::BatchNorm1d bn{nullptr};
};

// Runs `forward` under a capture session with `guard` watching (or none); returns the op names seen.
template <class Forward>
std::vector<std::string> captured(model::StateGuard* guard, Forward&& forward) {
  RootOnly root;
  capture::Session session(root, {}, guard);
  {
    c10::NoGradGuard no_grad;
    forward();
  }
  std::vector<std::string> names;
  for (const auto& op : session.finish().ops) names.push_back(op.name);
  return names;
}

TEST(StateGuard, ForwardThatWritesNothingCopiesNothing) {
  models::TestNet model;
  model::StateGuard guard(*model);
  captured(&guard, [&] { model->forward(torch::randn({2, 10})); });
  EXPECT_EQ(guard.saved(), 0u);  // 8 parameters, all only read
}

TEST(StateGuard, ParametersWrittenInPlaceComeBack) {
  auto model = std::make_shared<WritesParameters>();
  std::vector<at::Tensor> before;
  for (const auto& p : model->parameters()) before.push_back(p.detach().clone());
  std::vector<std::string> watched, plain;
  {
    model::StateGuard guard(*model);
    watched = captured(&guard, [&] { model->forward(torch::randn({2, 5})); });
    EXPECT_EQ(guard.saved(), 2u);  // fc.weight and fc.bias; `other` is only read
    EXPECT_FALSE(at::equal(before[0], model->fc->weight));  // the forward did write it
  }
  auto after = model->parameters();
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(at::equal(before[i], after[i])) << "parameter " << i;
  // The copies the guard makes inside the capture's callback (before the first write) are not ops of the model.
  {
    model::StateGuard puts_back(*model);  // not watching: only restores what the plain forward writes
    plain = captured(nullptr, [&] { model->forward(torch::randn({2, 5})); });
  }
  EXPECT_EQ(watched, plain);
}

TEST(StateGuard, ParametersWrittenInPlaceComeBackThroughTheApi) {
  auto model = std::make_shared<WritesParameters>();
  std::vector<at::Tensor> before;
  for (const auto& p : model->parameters()) before.push_back(p.detach().clone());
  get_model_complexity_info(model, {5});
  auto after = model->parameters();
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(at::equal(before[i], after[i])) << "parameter " << i;
}

TEST(StateGuard, BatchNormStatisticsSavedBeforeTheyChange) {
  auto model = std::make_shared<BatchNormNet>();
  model->train();
  std::vector<at::Tensor> before;
  for (const auto& b : model->buffers()) before.push_back(b.detach().clone());
  ASSERT_EQ(before.size(), 3u);  // running_mean, running_var, num_batches_tracked
  std::vector<std::string> watched, plain;
  {
    model::StateGuard guard(*model);
    watched = captured(&guard, [&] { model->forward(torch::randn({3, 4})); });
    EXPECT_EQ(guard.saved(), 3u);  // the buffers; weight and bias are only read
  }
  auto after = model->buffers();
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(at::equal(before[i], after[i])) << "buffer " << i;
  // The guard's own copies are not ops of the model.
  {
    model::StateGuard unused(*model);
    plain = captured(nullptr, [&] { model->forward(torch::randn({3, 4})); });
  }
  EXPECT_EQ(watched, plain);
}

TEST(StateGuard, BufferReshapedInPlaceComesBackWithItsShape) {
  auto model = std::make_shared<ReshapesBuffer>();
  {
    model::StateGuard guard(*model);
    captured(&guard, [&] { model->forward(torch::randn({2})); });
    EXPECT_EQ(model->table.sizes().vec(), (std::vector<std::int64_t>{4}));  // the forward did reshape it
  }
  EXPECT_EQ(model->table.sizes().vec(), (std::vector<std::int64_t>{2, 3}));
  EXPECT_TRUE(at::equal(model->table, torch::arange(6, torch::kFloat).reshape({2, 3})));
  EXPECT_EQ(model->count.item<std::int64_t>(), 0);
}

TEST(StateGuard, TorchScriptTrainingFlagsComeBackModuleByModule) {
  auto model = test::load_fixture("testnet_scripted.pt");
  model.train(true);
  auto inner = model.attr("inner").toModule();
  inner.train(false);  // a mixed-mode model
  {
    model::StateGuard guard(model);
    model.train(false);                                // what a forward might do to the whole tree
    model.attr("fc1").toModule().train(true);          // or to one module
  }
  EXPECT_TRUE(model.is_training());
  EXPECT_TRUE(model.attr("fc1").toModule().is_training());
  EXPECT_TRUE(model.attr("fc2").toModule().is_training());
  EXPECT_FALSE(inner.is_training());
  EXPECT_FALSE(inner.attr("fc1").toModule().is_training());
}

}  // namespace
}  // namespace flopscope
