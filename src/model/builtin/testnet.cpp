// The seed's example 1, exactly as a user writes it: no flopscope annotations.
#include "flopscope/models.h"

namespace flopscope::models {

InnerNetImpl::InnerNetImpl() : torch::nn::Module("InnerNet") {
  fc1 = register_module("fc1", torch::nn::Linear(10, 10));
  fc2 = register_module("fc2", torch::nn::Linear(10, 10));
}

torch::Tensor InnerNetImpl::forward(const torch::Tensor& x) { return fc1(fc2(x)); }

TestNetImpl::TestNetImpl() : torch::nn::Module("TestNet") {
  fc1 = register_module("fc1", torch::nn::Linear(10, 10));
  fc2 = register_module("fc2", torch::nn::Linear(10, 10));
  inner = register_module("inner", InnerNet());
}

torch::Tensor TestNetImpl::forward(const torch::Tensor& x) { return fc1(fc2(inner(x))); }

}  // namespace flopscope::models
