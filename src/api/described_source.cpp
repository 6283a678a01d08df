// Models described by their caller (include/flopscope/described_model.h): a Python nn.Module through the
// package's bindings. flopscope neither walks nor runs them itself: the tree comes made, the forward is a callback,
// and each op goes to the module whose scope the caller's forward hooks have open when it runs (the module scope
// stack of flopscope::ModuleScope), as fvcore's and mmengine's tracer places it.
#include <algorithm>
#include <map>
#include <optional>
#include <thread>

#include <ATen/core/LegacyTypeDispatch.h>

#include "api/forward_errors.h"
#include "api/model_source.h"
#include "api/trace_filter.h"
#include "api/train_step.h"
#include "capture/backward_placement.h"
#include "capture/meta_kernels.h"
#include "capture/optimizer_steps.h"
#include "capture/scope_stack.h"
#include "capture/parameter_owners.h"
#include "flopscope/module_scope.h"

namespace flopscope::api {
namespace {

// The innermost open module scope; the root outside all of them (code around the model's own call). Inside a graph
// torch traced for its control flow (ModuleScope::enter_traced), which calls no module, the module at or inside
// that scope whose parameter the op takes.
class ScopeResolver final : public capture::ModuleResolver {
 public:
  /// `forward_parameters` (the model's, or the forward's twins of them) in the order of `tree.params`.
  ScopeResolver(const std::vector<at::Tensor>& forward_parameters, const ModuleTree& tree) {
    for (std::size_t i = 0; i < forward_parameters.size() && i < tree.params.size(); ++i) {
      const std::string& name = tree.params[i].name;
      const auto dot = name.rfind('.');
      m_owners.add(forward_parameters[i], dot == std::string::npos ? "" : name.substr(0, dot));
    }
  }

  const std::string& resolve(const at::RecordFunction& fn) override {
    const std::string* scope = capture::innermost_scope();
    const std::string& here = scope ? *scope : m_root;
    if (m_owners.empty() || !capture::in_traced_graph()) return here;
    const std::string* owner = m_owners.of_inputs(fn, [&](const std::string& m) { return module_within(m, here); });
    return owner ? *owner : here;
  }

 private:
  const std::string m_root;
  capture::ParameterOwners m_owners;
};

// Closes the scopes a forward that threw left open (its hooks' post-hook never ran), whatever happens.
struct ScopeUnwind {
  std::size_t depth = ModuleScope::depth();
  ~ScopeUnwind() { ModuleScope::unwind(depth); }
};

class DescribedSource final : public ModelSource {
 public:
  explicit DescribedSource(DescribedModel& model) : m_model(model) {}

  std::string kind() const override { return m_model.kind; }
  std::vector<at::Tensor> parameters() const override { return m_model.parameters; }

  void check(const RunContext&) override {
    if (!m_model.forward) throw InvalidInput("the described model has no forward to run");
  }

  ModuleTree module_tree() const override { return m_model.tree; }

  Trace capture(const RunContext& run, const ModuleTree&) override {
    // Outside the session: a capture that fails restores the dispatch keys it found, which must be these.
    std::optional<at::AutoDispatchBelowAutograd> without_graph;
    if (graphless(run)) without_graph.emplace();
    ScopeResolver resolver(m_model.forward_parameters.empty() ? m_model.parameters : m_model.forward_parameters,
                           m_model.tree);
    model::StateGuard guard(m_model.parameters, m_model.buffers);
    if (run.train_step) guard.keep_gradients();  // the caller's forward runs the backward (api/train_step.h)
    std::optional<capture::MetaKernels> meta_kernels;  // the caller's shape-only forward runs on meta tensors
    if (run.shape_only) meta_kernels.emplace();
    ScopeUnwind unwind;
    return capture_forward(&guard, resolver, values_for(*run.ops), "", run, [&] {
      m_model.forward();  // with train_step, the caller's forward ran the backward too
      if (run.train_step) backward_ran();
    }, without_grad(), /*skip_inside_counted=*/true,  // an eager forward: boxing every inner op's arguments is its cost
                           m_model.fake_tensors ? capture::ForwardTensors::fake : capture::ForwardTensors::meta);
  }

  /// Which parameters the backward gave a gradient, as they are now: the forward's twins of them where it ran on
  /// twins (shape-only), whose gradients the backward filled.
  void backward_ran() {
    const auto& ran = m_model.forward_parameters.empty() ? m_model.parameters : m_model.forward_parameters;
    std::vector<std::pair<std::string, at::Tensor>> named;  // tree.params and parameters: named_parameters() order
    for (std::size_t i = 0; i < ran.size() && i < m_model.tree.params.size(); ++i)
      named.emplace_back(m_model.tree.params[i].name, ran[i]);
    record_step_params(named);
  }

  Traces for_counting(Trace captured, const ModuleTree&, const RunContext& run) override {
    if (run.shape_only) captured = without_composite_children(std::move(captured));
    Trace as_run = run.device.is_cuda() ? captured : Trace{};
    return {std::move(captured), std::move(as_run)};
  }

  ForwardFailed explain(const ForwardFailed& e, const RunContext&) const override { return e; }

