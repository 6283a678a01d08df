// C++ frontend modules (torch::nn::Module): the built-in models, and any a program passes with its forward.
// Ops are placed on modules by the parameters they read (capture/nn_resolver.h); the C++ frontend's Linear
// runs matmul + add_, which are grouped back into one aten::linear per layer, as a Python model records it.
#include "api/forward_errors.h"
#include "api/model_source.h"
#include "capture/cpp_frontend_linear.h"
#include "capture/nn_resolver.h"
#include "api/train_step.h"

namespace flopscope::api {
namespace {

class CppFrontendSource final : public ModelSource {
 public:
  CppFrontendSource(torch::nn::Module& model, const ForwardFn& forward) : m_model(model), m_forward(forward) {}

  std::string kind() const override { return "cpp"; }

  std::vector<at::Tensor> parameters() const override { return m_model.parameters(); }

  void check(const RunContext& run) override {
    if (run.shape_only)
      throw InvalidInput("a C++ frontend module cannot be analysed shape-only: LibTorch cannot give it meta "
                         "parameters without changing it; analyse on cpu, or save it as TorchScript");
  }

  ModuleTree module_tree() const override { return model::nn_module_tree(m_model); }

  Trace capture(const RunContext& run, const ModuleTree& tree) override {
    capture::NnResolver resolver(m_model, tree);
    model::StateGuard guard(m_model);
    if (run.train_step) guard.keep_gradients();
    // group_cpp_frontend_linear reads the shapes of the ops the C++ frontend's Linear runs.
    auto wanted = values_for(*run.ops, {"aten::matmul", "aten::addmm", "aten::add_"});
    return capture_forward(&guard, resolver, std::move(wanted), "", run, [&] {
      const c10::IValue out = m_forward(run.inputs);
      if (!run.train_step) return;
      backward_of(output_tensors(out));
      std::vector<std::pair<std::string, at::Tensor>> named;
      for (const auto& p : m_model.named_parameters()) named.emplace_back(p.key(), p.value());
      record_step_params(named);
    });
  }

  Traces for_counting(Trace captured, const ModuleTree& tree, const RunContext& run) override {
    capture::fill_unresolved(captured);
    // The timing pass numbers ops as the dispatcher runs them, before the synthetic aten::linear records that
    // regrouping inserts: it joins against the trace as captured.
    Trace as_run = run.device.is_cuda() ? captured : Trace{};
    capture::group_cpp_frontend_linear(captured, tree);
    return {std::move(captured), std::move(as_run)};
  }

  ForwardFailed explain(const ForwardFailed& e, const RunContext&) const override { return e; }

  void describe(RunInfo& info) const override { info.mode = m_model.is_training() ? "training" : "eval"; }

  std::unique_ptr<model::StateGuard> guard_all() override {
    auto guard = std::make_unique<model::StateGuard>(m_model);
    guard->save_all();
    return guard;
  }

  void forward(const RunContext& run) override {
    const c10::IValue out = m_forward(run.inputs);
    if (run.train_step) backward_of(output_tensors(out));
  }

 private:
  torch::nn::Module& m_model;
  const ForwardFn& m_forward;
};

}  // namespace

std::unique_ptr<ModelSource> cpp_frontend_source(torch::nn::Module& model, const ForwardFn& forward) {
  return std::make_unique<CppFrontendSource>(model, forward);
}

}  // namespace flopscope::api
