// torchvision's ResNet-50 in the C++ frontend. Every submodule call sits in a ModuleScope so that
// parameterless ops (pooling, residual adds) are attributed exactly as in the TorchScript model.
#include <ATen/ops/flatten.h>

#include "flopscope/models.h"
#include "flopscope/module_scope.h"

namespace flopscope::models {
namespace {

namespace nn = torch::nn;

nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false));
}

template <class M>
torch::Tensor call(const char* name, M& module, const torch::Tensor& x) {
  ModuleScope scope(name);
  return module->forward(x);
}

torch::Tensor forward_any(const std::shared_ptr<nn::Module>& m, const torch::Tensor& x) {
  if (auto block = std::dynamic_pointer_cast<BottleneckImpl>(m)) return block->forward(x);
  if (auto c = std::dynamic_pointer_cast<nn::Conv2dImpl>(m)) return c->forward(x);
  if (auto bn = std::dynamic_pointer_cast<nn::BatchNorm2dImpl>(m)) return bn->forward(x);
  throw std::logic_error("unexpected module in a ResNet layer");
}

// A Sequential of Bottlenecks or of (conv, bn): each element runs in the scope of its index.
torch::Tensor call_sequential(const char* name, nn::Sequential& seq, torch::Tensor x) {
  ModuleScope scope(name);
  for (std::size_t i = 0; i < seq->size(); ++i) {
    ModuleScope item(std::to_string(i));
    x = forward_any(seq[i], x);
  }
  return x;
}

}  // namespace

BottleneckImpl::BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride, bool with_downsample)
    : torch::nn::Module("Bottleneck") {
  constexpr int64_t expansion = 4;
  conv1 = register_module("conv1", conv(inplanes, planes, 1, 1, 0));
  bn1 = register_module("bn1", nn::BatchNorm2d(planes));
  conv2 = register_module("conv2", conv(planes, planes, 3, stride, 1));
  bn2 = register_module("bn2", nn::BatchNorm2d(planes));
  conv3 = register_module("conv3", conv(planes, planes * expansion, 1, 1, 0));
  bn3 = register_module("bn3", nn::BatchNorm2d(planes * expansion));
  relu = register_module("relu", nn::ReLU(nn::ReLUOptions(true)));
  if (with_downsample)
    downsample = register_module("downsample", nn::Sequential(conv(inplanes, planes * expansion, 1, stride, 0),
                                                              nn::BatchNorm2d(planes * expansion)));
}

torch::Tensor BottleneckImpl::forward(torch::Tensor x) {
  torch::Tensor identity = x;
  torch::Tensor out = call("relu", relu, call("bn1", bn1, call("conv1", conv1, x)));
  out = call("relu", relu, call("bn2", bn2, call("conv2", conv2, out)));
  out = call("bn3", bn3, call("conv3", conv3, out));
  if (downsample) identity = call_sequential("downsample", downsample, x);
  out += identity;
  return call("relu", relu, out);
}

ResNetImpl::ResNetImpl(std::vector<int64_t> layers, int64_t num_classes) : torch::nn::Module("ResNet") {
  conv1 = register_module("conv1", conv(3, 64, 7, 2, 3));
  bn1 = register_module("bn1", nn::BatchNorm2d(64));
  relu = register_module("relu", nn::ReLU(nn::ReLUOptions(true)));
  maxpool = register_module("maxpool", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
  int64_t inplanes = 64;
  auto make_layer = [&](int64_t planes, int64_t blocks, int64_t stride) {
    nn::Sequential seq;
    for (int64_t i = 0; i < blocks; ++i) {
      bool first = i == 0;
      seq->push_back(Bottleneck(inplanes, planes, first ? stride : 1, first && (stride != 1 || inplanes != planes * 4)));
      inplanes = planes * 4;
    }
    return seq;
  };
  layer1 = register_module("layer1", make_layer(64, layers.at(0), 1));
  layer2 = register_module("layer2", make_layer(128, layers.at(1), 2));
  layer3 = register_module("layer3", make_layer(256, layers.at(2), 2));
  layer4 = register_module("layer4", make_layer(512, layers.at(3), 2));
  avgpool = register_module("avgpool", nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({1, 1})));
  fc = register_module("fc", nn::Linear(512 * 4, num_classes));
}

torch::Tensor ResNetImpl::forward(torch::Tensor x) {
  x = call("maxpool", maxpool, call("relu", relu, call("bn1", bn1, call("conv1", conv1, x))));
  x = call_sequential("layer1", layer1, x);
  x = call_sequential("layer2", layer2, x);
  x = call_sequential("layer3", layer3, x);
  x = call_sequential("layer4", layer4, x);
  x = at::flatten(call("avgpool", avgpool, x), 1);
  return call("fc", fc, x);
}

}  // namespace flopscope::models
