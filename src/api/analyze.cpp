// The pipeline behind get_model_complexity_info: inputs -> capture -> count -> report.
#include <ATen/ops/empty_strided.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/jit/runtime/graph_executor.h>

#include "api/gpu_pass.h"
#include "api/memory_limit.h"
#include "capture/capture.h"
#include "capture/cpp_frontend_linear.h"
#include "capture/jit_hierarchy.h"
#include "capture/meta_kernels.h"
#include "capture/model_output.h"
#include "capture/nn_resolver.h"
#include "count/attribute.h"
#include "count/families.h"
#include "flopscope/complexity.h"
#include "flopscope/device.h"
#include "flopscope/report.h"
#include "model/model.h"
#include "report/printable.h"

#include <algorithm>
#include <functional>
#include <cctype>
#include <cstdio>
#include <sstream>

namespace flopscope {
namespace {

// The line of a LibTorch error that says what went wrong. The TorchScript interpreter wraps errors in a
// traceback whose last line ("RuntimeError: ...") is the real message.
std::string error_summary(const std::string& what) {
  std::string first = what.substr(0, what.find('\n'));
  if (first.find("TorchScript interpreter") == std::string::npos) return first;
  std::size_t end = what.find_last_not_of("\n ");
  if (end == std::string::npos) return first;
  std::size_t start = what.rfind('\n', end);
  return what.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

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
    throw InvalidInput("unknown device '" + requested + "' (use cpu, cuda, cuda:N or meta)");
  }
  if (device.is_cuda()) {
    require_cuda();
    if (!at::hasCUDA())
      throw CudaUnavailable("CUDA was requested but LibTorch reports no CUDA support (a CPU-only build, or CUDA was "
                            "queried before flopscope::load_torch_cuda())");
  }
  for (const auto& p : params)
    if (p.device().type() != device.type())
      throw InvalidInput("the model's parameters are on " + p.device().str() + " but device " + device.str() +
                         " was requested; move the model there first");
  return device;
}

// Refuses inputs that cannot fit in memory, before allocating them: a clear error instead of an out-of-memory
// kill. The forward needs more than its inputs: while an op reads the largest input it writes an output at least
// as large, and the next op another, so twice the largest input is added as the forward's working set (an
// estimate, and a low one for models that widen their input, such as a convolution stem).
void check_input_size(const std::vector<std::vector<std::int64_t>>& shapes, const std::vector<c10::ScalarType>& dtypes,
                      c10::Device device) {
  double bytes = 0, largest = 0;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    double n = 1;
    for (auto d : shapes[i]) n *= static_cast<double>(d);
    const double b = n * static_cast<double>(c10::elementSize(dtypes[i]));
    bytes += b;
    largest = std::max(largest, b);
  }
  if (!device.is_cpu()) return;  // meta needs no memory; CUDA's own allocator reports its limits
  const api::MemoryRoom room = api::memory_room();
  if (room.bytes > 0 && bytes + 2 * largest > room.bytes)
    throw InvalidInput("the inputs need " + api::gib(bytes) + " and the forward an estimated " + api::gib(2 * largest) +
                       " more (twice the largest input), but only " + api::gib(room.bytes) + " is free (" + room.source +
                       ")");
}

// What the capture's records may take: half the memory free when the forward starts (after the inputs), the
// other half left to the forward's activations. Unlimited when nothing tells.
std::size_t capture_budget() {
  const api::MemoryRoom room = api::memory_room();
  if (room.bytes <= 0) return static_cast<std::size_t>(-1);
  return static_cast<std::size_t>(std::max(room.bytes / 2, 16.0 * 1048576));
}

// Input i's dtype: its own, else the common one.
c10::ScalarType input_dtype(const Options& o, std::size_t i) {
  if (i < o.input_dtypes.size() && !o.input_dtypes[i].empty()) return parse_dtype(o.input_dtypes[i]);
  return parse_dtype(o.dtype);
}

