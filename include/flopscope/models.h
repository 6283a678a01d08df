#pragma once
/// Built-in C++ frontend models: the seed's TestNet and torchvision's ResNet-50, for trying flopscope
/// without a model file and as reference implementations in the tests.
#include <memory>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/modules/activation.h>

#include "flopscope/complexity.h"

namespace flopscope::models {

/// The seed's InnerNet: fc1, fc2 = Linear(10, 10); forward = fc1(fc2(x)). Written as a user would, with
/// no flopscope annotations.
struct InnerNetImpl : torch::nn::Module {
  InnerNetImpl();
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(InnerNet);

/// The seed's TestNet: fc1, fc2 = Linear(10, 10) and an InnerNet; forward = fc1(fc2(inner(x))).
struct TestNetImpl : torch::nn::Module {
  TestNetImpl();
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  InnerNet inner{nullptr};
};
TORCH_MODULE(TestNet);

/// torchvision's Bottleneck (ResNet v1.5: the stride sits on the 3x3 convolution).
struct BottleneckImpl : torch::nn::Module {
  BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride, bool downsample);
  torch::Tensor forward(torch::Tensor x);
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::ReLU relu{nullptr};
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

/// torchvision's ResNet with Bottleneck blocks; {3, 4, 6, 3} is ResNet-50. Module names and order are
/// torchvision's, and the forward marks each submodule with flopscope::ModuleScope.
struct ResNetImpl : torch::nn::Module {
  explicit ResNetImpl(std::vector<int64_t> layers = {3, 4, 6, 3}, int64_t num_classes = 1000);
  torch::Tensor forward(torch::Tensor x);
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::ReLU relu{nullptr};
  torch::nn::MaxPool2d maxpool{nullptr};
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
  torch::nn::AdaptiveAvgPool2d avgpool{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(ResNet);

/// A built-in model ready to analyse.
struct Builtin {
  std::string name;
  std::string description;
  std::shared_ptr<torch::nn::Module> module;
  ForwardFn forward;
  InputShape input_shape;  ///< the shape its description uses, without the batch dimension
};

/// Names of the built-in models; the first is the default.
std::vector<std::string> builtin_names();

/// A fresh instance of the named built-in; throws InvalidInput for an unknown name.
Builtin make_builtin(const std::string& name);

}  // namespace flopscope::models
