// The pipeline behind get_model_complexity_info, one body for every kind of model (api/model_source.h):
// run context -> module tree -> capture -> count -> report -> GPU passes.
#include <c10/core/GradMode.h>

#include <algorithm>
#include <functional>
#include <optional>

#include "api/autocast_casts.h"
#include "api/forward_errors.h"
#include "sandbox/memory_limit.h"
#include "api/model_source.h"
#include "api/rng_guard.h"
#include "api/run_context.h"
#include "api/train_step.h"
#include "capture/backward_placement.h"
#include "capture/model_output.h"
#include "count/attribute.h"
#include "count/optimizer.h"
#include "flopscope/complexity.h"
#include "flopscope/report.h"
#include "gpu/gpu_pass.h"

namespace flopscope {
namespace api {

using sandbox::gib;

capture::ValuesWanted values_for(const OpSet& ops, std::vector<std::string> extra) {
  return [&ops, extra = std::move(extra)](const std::string& name) {
    return ops.flops.count(name) != 0 || ops.activations.count(name) != 0 ||
           std::find(extra.begin(), extra.end(), name) != extra.end();
  };
}

Trace capture_forward(capture::StateWatch* guard, capture::ModuleResolver& resolver, capture::ValuesWanted wanted,
                      const std::string& signature, const RunContext& run, const std::function<void()>& forward,
                      bool no_grad, bool skip_inside_counted, capture::ForwardTensors shape_only_on) {
  // A training step needs autograd, and its backward's nodes recorded.
  std::optional<c10::NoGradGuard> without_grad;
  if (no_grad && !run.train_step) without_grad.emplace();
  std::optional<c10::AutoGradMode> with_grad;
  if (run.train_step) with_grad.emplace(true);
  capture::Session session(resolver, std::move(wanted), guard, static_cast<std::size_t>(-1), capture_budget,
                           run.train_step);
  if (skip_inside_counted && !run.train_step && !run.device.is_cuda()) session.skip_inside_valued_ops();
  if (run.shape_only || run.device.is_meta()) {
    session.shape_only_forward(shape_only_on);
    // A meta tensor has no memory, so the allocators report nothing: 0 bytes saved would be a wrong figure.
    if (run.train_step)
      session.without_saved_memory("shape-only: meta tensors take no memory, so what the forward saves for the "
                                   "backward cannot be measured; analyse the step on a real device for it");
  }
  // A capture that failed stopped the forward (capture.cpp says how): the forward's own error, if any, is only
  // the echo of that stop.
  auto capture_failed = [&] {
    auto why = session.failure();
    if (!why) return;
    if (!session.failed_for_memory()) throw InvalidInput("cannot analyse this forward: " + *why);
    throw InvalidInput("cannot analyse this forward: " + *why + " (the capture may take " +
                       gib(double(session.budget())) + ", half the memory free when its records reached 64 MiB)");
  };
  const bool meta = run.device.is_meta();
  try {
    forward();
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    capture_failed();
    const std::string what = e.what_without_backtrace();
    throw meta ? shape_only_failure(session, what, signature) : forward_failure(session, what, signature);
  } catch (const std::exception& e) {
    capture_failed();
    throw meta ? shape_only_failure(session, e.what(), signature) : forward_failure(session, e.what(), signature);
  }
  capture_failed();
  return session.finish();
}

}  // namespace api

namespace {

// `more` adds to the analysis what a source's run has besides the forward (a training step's backward) before the
// reports are rendered from it.
ComplexityInfo finish(ModuleTree tree, const Trace& trace, const OpSet& ops, const Options& o, RunInfo run,
                      const std::function<void(Analysis&)>& more) {
  ComplexityInfo info;
  Analysis& a = info.analysis;
  a.run = std::move(run);
  a.tree = std::move(tree);
  a.flops = count::count_trace(trace, ops.flops, ops);
  a.activations = count::count_trace(trace, ops.activations, ops);
  a.uncalled = count::uncalled_modules(trace, a.tree);
  if (more) more(a);

  info.flops = a.flops.total();
  info.activations = a.activations.total();
  info.params = a.tree.total_params();
  info.flops_str = format_total_flops(a);
  info.activations_str = format_size(info.activations);
  info.params_str = format_size(info.params);
  if (o.show_table) info.out_table = "\n" + render_table(a, o.max_depth);
  if (o.show_arch) info.out_arch = "\n" + render_arch(a);
  info.warnings = analysis_warnings(a);
  return info;
}

// The GPU passes run the forward again, many times. No capture runs there to say which tensors an op writes,
// so the whole state is saved up front (on the device: the timing pass's forwards are many, and batch norm in
// training mode writes its statistics each time).
void gpu_passes(api::ModelSource& source, ComplexityInfo& info, const Trace& as_run, const api::RunContext& run,
                const Options& o) {
  if (!run.device.is_cuda()) return;
  std::unique_ptr<model::StateGuard> guard;  // nothing to guard when no forward runs again
  if (o.gpu.timing) {
    guard = source.guard_all();  // none for a model whose state is flopscope's own copy (an exported program)
    if (guard && run.train_step) guard->keep_gradients();
  }
  std::optional<c10::NoGradGuard> without_grad;
  std::optional<c10::AutoGradMode> with_grad;
  if (run.train_step)
    with_grad.emplace(true);
  else if (source.without_grad())
    without_grad.emplace();
  // A training step is timed from the gradients the captured step started from: accumulating into one that the
  // previous step made would run ops the capture never saw, and the timing pass joins kernels by op order.
  std::vector<at::Tensor> gradless;
  if (run.train_step)
    for (const auto& p : source.parameters())
      if (p.requires_grad() && !p.grad().defined()) gradless.push_back(p);
  auto forward = [&] {
    for (auto& p : gradless) p.mutable_grad().reset();
    api::fresh_autocast_casts();  // each forward casts its weights, as the first one did (api/autocast_casts.h)
    source.forward(run);
  };
  try {
    gpu::run_gpu_pass(info, as_run, *run.ops, run.device, forward, o);
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw ForwardFailed("the timing pass failed: " + api::error_summary(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw ForwardFailed("the timing pass failed: " + api::error_summary(e.what()));
  }
}

// On meta tensors no fused attention kernel is chosen, so autograd differentiates the math path.
std::string shape_only_attention_backward(std::ptrdiff_t calls) {
  return "shape-only training step: scaled_dot_product_attention (" + std::to_string(calls) +
         " call(s)) ran its math path on meta tensors, where torch chooses no fused kernel, so its backward is "
         "counted as the math path's products over every (query, key) pair (4 x B x L x S x E for E = Ev), while "
         "the fused kernels a CPU or GPU step runs recompute the scores instead (B x P x (3E + 2Ev), the causal "
         "triangle for P): analyse the step on a device for the attention backward it runs";
}

// The one pipeline.
ComplexityInfo run_pipeline(api::ModelSource& source, const Options& o) {
  capture::ModelOutput said;  // the model's prints and warnings, from here on
  api::RngGuard rng;          // the caller's random streams, as they were once the analysis ends
  api::AutocastCacheApart casts;  // the caller's autocast region and the analysis share no cast weights
  api::RunContext run = api::make_run_context(o, source.parameters(), source.brings_inputs(), &rng);
  source.check(run);
  ModuleTree tree = source.module_tree();
  Trace captured;
  if (o.on_phase) o.on_phase("forward");
  try {
    captured = source.capture(run, tree);
  } catch (const ForwardFailed& e) {
    throw source.explain(api::with_model_output(e, said), run);
  }
  return api::conclude(source, run, o, std::move(tree), std::move(captured), said.collected());
}

}  // namespace

namespace api {

ComplexityInfo conclude(ModelSource& source, const RunContext& run, const Options& o, ModuleTree tree, Trace captured,
                        ModelMessages said) {
  if (run.train_step) capture::place_backward(captured);
  ModelSource::Traces traces = source.for_counting(std::move(captured), tree, run);
  RunInfo info = describe_run(run, o);
  info.model_kind = source.kind();
  source.describe(info);
  Trace backward;
  Analysis::SavedActivations saved;
  if (run.train_step) {
    saved = saved_activations(traces.counted);
    backward = capture::backward_part(traces.counted);
    traces.counted = capture::forward_part(traces.counted);
  }
  auto step = [&](Analysis& a) {
    a.train_step = true;
    a.backward = count::count_trace(backward, run.ops->flops, *run.ops);
    a.step_params = source.step_params();
    a.saved_activations = std::move(saved);
    if (!run.optimizer.empty()) {
      const count::OptimizerRule& rule = count::optimizer_rule(run.optimizer);
      a.optimizer = rule.name;
      a.optimizer_ops_per_element = rule.ops_per_element;
      a.optimizer_state_per_element = rule.state_per_element;
    }
  };
  ComplexityInfo result = finish(std::move(tree), traces.counted, *run.ops, o, std::move(info),
                                 run.train_step ? std::function<void(Analysis&)>(step) : nullptr);
  for (auto& note : source.notes()) result.warnings.push_back(std::move(note));
  if (run.train_step && source.on_meta_tensors(run)) {
    const auto attention = std::count_if(traces.counted.ops.begin(), traces.counted.ops.end(),
                                         [](const OpRecord& op) { return op.name == "aten::scaled_dot_product_attention"; });
    if (attention != 0) result.warnings.push_back(shape_only_attention_backward(attention));
  }
  if (o.on_phase && run.device.is_cuda() && o.gpu.timing) o.on_phase("the GPU passes");
  gpu_passes(source, result, traces.as_run, run, o);
  if (!run.fallback_reason.empty()) {
    result.analysis.gpu.skipped_reason = run.fallback_reason;
    if (o.gpu.counters) result.analysis.counters.skipped_reason = run.fallback_reason;
  }
  result.model_output = std::move(said);
  return result;
}

}  // namespace api

ComplexityInfo analyze(torch::jit::Module& model, const Options& o) {
  const auto source = api::torchscript_source(model, o);
  return run_pipeline(*source, o);
}

ComplexityInfo analyze(torch::nn::Module& model, const ForwardFn& forward, const Options& o) {
  const auto source = api::cpp_frontend_source(model, forward);
  return run_pipeline(*source, o);
}

ComplexityInfo analyze(DescribedModel& model, const Options& o) {
  const auto source = api::described_source(model);
  return run_pipeline(*source, o);
}

ComplexityInfo analyze(const ExportedModel& model, const Options& o, const std::vector<DimBinding>& dims, bool execute) {
  const auto source = api::exported_source(model.program(), dims, execute);
  return run_pipeline(*source, o);
}

ComplexityInfo analyze(const ExportedModel& model, const Options& o, const std::vector<at::Tensor>& inputs,
                       const std::vector<DimBinding>& dims, bool execute) {
  std::vector<std::vector<std::int64_t>> shapes;
  std::vector<std::int8_t> dtypes;
  for (const auto& t : inputs) {
    shapes.push_back(t.sizes().vec());
    dtypes.push_back(static_cast<std::int8_t>(t.scalar_type()));
  }
  std::vector<DimBinding> all = model.dims_for(shapes, dtypes);
  // A symbol the inputs size cannot be bound again: say so in the caller's terms, not as two --dim.
  const auto symbol_of = [&model](const std::string& name) -> std::string {
    for (const auto& s : model.symbols())
      if (s.name == name || std::find(s.aliases.begin(), s.aliases.end(), name) != s.aliases.end()) return s.name;
    return {};
  };
  for (const auto& [name, value] : dims)
    for (const auto& [alias, size] : all)
      if (const std::string s = symbol_of(name); !s.empty() && s == symbol_of(alias))
        throw InvalidInput("--dim " + name + ": the inputs give " + s + " already (" + alias + " is " +
                           std::to_string(size) + ")");
  all.insert(all.end(), dims.begin(), dims.end());
  const auto source = api::exported_source(model.program(), all, execute, inputs);
  return run_pipeline(*source, o);
}

}  // namespace flopscope
