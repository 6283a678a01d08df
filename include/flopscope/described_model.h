#pragma once
/// Models that flopscope cannot walk or run by itself, described by their caller: a Python `nn.Module` reached
/// through the package's bindings (python/), or any host that owns a module system of its own. The caller gives
/// the module tree, the tensors that are the model's state and a forward to call, and places ops on modules by
/// opening each module's scope while its forward runs (ModuleScope::enter/leave from forward hooks):
///
///   DescribedModel m;  m.tree = ...;  m.parameters = ...;  m.forward = [&] { call_the_model(); };
///   Options o;  o.inputs = {the tensors the forward reads};   // for the report's shapes and the device checks
///   ComplexityInfo info = flopscope::analyze(m, o);
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "flopscope/complexity.h"

namespace flopscope {

struct DescribedModel {
  std::string kind = "python";        ///< RunInfo::model_kind
  std::string name;                   ///< RunInfo::model, what the report calls the model (its class name)
  ModuleTree tree;
  std::vector<at::Tensor> parameters; ///< every parameter: where inputs go, and what the state guard saves on write
  std::vector<at::Tensor> buffers;    ///< every buffer: saved when the analysis starts, put back when it ends
  bool training = false;              ///< the root module's training flag, for the report
  /// Run the forward with the caller's grad mode rather than under no_grad. mmengine traces with autograd on,
  /// and some forwards take another path without it (eval-mode nn.TransformerEncoderLayer's fused kernel).
  bool keep_grad_mode = true;
  /// With keep_grad_mode, whether the forward's ops record autograd's graph. An analysis never calls backward; with
  /// false the forward is dispatched below autograd: grad mode reads as the caller set it, so the model's code takes
  /// the path it takes under mmengine's tracer, but no op saves its inputs for a backward (a tenth of an eval-mode
  /// ResNet-50 forward on a CPU). A forward that needs the graph (it calls torch.autograd.grad, or registers a hook
  /// on a tensor) fails without it: run it again with true, the default. A training step always records the graph.
  /// (The Python package leaves the graph out for models all in eval mode whose parameters all require grad, or
  /// none does and no input does, and retries.)
  bool build_graph = true;
  /// With Options::shape_only: the forward runs its model under a FakeTensorMode of its own (torch's fake tensors,
  /// the Python package's fallback for a model that reads values) rather than on meta tensors. Its ops under that
  /// mode are then the model's; without it, an op under a fake mode is torch tracing a function (an eager torch.cond
  /// or map compiled the first time) and is not counted.
  bool fake_tensors = false;
  /// The tensors the forward reads as the model's parameters, where they are not `parameters` themselves (a
  /// shape-only forward's meta twins), in the same order; empty when they are. An op inside torch's control flow
  /// is placed on the module whose parameter it takes (ModuleScope::enter_traced) by these.
  std::vector<at::Tensor> forward_parameters;
  /// Runs the forward once on the inputs the caller holds (Options::inputs only describes them). May be called
  /// again for the GPU passes. Throws what the forward throws.
  std::function<void()> forward;
};

/// Analyses a described model: the forward runs once under capture (then again on CUDA, for the GPU passes), its
/// parameters and buffers written during the run are put back (training flags are the caller's to restore). The
/// ops go to the innermost module scope open when they run, to the root outside every scope. Options::inputs must
/// hold the forward's tensors; Options::shape_only means the caller's forward runs on meta tensors.
ComplexityInfo analyze(DescribedModel& model, const Options& options);

/// A training step's loss and backward from the forward's output tensors, by the rule every source uses: the model's
/// own scalar output (the first 0-d floating tensor that requires grad), else the sum of the floating outputs that
/// require grad. A described model's forward calls it when Options::train_step is set. Throws InvalidInput when
/// nothing requires grad.
void step_backward(const std::vector<at::Tensor>& outputs);

/// Captures every op this thread runs from construction to finish(), placed on the modules of `model` (whose
/// forward is never called): code that is not one forward, such as a generate loop or a training step. Nothing
/// is undone: the recorded code's effects on the model are its own. Grad mode is left as it is.
class Recording {
 public:
  /// Options: op_set, max_depth, show_table and show_arch are read; inputs, devices and GPU passes are not.
  Recording(DescribedModel model, const Options& options);
  ~Recording();
  Recording(const Recording&) = delete;
  Recording& operator=(const Recording&) = delete;

  /// Stops recording and analyses what was recorded. Throws InvalidInput when called twice or from another
  /// thread than the one that started the recording (the capture sees only its own thread's ops).
  ComplexityInfo finish();

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

}  // namespace flopscope