std::vector<c10::IValue> make_inputs(const Options& o, c10::Device device) {
  if (o.inputs) return *o.inputs;
  if (o.input_dtypes.size() > o.input_shape.shapes().size())
    throw InvalidInput(std::to_string(o.input_dtypes.size()) + " input dtypes for " +
                       std::to_string(o.input_shape.shapes().size()) + " input shapes");
  std::vector<std::vector<std::int64_t>> shapes;
  std::vector<c10::ScalarType> dtypes;
  for (const auto& shape : o.input_shape.shapes()) {
    std::vector<std::int64_t> full;
    if (o.prepend_batch) full.push_back(1);  // mmengine prepends a batch dimension of 1
    full.insert(full.end(), shape.begin(), shape.end());
    for (auto d : full)
      if (d < 0) throw InvalidInput("input shape has a negative dimension");
    dtypes.push_back(input_dtype(o, shapes.size()));
    shapes.push_back(std::move(full));
  }
  check_input_size(shapes, dtypes, device);
  std::vector<c10::IValue> out;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const auto options = at::TensorOptions().device(device).dtype(dtypes[i]);
    // Integer inputs are token or class indices: zeros are valid for any embedding table.
    out.emplace_back(c10::isIntegralType(dtypes[i], /*includeBool=*/false) ? at::zeros(shapes[i], options)
                                                                            : at::randn(shapes[i], options));
  }
  return out;
}

RunInfo describe_run(const std::vector<c10::IValue>& inputs, c10::Device device, const Options& o, bool training) {
  RunInfo run;
  for (const auto& v : inputs) {
    if (!v.isTensor()) continue;
    run.input_shapes.push_back(v.toTensor().sizes().vec());
    run.input_dtypes.push_back(dtype_name(v.toTensor().scalar_type()));
  }
  run.device = device.str();
  run.op_set = o.op_set;
  run.mode = training ? "training" : "eval";
  return run;
}

