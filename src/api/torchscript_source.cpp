// TorchScript modules: scripted or traced, loaded from a file or made by the caller. Ops are placed on modules
// by following the interpreter's calls (capture/jit_hierarchy.h); a shape-only run executes a meta twin of the
// model; under --ops mmengine the work no output uses is cut, as mmengine's traced graph cuts it.
#include <sstream>
#include <unordered_set>

#include <ATen/ops/empty_strided.h>
#include <torch/csrc/jit/runtime/graph_executor.h>

#include "api/forward_errors.h"
#include "api/model_source.h"
#include "capture/jit_hierarchy.h"
#include "capture/meta_kernels.h"
#include "api/trace_filter.h"
#include "api/train_step.h"

namespace flopscope::api {
namespace {

// The trace without the ops that ran in `modules` (whole subtrees: nested ops share their parent's module).
Trace without_modules(Trace trace, const std::unordered_set<std::string>& modules) {
  return filtered(std::move(trace), [&](const OpRecord& op, const OpRecord*) { return modules.count(op.module) == 0; });
}

class TorchScriptSource final : public ModelSource {
 public:
  // Every forward of the analysis runs `m_run`, a clone of the model's classes and methods that shares its tensors
  // (clone(inplace)): a method keeps the plan its first call built, and a model the caller had already run (a
  // module scripted and warmed up in Python, or loaded and run in C++) would carry plans built with optimisation
  // on, its submodule calls inlined, so their ops landed on the wrong module. The clone's methods have no plan
  // yet, and get theirs unoptimised. Its own attribute slots also keep whatever the forward rebinds out of the
  // caller's model; its tensors are the model's, guarded as they are.
  TorchScriptSource(torch::jit::Module& model, const Options& o)
      : m_model(model), m_run(model.clone(/*inplace=*/true)), m_mmengine(o.op_set == "mmengine") {}

  std::string kind() const override { return "torchscript"; }

  std::vector<at::Tensor> parameters() const override {
    std::vector<at::Tensor> params;
    for (const auto& p : m_model.parameters()) params.push_back(p);
    return params;
  }

  void check(const RunContext& run) override {
    auto method = m_run.find_method("forward");
    if (!method) throw InvalidInput("the TorchScript module has no forward method");
    refuse_unseen_ops();
    m_schema = &method->function().getSchema();
    std::ostringstream signature;
    signature << *m_schema;
    m_signature = signature.str();
    // Arguments with a default (an optional mask, a flag) may be left out: the interpreter fills them in from the
    // schema, as a call from Python would (nn.TransformerEncoderLayer's forward(src, src_mask=None, ...)).
    const auto& arguments = m_schema->arguments();
    const std::size_t most = arguments.size() - 1;  // minus self
    std::size_t least = most;
    while (least > 0 && arguments[least].default_value()) --least;
    if (run.inputs.size() < least || run.inputs.size() > most) {
      const std::string takes =
          least == most ? std::to_string(most) : std::to_string(least) + " to " + std::to_string(most);
      throw InvalidInput("the model's forward takes " + takes + " argument(s) but " +
                         std::to_string(run.inputs.size()) + " input(s) were given: " + m_signature);
    }
  }

  ModuleTree module_tree() const override { return model::jit_module_tree(m_model); }

  Trace capture(const RunContext& run, const ModuleTree& tree) override {
    // Read before the forward runs: running it may rewrite the graphs of the methods it calls.
    if (m_mmengine) m_unused = model::unused_modules(m_model, tree);
    const auto wanted = values_for(*run.ops);
    if (!run.shape_only) return capture_on(m_run, tree, run, wanted);
    capture::MetaKernels meta_kernels;  // for this forward only
    // The user's model is only read. Its twin's parameters require grad as the model's do (meta_copy.cpp), so a
    // training step's backward runs on meta too, its gradients landing on the twin.
    torch::jit::Module twin = model::meta_twin(m_model);
    return capture_on(twin, tree, run, wanted);
  }

