#pragma once
// torch.optim's steps inside recorded code. Every torch.optim optimizer runs its step() and zero_grad() under a
// user-scope RecordFunction named "Optimizer.step#AdamW.step" / "Optimizer.zero_grad#AdamW.zero_grad". A recording
// of a training loop sees the optimizer's elementwise ops on the root, where, counted, they would read as the
// model's forward (AdamW: a dozen ops per parameter element, more than a small model's forward). While an
// OptimizerSteps lives, the capture leaves out the ops such a step runs outside the model's modules and outside
// autograd's backward; the ops of a closure's forward and backward (LBFGS calls the model inside its step) stay.
#include <map>
#include <memory>
#include <string>

#include <ATen/record_function.h>

namespace flopscope::capture {

class OptimizerSteps {
 public:
  /// Watches this thread's optimizer steps until destroyed.
  OptimizerSteps();
  ~OptimizerSteps();
  OptimizerSteps(const OptimizerSteps&) = delete;
  OptimizerSteps& operator=(const OptimizerSteps&) = delete;

  /// The optimizer classes whose step() ran, with how many times ("AdamW" -> 2).
  std::map<std::string, int> steps() const;

  struct State;

 private:
  std::shared_ptr<State> m_state;
  at::CallbackHandle m_handle;
};

/// Whether this thread is inside an optimizer's step or zero_grad while an OptimizerSteps watches it.
bool in_optimizer_step();

}  // namespace flopscope::capture