ComplexityInfo finish(ModuleTree tree, const Trace& trace, const OpSet& ops, const Options& o, RunInfo run) {
  ComplexityInfo info;
  Analysis& a = info.analysis;
  a.run = std::move(run);
  a.tree = std::move(tree);
  a.flops = count::count_trace(trace, ops.flops, ops.ignored);
  a.activations = count::count_trace(trace, ops.activations, ops.ignored);
  a.uncalled = count::uncalled_modules(trace, a.tree);

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

// "the model's forward failed in aten::linear (module 'fc1'): <LibTorch's first line>[; forward signature]"
ForwardFailed forward_failure(const capture::Session& session, const std::string& what, const std::string& signature) {
  std::string msg = "the model's forward failed";
  if (const auto op = session.last_top_level_op()) {
    msg += " in " + op->name;
    if (op->module != capture::NnResolver::unresolved())
      msg += op->module.empty() ? " (root module)" : " (module '" + op->module + "')";
  }
  msg += ": " + error_summary(what);
  if (!signature.empty()) msg += "; the model's forward is " + signature;
  return ForwardFailed(msg);
}

// Ops that read tensor values (or make a shape from them): a meta tensor has none to give.
bool reads_values(const std::string& op) {
  static const char* const kReaders[] = {
      "aten::_local_scalar_dense", "aten::item",    "aten::is_nonzero",   "aten::nonzero",   "aten::nonzero_static",
      "aten::nonzero_numpy",       "aten::argwhere", "aten::masked_select", "aten::_unique",  "aten::_unique2",
      "aten::unique_dim",          "aten::unique_consecutive", "aten::equal", "aten::allclose", "aten::bincount",
      "aten::repeat_interleave", "aten::_assert_async", "aten::tolist"};
  for (const char* r : kReaders)
    if (op == r) return true;
  return false;
}

bool mentions_missing_meta_kernel(const std::string& what) {
  return what.find("'Meta' backend") != std::string::npos || what.find("meta tensors") != std::string::npos ||
         what.find("not implemented") != std::string::npos || what.find("Meta kernel") != std::string::npos;
}

// A shape-only forward that failed: because it needs values, because LibTorch has no meta kernel for an op,
// or (otherwise) for the reason a real forward would fail too.
ForwardFailed shape_only_failure(const capture::Session& session, const std::string& what, const std::string& signature) {
  const auto chain = session.last_op_chain();  // innermost first
  const OpRecord* reader = nullptr;
  for (const OpRecord& op : chain)
    if (reads_values(op.name)) reader = &op;  // the outermost one names what the model asked for
  if (reader) return ForwardFailed("cannot be analysed shape-only: " + reader->name + " needs tensor values; analyse on cpu");
  // A traced model records the device its tensors were made on (torch.zeros(..., device=cpu) for an LSTM's
  // initial state): on meta inputs those constants meet meta tensors.
  if (!chain.empty() && what.find("device") != std::string::npos && what.find("meta") != std::string::npos &&
      what.find("cpu") != std::string::npos)
    return ForwardFailed("cannot be analysed shape-only: " + chain.back().name +
                         " mixes meta tensors with tensors the model makes on the cpu (a traced model fixes its "
                         "devices); analyse on cpu");
  if (!chain.empty() && mentions_missing_meta_kernel(what))
  {
    std::string why = error_summary(what);
    if (why.size() > 160) why = why.substr(0, 157) + "...";
    return ForwardFailed("cannot be analysed shape-only: " + chain.front().name +
                         " has no meta kernel in LibTorch's C++ runtime (" + why + "); analyse on cpu");
  }
  return forward_failure(session, what, signature);
}

// Whether a forward's error is about an argument's dtype (float token ids reaching an embedding, int64
// reaching a convolution).
bool about_dtypes(const std::string& what) {
  for (const char* k : {"scalar type", "dtype", "ScalarType", "Input type", "FloatTensor", "LongTensor"})
    if (what.find(k) != std::string::npos) return true;
  return false;
}

// "input 1 (input_ids) is [1, 16] float32, input 2 (pixel_values) ...": which input is which, by position.
std::string describe_inputs(const std::vector<c10::IValue>& inputs, const c10::FunctionSchema* schema) {
  std::string out;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    out += out.empty() ? "" : ", ";
    out += "input " + std::to_string(i + 1);
    if (schema != nullptr && i + 1 < schema->arguments().size()) out += " (" + schema->arguments()[i + 1].name() + ")";
    if (inputs[i].isTensor()) {
      const at::Tensor& t = inputs[i].toTensor();
      out += " is " + c10::str(t.sizes()) + " " + dtype_name(t.scalar_type());
    }
  }
  return out;
}

// Whether a forward's error is about sizes (an index past a mask made at the traced batch, a reshape to the
// traced sequence length).
bool about_sizes(const std::string& what) {
  for (const char* k : {"out of bounds", "out of range", "must match the size", "Sizes of tensors must match",
                        "is invalid for input of size", "shape '["})
    if (what.find(k) != std::string::npos) return true;
  return false;
}

// A forward that failed on a dtype says which input has which dtype, and how to give each its own; one that
// failed on sizes says that a traced file keeps the shapes it was traced at.
[[noreturn]] void rethrow_with_hint(const ForwardFailed& e, const std::vector<c10::IValue>& inputs,
                                    const c10::FunctionSchema* schema) {
  if (about_dtypes(e.what()))
    throw ForwardFailed(std::string(e.what()) + "; " + describe_inputs(inputs, schema) +
                        ": give each input the dtype it needs (Options::input_dtypes; on the command line a suffix, "
                        "e.g. --full-shape 1,128:int64)");
  if (about_sizes(e.what()))
    throw ForwardFailed(std::string(e.what()) + "; " + describe_inputs(inputs, schema) +
                        ": if the file was traced, it runs only at the shapes it was traced with (its masks, position "
                        "ids and reshapes were fixed then): analyse it at those shapes, or trace it at these");
  throw e;
}

