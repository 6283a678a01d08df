#pragma once
// Module paths of C++ frontend ops. The C++ frontend has no forward hooks, so an op belongs to
//  1. the module whose parameter or buffer it reads (by storage, so views such as weight.t() match), else
//  2. the innermost open flopscope::ModuleScope, else
//  3. the deepest module enclosing both its neighbours (fill_unresolved, after the forward).
#include <string>

#include <torch/nn/module.h>

#include "capture/capture.h"
#include "capture/parameter_owners.h"
#include "flopscope/module_tree.h"

namespace flopscope::capture {

class NnResolver : public ModuleResolver {
 public:
  NnResolver(const torch::nn::Module& model, const ModuleTree& tree);
  const std::string& resolve(const at::RecordFunction& fn) override;

  /// Marks the module of an op nothing could place; replaced by fill_unresolved.
  static const std::string& unresolved();

 private:
  ParameterOwners m_owners;
};

/// Gives unresolved top-level ops (and their children) the common ancestor of the nearest resolved ops
/// before and after them: a ReLU between layer1.0.bn1 and layer1.0.conv2 goes to layer1.0.
void fill_unresolved(Trace& trace);

}  // namespace flopscope::capture
