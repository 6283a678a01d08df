#pragma once
// The model stage: turns a TorchScript or C++ frontend module into a ModuleTree, and guards its state.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/nn/module.h>

#include "flopscope/module_tree.h"

namespace flopscope::model {

/// Looks up a module attribute as Python would print it ("3", "(7, 7)", "1e-05", "True"); nullopt if absent.
using AttrLookup = std::function<std::optional<std::string>(const std::string&)>;

/// What `nn.Module.extra_repr()` prints for the torch.nn classes flopscope knows ("" for the others).
std::string extra_repr(const std::string& class_name, const AttrLookup& attr);

/// Class name without namespaces and a trailing "Impl" ("torch::nn::LinearImpl" -> "Linear").
std::string short_class_name(const std::string& qualified);

/// Whether a class's forward does something (mmengine excludes these from "never called" warnings).
bool has_real_forward(const std::string& class_name);

ModuleTree jit_module_tree(const torch::jit::Module& module);
ModuleTree nn_module_tree(const torch::nn::Module& module);

/// A twin of `module` whose parameters, buffers and tensor attributes are meta tensors of the same shapes,
/// dtypes and strides (tied tensors stay tied); the module itself is only read. Throws InvalidInput for
/// tensors that have no meta form (quantized, sparse, custom C++ classes).
torch::jit::Module meta_twin(const torch::jit::Module& module);

/// Snapshot of every parameter, buffer and training flag, written back (bitwise) when it goes out of scope,
/// also when the forward threw.
class StateGuard {
 public:
  explicit StateGuard(const torch::jit::Module& module);
  explicit StateGuard(torch::nn::Module& module);
  ~StateGuard();
  StateGuard(const StateGuard&) = delete;
  StateGuard& operator=(const StateGuard&) = delete;

 private:
  void save(const std::vector<at::Tensor>& tensors);
  std::vector<std::pair<at::Tensor, at::Tensor>> m_tensors;  // live tensor, copy
  std::vector<std::pair<std::function<void(bool)>, bool>> m_training;  // per module, pre-order
};

}  // namespace flopscope::model
