// The API's contract: mmengine's argument errors, the model left bitwise unchanged, CUDA refused cleanly on
// a machine without a device, bad input as typed errors.
#include <ATen/ops/equal.h>
#include <ATen/ops/rand.h>
#include <ATen/record_function.h>
#include <torch/nn/modules/dropout.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "api/forward_errors.h"
#include "capture/jit_hierarchy.h"
#include "flopscope/device.h"
#include "flopscope/models.h"
#include "flopscope/report.h"
#include "test_support.h"

namespace flopscope {
namespace {

TEST(Api, ExactlyOneOfInputShapeAndInputs) {
  models::TestNet model;
  try {
    get_model_complexity_info(model);
    FAIL() << "no input given";
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), "One of \"input_shape\" and \"inputs\" should be set.");
  }
  try {
    get_model_complexity_info(model, {1, 10}, std::vector<c10::IValue>{torch::randn({1, 10})});
    FAIL() << "both given";
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), "\"input_shape\" and \"inputs\" cannot be both set.");
  }
}

TEST(Api, NumbersOutOfRangeAreRefused) {
  // The command line checks its own options; a C++ or Python caller's Options reach the library unchecked, and a
  // negative depth or no recorded forwards passed through.
  models::TestNet model;
  const auto refused = [&](const std::function<void(Options&)>& set) {
    Options o = detail::make_options(InputShape({1, 10}), std::nullopt, false, false);
    set(o);
    EXPECT_THROW(analyze(*model.ptr(), detail::forward_of(*model.ptr()), o), InvalidInput);
  };
  refused([](Options& o) { o.max_depth = -1; });
  refused([](Options& o) { o.gpu.forwards = 0; });
  refused([](Options& o) { o.gpu.warmup = -1; });
  refused([](Options& o) { o.gpu.counter_tolerance = std::nan(""); });
  const auto info = get_model_complexity_info(model, {1, 10});
  RenderOptions deep;
  deep.max_depth = -1;
  EXPECT_THROW(render_report("table", info.analysis, deep), InvalidInput);
}