// A failed forward's one line, with what the model warned or printed before it failed (often the reason), quoted
// and cut short: the line stays flopscope's, the model's words stay the model's.
ForwardFailed with_model_output(const ForwardFailed& e, const capture::ModelOutput& said) {
  const auto& messages = said.collected().messages;
  if (messages.empty()) return e;
  std::string text = messages.back().text;
  if (text.size() > 200) text = text.substr(0, 200) + "...";
  const std::size_t more = messages.size() - 1 + said.collected().dropped;
  return ForwardFailed(std::string(e.what()) + "; before that the model " +
                       (messages.back().kind == ModelMessage::Kind::Warning ? "warned " : "printed ") +
                       report::quoted(text) + (more > 0 ? " (and " + std::to_string(more) + " more)" : ""));
}

// The ops whose argument values the counting reads: those with a formula in the op set, and `extra`. The
// timing pass needs no more: it classes by dtype only the ops that own MACs, and those have a formula.
capture::ValuesWanted values_for(const OpSet& ops, std::vector<std::string> extra = {}) {
  return [&ops, extra = std::move(extra)](const std::string& name) {
    return ops.flops.count(name) != 0 || ops.activations.count(name) != 0 ||
           std::find(extra.begin(), extra.end(), name) != extra.end();
  };
}

// Runs the forward under capture; the model's state is restored whatever happens.
template <class Model, class Forward>
Trace capture_forward(Model& model, capture::ModuleResolver& resolver, capture::ValuesWanted wanted,
                      const std::string& signature, c10::Device device, std::size_t budget, Forward&& forward) {
  model::StateGuard guard(model);
  c10::NoGradGuard no_grad;
  capture::Session session(resolver, std::move(wanted), &guard, budget);
  // A capture that failed stopped the forward (capture.cpp says how): the forward's own error, if any, is only
  // the echo of that stop.
  auto capture_failed = [&] {
    if (auto why = session.failure())
      throw InvalidInput("cannot analyse this forward: " + *why + " (the capture may take " + api::gib(double(budget)) +
                         ", half the memory free when the forward started)");
  };
  try {
    forward();
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    capture_failed();
    const std::string what = e.what_without_backtrace();
    throw device.is_meta() ? shape_only_failure(session, what, signature) : forward_failure(session, what, signature);
  } catch (const std::exception& e) {
    capture_failed();
    throw device.is_meta() ? shape_only_failure(session, e.what(), signature) : forward_failure(session, e.what(), signature);
  }
  capture_failed();
  return session.finish();
}

