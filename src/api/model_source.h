#pragma once
// The seam between the pipeline and the kinds of model it analyses. The pipeline (analyze.cpp) owns the order
// of the stages: run context -> module tree -> capture -> count -> report -> GPU passes. A ModelSource answers
// for its kind: its parameters, its module tree, how its forward runs under capture (and how ops are placed on
// its modules), what of the trace is counted, and how its state is guarded. A new kind (a .pt2 graph, a Python
// module) is one new file behind this interface, not a new pipeline.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/run_context.h"
#include "capture/capture.h"
#include "flopscope/complexity.h"
#include "flopscope/described_model.h"
#include "flopscope/exported.h"
#include "model/model.h"

namespace flopscope::api {

class ModelSource {
 public:
  virtual ~ModelSource() = default;

  /// RunInfo::model_kind: "torchscript", "exported", "cpp".
  virtual std::string kind() const = 0;
  /// Whether the model holds its own inputs (an exported graph's shapes): then giving inputs is an error.
  virtual bool brings_inputs() const { return false; }
  /// The parameters, for where the inputs go when no device is asked for (none needed for shape-only).
  virtual std::vector<at::Tensor> parameters() const = 0;
  /// Refuses what this kind cannot do with `run` (shape-only for a C++ frontend module, the wrong number of
  /// inputs for a TorchScript forward), before any work.
  virtual void check(const RunContext& run) = 0;
  virtual ModuleTree module_tree() const = 0;

  /// The forward on run.inputs under capture, ops placed on the modules of `tree`; the model's state restored
  /// whatever happens. A failure is ForwardFailed (forward_errors.h) or InvalidInput.
  virtual Trace capture(const RunContext& run, const ModuleTree& tree) = 0;

  /// What the counting sees of the captured trace (`counted`), and what the GPU pass joins its kernels to
  /// (`as_run`: the ops as the dispatcher ran them).
  struct Traces {
    Trace counted;
    Trace as_run;
  };
  virtual Traces for_counting(Trace captured, const ModuleTree& tree, const RunContext& run) = 0;

  /// A failed forward's error with what this kind can add (which input has which dtype, for a signature).
  virtual ForwardFailed explain(const ForwardFailed& e, const RunContext& run) const = 0;

  /// The training flag the forward ran with, and what else the report says about the model (frozen).
  virtual void describe(RunInfo& info) const = 0;

  /// For the GPU passes: a guard that saves the whole state now and restores it when it goes, and the forward
  /// on run.inputs (run again and again, under that guard); with run.train_step, the whole step (api/train_step.h).
  virtual std::unique_ptr<model::StateGuard> guard_all() = 0;
  virtual void forward(const RunContext& run) = 0;

  /// What the report says of how this kind read the model, after the capture (a torch.cond's branch a graph could
  /// not settle); listed with the warnings.
  virtual std::vector<std::string> notes() const { return {}; }

  /// Whether a shape-only run's tensors were meta ones, on which torch picks no fused attention kernel; a described
  /// model's fake tensors say the CPU is their device, and take the kernels a CPU takes.
  virtual bool on_meta_tensors(const RunContext& run) const { return run.shape_only; }

  /// Whether the forwards (captured and timed) run under no_grad; a described model keeps its caller's grad mode.
  virtual bool without_grad() const { return true; }

  /// A training step's parameters as its backward left them (which got a gradient), recorded by the source's
  /// capture while its guard still holds the gradients; empty for a forward.
  const std::vector<Analysis::StepParam>& step_params() const { return m_step_params; }

 protected:
  /// A source's step calls this right after the backward, with the model's parameters by canonical name.
  void record_step_params(const std::vector<std::pair<std::string, at::Tensor>>& named);

 private:
  std::vector<Analysis::StepParam> m_step_params;
};

/// The ops whose argument values the counting reads: those with a formula in the op set, and `extra`. The
/// timing pass needs no more: it classes by dtype only the ops that own MACs, and those have a formula.
capture::ValuesWanted values_for(const OpSet& ops, std::vector<std::string> extra = {});

/// Runs `forward` under a capture session that reports writes to `guard` (which the caller made just before;
/// null for a model whose state is flopscope's own copy),
/// with no autograd unless `no_grad` is false: the trace, or ForwardFailed naming the op and module it failed in (`signature` is added
/// to a real forward's error), or InvalidInput when the capture itself failed.
/// `skip_inside_counted`: the ops inside an op with values go unrecorded (capture::Session::skip_inside_valued_ops;
/// never for a training step or a CUDA run, which need every op). `shape_only_on`: what a shape-only forward runs on
/// (capture::ForwardTensors: meta tensors, or fake ones under its own FakeTensorMode).
Trace capture_forward(capture::StateWatch* guard, capture::ModuleResolver& resolver, capture::ValuesWanted wanted,
                      const std::string& signature, const RunContext& run, const std::function<void()>& forward,
                      bool no_grad = true, bool skip_inside_counted = false,
                      capture::ForwardTensors shape_only_on = capture::ForwardTensors::meta);

/// The pipeline after the capture, for every source: counting, the reports, the GPU passes. `said`: what the model
/// warned or printed meanwhile.
ComplexityInfo conclude(ModelSource& source, const RunContext& run, const Options& o, ModuleTree tree, Trace captured,
                        ModelMessages said);

/// The sources flopscope has.
std::unique_ptr<ModelSource> torchscript_source(torch::jit::Module& model, const Options& o);
std::unique_ptr<ModelSource> cpp_frontend_source(torch::nn::Module& model, const ForwardFn& forward);
/// A torch.export program: its trace read from the graph, or (`execute`, and always on CUDA) captured from running
/// the graph, on `inputs` when given (else on inputs made at `dims`).
std::unique_ptr<ModelSource> exported_source(const exported::Program& program, const std::vector<DimBinding>& dims,
                                             bool execute, std::vector<at::Tensor> inputs = {});
/// A model described by its caller (a Python nn.Module): ops placed by the module scopes its hooks open.
std::unique_ptr<ModelSource> described_source(DescribedModel& model);

}  // namespace flopscope::api