TEST(Api, InputsFromShapeAreMmenginesAndDrawNothingOfTheCallers) {
  Options o;
  o.input_shape = InputShape({{3, 4}, {2}});
  o.input_dtypes = {"", "int64"};
  at::manual_seed(5);
  const at::Tensor expected = at::rand({4});
  at::manual_seed(5);
  const auto inputs = inputs_from_shape(o, c10::Device(c10::kCPU));
  EXPECT_TRUE(at::equal(at::rand({4}), expected));  // the caller's stream, where it was
  ASSERT_EQ(inputs.size(), 2u);
  EXPECT_EQ(inputs[0].sizes().vec(), (std::vector<std::int64_t>{1, 3, 4}));  // mmengine's batch of 1
  EXPECT_EQ(inputs[0].scalar_type(), at::kFloat);
  EXPECT_EQ(inputs[1].sizes().vec(), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(inputs[1].scalar_type(), at::kLong);
  EXPECT_EQ(inputs[1].abs().sum().item<std::int64_t>(), 0);  // token ids: zeros
  o.input_shape = InputShape({-3});
  EXPECT_THROW(inputs_from_shape(o, c10::Device(c10::kCPU)), InvalidInput);
  o.input_shape = InputShape({std::int64_t{1} << 30, std::int64_t{1} << 10});  // 4 TiB of float32
  o.input_dtypes.clear();
  EXPECT_THROW(inputs_from_shape(o, c10::Device(c10::kCPU)), InvalidInput);
}

TEST(Api, WrongShapeIsAForwardError) {
  models::TestNet model;
  EXPECT_THROW(get_model_complexity_info(model, {1, 9}), ForwardFailed);
  auto scripted = test::load_fixture("testnet_scripted.pt");
  EXPECT_THROW(get_model_complexity_info(scripted, {{1, 10}, {1, 10}}), InvalidInput);  // forward takes one
}

// A forward error's note gives the line that says what went wrong: LibTorch's first line, or a Python exception's
// name with the first line of its message where the message starts on a new line.
TEST(Api, ErrorSummaryIsTheFirstLineWithWords) {
  EXPECT_EQ(api::error_summary("mat1 and mat2 shapes cannot be multiplied (1x5 and 3x3)\nException raised from"),
            "mat1 and mat2 shapes cannot be multiplied (1x5 and 3x3)");
  EXPECT_EQ(api::error_summary("ImportError: \nThis model requires scipy.\nInstall it with pip."),
            "ImportError: This model requires scipy.");
  EXPECT_EQ(api::error_summary("\n\nRuntimeError: boom  \nmore"), "RuntimeError: boom");
  EXPECT_EQ(api::error_summary("Boom:"), "Boom:");
  EXPECT_EQ(api::error_summary(""), "");
}

std::vector<at::Tensor> snapshot(const std::vector<at::Tensor>& tensors) {
  std::vector<at::Tensor> out;
  for (const auto& t : tensors) out.push_back(t.detach().clone());
  return out;
}

void expect_bitwise_equal(const std::vector<at::Tensor>& before, const std::vector<at::Tensor>& after) {
  ASSERT_EQ(before.size(), after.size());
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(at::equal(before[i], after[i])) << "tensor " << i;
}

TEST(Api, TorchScriptModelUnchanged) {
  auto model = test::load_fixture("resnet50_traced.pt");
  ASSERT_TRUE(model.is_training());  // batch norms update running stats and num_batches_tracked
  auto tensors = [&] {
    std::vector<at::Tensor> v;
    for (const auto& p : model.parameters()) v.push_back(p);
    for (const auto& b : model.buffers()) v.push_back(b);
    return v;
  };
  auto before = snapshot(tensors());
  get_model_complexity_info(model, {3, 64, 64});
  expect_bitwise_equal(before, tensors());
  EXPECT_TRUE(model.is_training());
  // Also when the forward fails midway.
  EXPECT_THROW(get_model_complexity_info(model, {5, 64, 64}), ForwardFailed);
  expect_bitwise_equal(before, tensors());
}

TEST(Api, CppModelUnchangedInBothModes) {
  for (bool training : {true, false}) {
    models::ResNet model(std::vector<int64_t>{1, 1, 1, 1}, 10);
    model->train(training);
    auto tensors = [&] {
      auto v = model->parameters();
      for (const auto& b : model->buffers()) v.push_back(b);
      return v;
    };
    auto before = snapshot(tensors());
    get_model_complexity_info(model, {3, 64, 64});
    expect_bitwise_equal(before, tensors());
    EXPECT_EQ(model->is_training(), training);
  }
}

TEST(Api, TrainingModelWithBatchNormAndDropoutUnchanged) {
  struct Net : torch::nn::Module {
    Net() {
      conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 6, 3)));
      bn = register_module("bn", torch::nn::BatchNorm2d(6));
      drop = register_module("drop", torch::nn::Dropout(0.5));
      fc = register_module("fc", torch::nn::Linear(6 * 5 * 5, 4));
    }
    torch::Tensor forward(const torch::Tensor& x) { return fc(drop(bn(conv(x))).flatten(1)); }
    torch::nn::Conv2d conv{nullptr};
    torch::nn::BatchNorm2d bn{nullptr};
    torch::nn::Dropout drop{nullptr};
    torch::nn::Linear fc{nullptr};
  };
  auto model = std::make_shared<Net>();
  model->train();
  model->drop->eval();  // a mixed-mode model: each module's own flag must come back
  auto tensors = [&] {
    auto v = model->parameters();
    for (const auto& b : model->buffers()) v.push_back(b);
    return v;
  };
  auto before = snapshot(tensors());
  get_model_complexity_info(model, {}, std::vector<c10::IValue>{torch::randn({2, 3, 7, 7})});  // batch 2 for BN
  expect_bitwise_equal(before, tensors());
  EXPECT_TRUE(model->is_training());
  EXPECT_TRUE(model->bn->is_training());
  EXPECT_FALSE(model->drop->is_training());
}