// The GPU pass runs the forward again, many times: under the same state protection as the capture.
template <class Model, class Forward>
void gpu_pass(Model& model, ComplexityInfo& info, const Trace& trace, c10::Device device, const Options& o,
              Forward&& forward) {
  if (!device.is_cuda()) return;
  model::StateGuard guard(model);
  // No capture runs here to say which tensors an op writes, so everything is saved up front (on the device:
  // the timing pass's forwards are many, and batch norm in training mode writes its statistics each time).
  guard.save_all();
  c10::NoGradGuard no_grad;
  try {
    api::run_gpu_pass(info, trace, device, forward, o);
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw ForwardFailed("the timing pass failed: " + error_summary(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw ForwardFailed("the timing pass failed: " + error_summary(e.what()));
  }
}

// shape_only, or device "meta" (which means the same); shape_only with another device is a contradiction.
bool wants_shape_only(const Options& o) {
  if (o.shape_only && !o.device.empty() && o.device != "meta")
    throw InvalidInput("shape-only analysis runs on the meta device, not on '" + o.device + "': leave the device out");
  return o.shape_only || o.device == "meta";
}

// The caller's inputs as meta tensors of the same shapes, dtypes and strides; other arguments as they are.
std::vector<c10::IValue> to_meta(const std::vector<c10::IValue>& inputs) {
  std::vector<c10::IValue> out;
  for (const auto& v : inputs) {
    if (!v.isTensor() || !v.toTensor().defined() || v.toTensor().is_meta()) {
      out.push_back(v);
      continue;
    }
    const at::Tensor& t = v.toTensor();
    out.emplace_back(at::empty_strided(t.sizes(), t.strides(), t.options().device(c10::kMeta)));
  }
  return out;
}

// The trace with only the ops `keep` accepts; an op whose parent was dropped goes with it (its subtree is its
// parent's implementation). `keep` sees the op and its kept parent (null at the top level).
Trace filtered(Trace trace, const std::function<bool(const OpRecord&, const OpRecord*)>& keep) {
  std::vector<std::int32_t> new_index(trace.ops.size(), -1);
  std::vector<OpRecord> kept;
  kept.reserve(trace.ops.size());
  for (std::size_t i = 0; i < trace.ops.size(); ++i) {
    OpRecord& op = trace.ops[i];
    const OpRecord* parent = nullptr;
    if (op.parent >= 0) {
      const std::int32_t p = new_index[static_cast<std::size_t>(op.parent)];
      if (p < 0) continue;
      parent = &kept[static_cast<std::size_t>(p)];
      op.parent = p;
    }
    if (!keep(op, parent)) continue;
    new_index[i] = static_cast<std::int32_t>(kept.size());
    kept.push_back(std::move(op));
  }
  trace.ops = std::move(kept);
  return trace;
}

// On the CPU these ops run as one fused kernel (mkldnn RNNs, the CPU flash attention), with nothing below them
// that a report counts; on meta, having no such kernel, LibTorch runs their composite form (linear layers,
// matmuls, softmax). The composite children are dropped so that the shape-only trace is the CPU's.
Trace without_composite_children(Trace trace) {
  static const char* const kFusedOnCpu[] = {"aten::scaled_dot_product_attention", "aten::lstm", "aten::gru",
                                            "aten::rnn_tanh", "aten::rnn_relu"};
  return filtered(std::move(trace), [](const OpRecord&, const OpRecord* parent) {
    if (parent == nullptr) return true;
    for (const char* f : kFusedOnCpu)
      if (parent->name == f) return false;
    return true;
  });
}

// The trace without the ops that ran in `modules` (whole subtrees: nested ops share their parent's module).
Trace without_modules(Trace trace, const std::unordered_set<std::string>& modules) {
  return filtered(std::move(trace), [&](const OpRecord& op, const OpRecord*) { return modules.count(op.module) == 0; });
}

}  // namespace

std::string dtype_name(c10::ScalarType t) {
  switch (t) {
    case c10::kFloat: return "float32";
    case c10::kHalf: return "float16";
    case c10::kBFloat16: return "bfloat16";
    case c10::kDouble: return "float64";
    case c10::kLong: return "int64";
    case c10::kInt: return "int32";
    default: {
      std::string name = c10::toString(t);  // "Long", "Int", ...: lower-case, as torch prints dtypes
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return name;
    }
  }
}

c10::ScalarType parse_dtype(const std::string& name) {
  if (name == "float32" || name == "float") return c10::kFloat;
  if (name == "float16" || name == "half") return c10::kHalf;
  if (name == "bfloat16") return c10::kBFloat16;
  if (name == "float64" || name == "double") return c10::kDouble;
  if (name == "int64" || name == "long") return c10::kLong;
  if (name == "int32" || name == "int") return c10::kInt;
  throw InvalidInput("unknown dtype '" + name + "' (use float32, float16, bfloat16, float64, int64 or int32)");
}

ComplexityInfo analyze(torch::jit::Module& model, const Options& o) {
  check_inputs_given(o);
  capture::ModelOutput said;
  const OpSet& ops = count::shared_op_set(o.op_set);  // an unknown op set is an error before any work
  const bool shape_only = wants_shape_only(o);
  std::vector<at::Tensor> params;
  if (!shape_only)
    for (const auto& p : model.parameters()) params.push_back(p);
  const c10::Device device = shape_only ? c10::Device(c10::kMeta) : pick_device(o.device, params);
  auto inputs = make_inputs(o, device);

  auto method = model.find_method("forward");
  if (!method) throw InvalidInput("the TorchScript module has no forward method");
  std::size_t expected = method->function().getSchema().arguments().size() - 1;  // minus self
  std::ostringstream signature;
  signature << method->function().getSchema();
  if (inputs.size() != expected)
    throw InvalidInput("the model's forward takes " + std::to_string(expected) + " argument(s) but " +
                       std::to_string(inputs.size()) + " input(s) were given: " + signature.str());

  ModuleTree tree = model::jit_module_tree(model);
  // Without graph optimisation the interpreter runs the ops as saved: no fusion groups hiding ops, no
  // profiling-executor guards added to the trace.
  torch::jit::GraphOptimizerEnabledGuard no_optimisation(false);
  // Read before the forward runs: running it may rewrite the graphs of the methods it calls.
  const auto unused = o.op_set == "mmengine" ? model::unused_modules(model, tree) : std::unordered_set<std::string>{};
  Trace trace;
  const c10::FunctionSchema& schema = method->function().getSchema();
  try {
    if (shape_only) {
      capture::install_meta_kernels();
      torch::jit::Module twin = model::meta_twin(model);  // the user's model is only read
      inputs = to_meta(inputs);
      capture::JitResolver resolver(twin, tree);
      trace = capture_forward(twin, resolver, values_for(ops), signature.str(), device, capture_budget(), [&] { model::run_forward(twin, inputs); });
      trace = without_composite_children(std::move(trace));
    } else {
      capture::JitResolver resolver(model, tree);
      trace = capture_forward(model, resolver, values_for(ops), signature.str(), device, capture_budget(), [&] { model::run_forward(model, inputs); });
    }
  } catch (const ForwardFailed& e) {
    rethrow_with_hint(with_model_output(e, said), inputs, &schema);
  }
  // torch.jit.freeze removes the training flag (is_training() then reads true) and works in eval mode only.
  const bool frozen = !model.hasattr("training");
  RunInfo run = describe_run(inputs, device, o, !frozen && model.is_training());
  run.frozen = frozen;
  run.model_kind = "torchscript";
  // mmengine counts what its traced graph keeps: work no output uses is cut, and its modules are uncalled.
  // The timing pass joins kernels to the ops as they ran, so it keeps the whole trace.
  ComplexityInfo info = unused.empty() ? finish(std::move(tree), trace, ops, o, std::move(run))
                                        : finish(std::move(tree), without_modules(trace, unused), ops, o, std::move(run));
  gpu_pass(model, info, trace, device, o, [&] { model::run_forward(model, inputs); });
  info.model_output = said.collected();
  return info;
}

ComplexityInfo analyze(torch::nn::Module& model, const ForwardFn& forward, const Options& o) {
  check_inputs_given(o);
  capture::ModelOutput said;
  const OpSet& ops = count::shared_op_set(o.op_set);
  if (wants_shape_only(o))
    throw InvalidInput("a C++ frontend module cannot be analysed shape-only: LibTorch cannot give it meta parameters "
                       "without changing it; analyse on cpu, or save it as TorchScript");
  const c10::Device device = pick_device(o.device, model.parameters());
  auto inputs = make_inputs(o, device);
  ModuleTree tree = model::nn_module_tree(model);
  capture::NnResolver resolver(model, tree);
  // group_cpp_frontend_linear reads the shapes of the ops the C++ frontend's Linear runs.
  auto wanted = values_for(ops, {"aten::matmul", "aten::addmm", "aten::add_"});
  Trace trace;
  try {
    trace = capture_forward(model, resolver, std::move(wanted), "", device, capture_budget(), [&] { forward(inputs); });
  } catch (const ForwardFailed& e) {
    throw with_model_output(e, said);
  }
  capture::fill_unresolved(trace);
  // The timing pass numbers ops as the dispatcher runs them, before the synthetic aten::linear records that
  // regrouping inserts: it joins against the trace as captured.
  Trace as_run = device.is_cuda() ? trace : Trace{};
  capture::group_cpp_frontend_linear(trace, tree);
  RunInfo run = describe_run(inputs, device, o, model.is_training());
  run.model_kind = "cpp";
  ComplexityInfo info = finish(std::move(tree), trace, ops, o, std::move(run));
  gpu_pass(model, info, as_run, device, o, [&] { forward(inputs); });
  info.model_output = said.collected();
  return info;
}

}  // namespace flopscope
