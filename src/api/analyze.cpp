// The pipeline behind get_model_complexity_info: inputs -> capture -> count -> report.
#include <ATen/ops/randn.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/jit/runtime/graph_executor.h>

#include "capture/capture.h"
#include "capture/cpp_frontend_linear.h"
#include "capture/jit_hierarchy.h"
#include "capture/nn_resolver.h"
#include "count/attribute.h"
#include "flopscope/complexity.h"
#include "flopscope/device.h"
#include "flopscope/report.h"
#include "model/model.h"

namespace flopscope {
namespace {

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// mmengine: exactly one of input_shape and inputs.
void check_inputs_given(const Options& o) {
  if (!o.input_shape.given() && !o.inputs) throw InvalidInput("One of \"input_shape\" and \"inputs\" should be set.");
  if (o.input_shape.given() && o.inputs) throw InvalidInput("\"input_shape\" and \"inputs\" cannot be both set.");
}

// Where the inputs go: the requested device, else the model's first parameter's (mmengine), else the CPU.
c10::Device pick_device(const std::string& requested, const std::vector<at::Tensor>& params) {
  if (requested.empty()) return params.empty() ? c10::Device(c10::kCPU) : params.front().device();
  c10::Device device(c10::kCPU);
  try {
    device = c10::Device(requested);
  } catch (const c10::Error&) {
    throw InvalidInput("unknown device '" + requested + "' (use cpu, cuda or cuda:N)");
  }
  if (device.is_cuda()) {
    require_cuda();
    if (!at::hasCUDA()) throw CudaUnavailable("CUDA was requested but this LibTorch has no CUDA support");
  }
  for (const auto& p : params)
    if (p.device().type() != device.type())
      throw InvalidInput("the model's parameters are on " + p.device().str() + " but device " + device.str() +
                         " was requested; move the model there first");
  return device;
}

std::vector<c10::IValue> make_inputs(const Options& o, c10::Device device) {
  if (o.inputs) return *o.inputs;
  std::vector<c10::IValue> out;
  for (const auto& shape : o.input_shape.shapes()) {
    std::vector<std::int64_t> full{1};  // mmengine prepends a batch dimension of 1
    full.insert(full.end(), shape.begin(), shape.end());
    for (auto d : full)
      if (d < 0) throw InvalidInput("input shape has a negative dimension");
    out.emplace_back(at::randn(full, at::TensorOptions().device(device)));
  }
  return out;
}

ComplexityInfo finish(ModuleTree tree, const Trace& trace, const Options& o) {
  OpSet ops = op_set_named(o.op_set);
  ComplexityInfo info;
  Analysis& a = info.analysis;
  a.tree = std::move(tree);
  a.flops = count::count_trace(trace, ops.flops, ops.ignored);
  a.activations = count::count_trace(trace, ops.activations, ops.ignored);
  a.uncalled = count::uncalled_modules(trace, a.tree);

  info.flops = a.flops.total();
  info.activations = a.activations.total();
  info.params = a.tree.total_params();
  info.flops_str = format_size(info.flops);
  info.activations_str = format_size(info.activations);
  info.params_str = format_size(info.params);
  if (o.show_table) info.out_table = "\n" + render_table(a, o.max_depth);
  if (o.show_arch) info.out_arch = "\n" + render_arch(a);
  info.warnings = analysis_warnings(a);
  return info;
}

// Runs the forward under capture; the model's state is restored whatever happens.
template <class Model, class Forward>
Trace capture_forward(Model& model, capture::ModuleResolver& resolver, Forward&& forward) {
  model::StateGuard guard(model);
  c10::NoGradGuard no_grad;
  capture::Session session(resolver);
  try {
    forward();
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw ForwardFailed("the model's forward failed: " + first_line(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw ForwardFailed(std::string("the model's forward failed: ") + first_line(e.what()));
  }
  return session.finish();
}

}  // namespace

ComplexityInfo analyze(torch::jit::Module& model, const Options& o) {
  check_inputs_given(o);
  std::vector<at::Tensor> params;
  for (const auto& p : model.parameters()) params.push_back(p);
  auto inputs = make_inputs(o, pick_device(o.device, params));

  auto method = model.find_method("forward");
  if (!method) throw InvalidInput("the TorchScript module has no forward method");
  std::size_t expected = method->function().getSchema().arguments().size() - 1;  // minus self
  if (inputs.size() != expected)
    throw InvalidInput("the model's forward takes " + std::to_string(expected) + " argument(s) but " +
                       std::to_string(inputs.size()) + " input(s) were given");

  ModuleTree tree = model::jit_module_tree(model);
  capture::JitResolver resolver(tree);
  // Without graph optimisation the interpreter runs the ops as saved: no fusion groups hiding ops, no
  // profiling-executor guards added to the trace.
  torch::jit::GraphOptimizerEnabledGuard no_optimisation(false);
  Trace trace = capture_forward(model, resolver, [&] { model.forward(inputs); });
  return finish(std::move(tree), trace, o);
}

ComplexityInfo analyze(torch::nn::Module& model, const ForwardFn& forward, const Options& o) {
  check_inputs_given(o);
  auto inputs = make_inputs(o, pick_device(o.device, model.parameters()));
  ModuleTree tree = model::nn_module_tree(model);
  capture::NnResolver resolver(model, tree);
  Trace trace = capture_forward(model, resolver, [&] { forward(inputs); });
  capture::fill_unresolved(trace);
  capture::group_cpp_frontend_linear(trace, tree);
  return finish(std::move(tree), trace, o);
}

}  // namespace flopscope