// The caller's random stream is as it was: the analysis draws its inputs (from input_shape) and dropout's masks
// in a training-mode forward from the CPU's default generator, and a program that analyses and then trains
// must draw what it would have drawn without the analysis.
TEST(Api, CallersRandomStreamUnchanged) {
  struct Net : torch::nn::Module {
    Net() {
      fc = register_module("fc", torch::nn::Linear(8, 8));
      drop = register_module("drop", torch::nn::Dropout(0.5));
    }
    torch::Tensor forward(const torch::Tensor& x) { return drop(fc(x)); }
    torch::nn::Linear fc{nullptr};
    torch::nn::Dropout drop{nullptr};
  };
  auto model = std::make_shared<Net>();
  model->train();
  torch::manual_seed(7);
  const auto expected = torch::rand({4});
  torch::manual_seed(7);
  model->forward(torch::ones({2, 8}));  // the forward alone draws: the guard is what the check below sees
  EXPECT_FALSE(at::equal(torch::rand({4}), expected));
  torch::manual_seed(7);
  get_model_complexity_info(model, {8});  // randn inputs of [1, 8]
  EXPECT_TRUE(at::equal(torch::rand({4}), expected));
  torch::manual_seed(7);
  Options o;
  o.op_set = "default";
  o.train_step = true;
  o.inputs = std::vector<c10::IValue>{torch::ones({2, 8})};
  o.show_table = o.show_arch = false;
  analyze(*model, [&](const std::vector<c10::IValue>& in) { return c10::IValue(model->forward(in[0].toTensor())); },
          o);
  EXPECT_TRUE(at::equal(torch::rand({4}), expected));
}

TEST(Api, CallbacksRemovedOnEveryPath) {
  models::TestNet model;
  get_model_complexity_info(model, {1, 10});
  EXPECT_FALSE(at::hasThreadLocalCallbacks());
  EXPECT_THROW(get_model_complexity_info(model, {1, 9}), ForwardFailed);
  EXPECT_FALSE(at::hasThreadLocalCallbacks());
  EXPECT_FALSE(at::hasGlobalCallbacks());
}

TEST(Api, RecursiveForwardCallsCountEveryCall) {
  // A forward that calls itself until the batch is one row: every call's ops go to the same module, once
  // each (mmengine: an op is credited at most once per module). 3 rows -> fc runs on 3, then 2, then 1 rows.
  struct Recursive : torch::nn::Module {
    Recursive() { fc = register_module("fc", torch::nn::Linear(10, 10)); }
    torch::Tensor forward(const torch::Tensor& x) {
      auto y = fc(x);
      return x.size(0) > 1 ? forward(y.narrow(0, 1, x.size(0) - 1)) : y;
    }
    torch::nn::Linear fc{nullptr};
  };
  auto model = std::make_shared<Recursive>();
  Options o;
  o.input_shape = {{3, 10}};
  o.prepend_batch = false;
  auto info = analyze(*model, detail::forward_of(*model), o);
  EXPECT_EQ(info.flops, (3 + 2 + 1) * 10 * 10);
  EXPECT_EQ(info.analysis.flops.total("fc"), (3 + 2 + 1) * 10 * 10);
}

TEST(Api, EvalModeBatchNormUsesTwoMacsPerElement) {
  // bn1 of ResNet on a 3x64x64 input sees 64x32x32 elements: 5 per element in training, 2 in eval.
  models::ResNet model(std::vector<int64_t>{1, 1, 1, 1}, 10);
  auto row = [&] { return get_model_complexity_info(model, {3, 64, 64}).analysis.flops.total("bn1"); };
  EXPECT_EQ(row(), 5 * 64 * 32 * 32);
  model->eval();
  EXPECT_EQ(row(), 2 * 64 * 32 * 32);
}

TEST(Api, CudaRequestedWithoutDevice) {
  auto status = probe_cuda();
  if (status.available) GTEST_SKIP() << "a CUDA device is present: " << describe(status);
  models::TestNet model;
  Options o;
  o.input_shape = {10};
  o.device = "cuda";
  try {
    analyze(*model, detail::forward_of(*model), o);
    FAIL() << "CUDA accepted without a device";
  } catch (const CudaUnavailable& e) {
    EXPECT_EQ(std::string(e.what()).rfind("CUDA was requested but no CUDA device: ", 0), 0u) << e.what();
  }
  o.device = "tpu:x";
  EXPECT_THROW(analyze(*model, detail::forward_of(*model), o), InvalidInput);
}