  void describe(RunInfo& info) const override {
    info.model = m_model.name;
    info.mode = m_model.training ? "training" : "eval";
  }

  std::unique_ptr<model::StateGuard> guard_all() override {
    auto guard = std::make_unique<model::StateGuard>(m_model.parameters, m_model.buffers);
    guard->save_all();
    return guard;
  }

  void forward(const RunContext& run) override {
    std::optional<at::AutoDispatchBelowAutograd> without_graph;
    if (graphless(run)) without_graph.emplace();
    ScopeUnwind unwind;
    m_model.forward();
  }

  bool without_grad() const override { return !m_model.keep_grad_mode; }

  bool on_meta_tensors(const RunContext& run) const override { return run.shape_only && !m_model.fake_tensors; }

 private:
  // DescribedModel::build_graph: below autograd, grad mode untouched.
  bool graphless(const RunContext& run) const {
    return m_model.keep_grad_mode && !m_model.build_graph && !run.train_step;
  }

  DescribedModel& m_model;
};

}  // namespace

std::unique_ptr<ModelSource> described_source(DescribedModel& model) { return std::make_unique<DescribedSource>(model); }

}  // namespace flopscope::api

namespace flopscope {
void step_backward(const std::vector<at::Tensor>& outputs) { api::backward_of(outputs); }
}  // namespace flopscope

namespace flopscope {

// The analysis of a recording is a described model's, with the ops of the recorded code as its trace. Code that
// ran a backward (a training loop) is analysed as a training step: its backward's ops placed on the modules whose
// forward made their autograd nodes, counted in the backward columns, as `train_step` counts them. A torch.optim
// step's own ops are left out (capture/optimizer_steps.h); the loss and any other code outside the model's forward
// count on the root, as that code ran them.
struct Recording::State {
  DescribedModel model;
  Options options;
  std::unique_ptr<api::DescribedSource> source;
  api::RunContext run;
  std::optional<api::ScopeResolver> resolver;
  std::unique_ptr<capture::Session> session;
  std::unique_ptr<capture::OptimizerSteps> optimizer;  // torch.optim's steps, left out of the trace
  std::thread::id thread = std::this_thread::get_id();
};

Recording::Recording(DescribedModel model, const Options& options) : m_state(std::make_unique<State>()) {
  State& s = *m_state;
  s.model = std::move(model);
  s.options = options;
  s.options.device.clear();  // the recorded code runs where it runs; no GPU pass repeats it
  s.options.shape_only = false;
  s.options.gpu = GpuOptions{};
  s.options.gpu.timing = false;
  s.source = std::make_unique<api::DescribedSource>(s.model);
  s.run = api::make_run_context(s.options, s.model.parameters, /*model_has_inputs=*/true);
  s.resolver.emplace(s.model.parameters, s.model.tree);
  s.session = std::make_unique<capture::Session>(*s.resolver, api::values_for(*s.run.ops), nullptr,
                                                 static_cast<std::size_t>(-1), api::capture_budget,
                                                 /*with_backward=*/true);
  s.session->without_saved_memory("a recording does not know where its forwards end and its backwards begin");
  if (s.run.device.is_meta()) s.session->shape_only_forward();  // a model on the meta device: its ops are on meta
  s.optimizer = std::make_unique<capture::OptimizerSteps>();
}

Recording::~Recording() = default;

ComplexityInfo Recording::finish() {
  State& s = *m_state;
  if (!s.session) throw InvalidInput("this recording has already finished");
  if (std::this_thread::get_id() != s.thread)
    throw InvalidInput("a recording must finish on the thread that started it: it sees only that thread's ops");
  const auto failure = s.session->failure();
  Trace trace = s.session->finish();
  s.session.reset();
  const std::map<std::string, int> steps = s.optimizer->steps();
  s.optimizer.reset();
  if (failure) throw InvalidInput("cannot analyse the recorded code: " + *failure);
  // The run context's device is the parameters' (or the CPU); a recording has no inputs to report. The model's
  // warnings reach Python's own handler: no collector outlives a call into the library.
  api::RunContext run = s.run;
  const bool backward = std::any_of(trace.ops.begin(), trace.ops.end(), [](const OpRecord& op) { return op.backward; });
  std::string left_out;
  if (backward && s.options.op_set == "mmengine") {
    // mmengine's op set has no backward formulas (an analysis's step refuses it); the code has run: say so.
    trace = capture::forward_part(trace);
    left_out = "the recorded code ran a backward, which the mmengine op set does not count (it has no backward "
               "formulas): its ops are left out; record with the default op set to count them per module";
  } else if (backward) {
    run.train_step = true;
    s.source->backward_ran();
  }
  ComplexityInfo info = api::conclude(*s.source, run, s.options, s.model.tree, std::move(trace), {});
  if (!left_out.empty()) info.warnings.push_back(left_out);
  for (const auto& [name, count] : steps)
    info.warnings.push_back("the recorded code ran torch.optim's " + name + ".step() " + std::to_string(count) +
                            " time(s): its ops are left out (neither the model's forward nor its backward); "
                            "analyze(..., train_step=True, optimizer=\"sgd\" or \"adamw\") counts one by formula");
  return info;
}

}  // namespace flopscope