  // The forward (and a training step's backward) of `module`: the model's own runner, or its meta twin.
  Trace capture_on(torch::jit::Module& module, const ModuleTree& tree, const RunContext& run,
                   const capture::ValuesWanted& wanted) {
    capture::JitResolver resolver(module, tree);
    model::StateGuard guard(module);
    if (run.train_step) guard.keep_gradients();
    return capture_forward(&guard, resolver, wanted, m_signature, run, [&] {
      const c10::IValue out = model::run_forward(module, run.inputs);
      if (!run.train_step) return;
      backward_of(output_tensors(out));
      std::vector<std::pair<std::string, at::Tensor>> named;
      for (const auto& p : module.named_parameters()) named.emplace_back(p.name, p.value);
      record_step_params(named);
    });
  }

  Traces for_counting(Trace captured, const ModuleTree&, const RunContext& run) override {
    if (run.shape_only) captured = without_composite_children(std::move(captured));
    // mmengine counts what its traced graph keeps: work no output uses is cut, and its modules are uncalled.
    // The timing pass joins kernels to the ops as they ran, so it keeps the whole trace.
    if (m_unused.empty()) {
      Trace as_run = run.device.is_cuda() ? captured : Trace{};  // a copy only where a timing pass reads it
      return {std::move(captured), std::move(as_run)};
    }
    Trace counted = without_modules(captured, m_unused);
    return {std::move(counted), run.device.is_cuda() ? std::move(captured) : Trace{}};
  }

  ForwardFailed explain(const ForwardFailed& e, const RunContext& run) const override {
    return with_input_hint(e, run.inputs, m_schema);
  }

  void describe(RunInfo& info) const override {
    // torch.jit.freeze removes the training flag (is_training() then reads true) and works in eval mode only.
    info.frozen = !m_model.hasattr("training");
    info.mode = !info.frozen && m_model.is_training() ? "training" : "eval";
  }

  std::unique_ptr<model::StateGuard> guard_all() override {
    auto guard = std::make_unique<model::StateGuard>(m_run);
    guard->save_all();
    return guard;
  }

  void forward(const RunContext& run) override {
    const c10::IValue out = model::run_forward(m_run, run.inputs);
    if (run.train_step) backward_of(output_tensors(out));
  }

 private:
  // Work outside the dispatcher would be counted nowhere, not even as unsupported: a model of 0.5 MMACs where
  // ResNet-18 runs 149. The loader refuses such a file already (it cannot read its constants back); a module made
  // in the caller's process reaches here. Running one under the capture is not safe either: torch's module
  // hierarchy lookup crashed on the ops oneDNN's convolution dispatches.
  void refuse_unseen_ops() const {
    const auto unseen = model::unseen_ops(m_model);
    if (unseen.empty()) return;
    std::string kinds;
    for (const auto& [kind, nodes] : unseen)
      kinds += (kinds.empty() ? "" : ", ") + kind + " (" + std::to_string(nodes) + " in the graph)";
    throw InvalidInput("the TorchScript module holds ops that do their work outside PyTorch's dispatcher, where no "
                       "capture sees them: " + kinds + "; their work would be counted nowhere. "
                       "torch.jit.optimize_for_inference makes such ops (oneDNN convolutions), as does a fusion "
                       "pass: analyse the module as it was before");
  }

  torch::jit::Module& m_model;
  torch::jit::Module m_run;
  bool m_mmengine;
  // Without graph optimisation the interpreter runs the ops as saved: no fusion groups hiding ops, no
  // profiling-executor guards added to the trace. Held for the whole analysis, GPU passes included.
  torch::jit::GraphOptimizerEnabledGuard m_no_optimisation{false};
  const c10::FunctionSchema* m_schema = nullptr;
  std::string m_signature;
  std::unordered_set<std::string> m_unused;
};

}  // namespace

std::unique_ptr<ModelSource> torchscript_source(torch::jit::Module& model, const Options& o) {
  return std::make_unique<TorchScriptSource>(model, o);
}

}  // namespace flopscope::api