TEST(Api, StridedDilatedPaddedConvolution) {
  // Conv2d(3 -> 4, 3x3, stride 2, padding 1, dilation 2) on 3x17x11: Ho = (17 + 2 - 2*2 - 1) / 2 + 1 = 8,
  // Wo = (11 + 2 - 4 - 1) / 2 + 1 = 5; MACs = numel(W) * Ho * Wo = (4*3*3*3) * 8 * 5.
  struct Net : torch::nn::Module {
    Net() {
      conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3).stride(2).padding(1).dilation(2)));
    }
    torch::Tensor forward(const torch::Tensor& x) { return conv(x); }
    torch::nn::Conv2d conv{nullptr};
  };
  auto model = std::make_shared<Net>();
  for (const char* set : {"mmengine", "default"}) {
    Options o;
    o.input_shape = {3, 17, 11};
    o.op_set = set;
    auto info = analyze(*model, detail::forward_of(*model), o);
    EXPECT_EQ(info.flops, 108 * 8 * 5) << set;
    EXPECT_EQ(info.activations, 4 * 8 * 5) << set;
  }
}

TEST(Api, SharedSubmoduleCountedUnderItsFirstName) {
  struct Shared : torch::nn::Module {
    Shared() {
      a = register_module("a", torch::nn::Linear(10, 10));
      b = register_module("b", a);  // the same module under a second name
    }
    torch::Tensor forward(const torch::Tensor& x) { return b(a(x)); }
    torch::nn::Linear a{nullptr}, b{nullptr};
  };
  auto model = std::make_shared<Shared>();
  auto info = get_model_complexity_info(model, {10});
  EXPECT_EQ(info.params, 110);                               // counted once
  EXPECT_EQ(info.analysis.flops.total("a"), 200);            // both calls go to the first owner
  EXPECT_EQ(info.analysis.tree.nodes.size(), 2u);
}

std::string path_of(const ModuleTree& tree, const std::vector<std::string>& hierarchy) {
  return capture::resolve_path(tree, capture::module_calls(hierarchy));
}

TEST(JitHierarchy, ModulePaths) {
  // root { layer1: Sequential { 0: Bottleneck { conv1 } }, layers: ModuleList { 0: Layer, 1: Layer { fc } },
  //        blocks: ModuleList { 0: Other } }
  ModuleTree t;
  t.nodes = {{"", "ResNet", "", true, {{"layer1", 1}, {"layers", 4}, {"blocks", 7}}},
             {"layer1", "Sequential", "", true, {{"0", 2}}},
             {"layer1.0", "Bottleneck", "", true, {{"conv1", 3}}},
             {"layer1.0.conv1", "Conv2d", "", true, {}},
             {"layers", "ModuleList", "", false, {{"0", 5}, {"1", 6}}},
             {"layers.0", "Layer", "", true, {}},
             {"layers.1", "Layer", "", true, {{"fc", 8}}},
             {"blocks", "ModuleList", "", false, {{"0", 9}}},
             {"layers.1.fc", "Linear", "", true, {}},
             {"blocks.0", "Other", "", true, {}}};
  EXPECT_EQ(path_of(t, {"TOP(ResNet)::forward", "layer1(Sequential)::forward", "0(Bottleneck)::forward",
                        "conv1(Conv2d)::forward", "SELF(Conv2d)::_conv_forward"}),
            "layer1.0.conv1");
  EXPECT_EQ(path_of(t, {"TOP(ResNet)::forward"}), "");
  EXPECT_EQ(path_of(t, {"TOP(ResNet)::forward", "::helper", "layer1(Sequential)::forward"}), "layer1");
  // `for m in self.layers: m(x)` names only "1": found below the ModuleList, the class telling it from blocks.0.
  EXPECT_EQ(path_of(t, {"TOP(ResNet)::forward", "1(Layer)::forward", "fc(Linear)::forward"}), "layers.1.fc");
  EXPECT_EQ(path_of(t, {"TOP(ResNet)::forward", "0(Other)::forward"}), "blocks.0");
  // An unknown name stops at the deepest module found.
  EXPECT_EQ(path_of(t, {"TOP(ResNet)::forward", "layer1(Sequential)::forward", "9(Bottleneck)::forward"}), "layer1");
}

}  // namespace
}  // namespace flopscope
