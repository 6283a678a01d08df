#include "api/run_context.h"

#include <ATen/Context.h>
#include <c10/core/InferenceMode.h>
#include <ATen/ops/empty_strided.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/zeros.h>

#include <algorithm>

#include "api/rng_guard.h"
#include "capture/tensor_shape.h"
#include "sandbox/memory_limit.h"
#include "count/families.h"
#include "count/optimizer.h"
#include "flopscope/device.h"

namespace flopscope {

// The messages name the command line's flags, the Options fields' twins (shape_only, gpu.counters, ...).
DevicePlan plan_device(const Options& o) {
  DevicePlan plan;
  count::shared_op_set(o.op_set);  // an unknown op set is refused before a model is loaded
  // shape_only, or device "meta" (which means the same); shape_only with another device is a contradiction.
  if (o.shape_only && !o.device.empty() && o.device != "meta")
    throw InvalidInput("--shape-only runs on the meta device, not on '" + o.device + "': leave --device out");
  plan.shape_only = o.shape_only || o.device == "meta";
  const bool wants_cuda = o.device.rfind("cuda", 0) == 0;
  if (o.gpu.counters && !wants_cuda)
    throw InvalidInput("--counters and --roofline read GPU hardware counters: use them with --device cuda");
  if (o.gpu.chrome_trace && !wants_cuda)
    throw InvalidInput("--chrome-trace records the GPU timing pass: use it with --device cuda");
  if (plan.shape_only) {
    plan.device = c10::Device(c10::kMeta);
    return plan;
  }
  if (o.device.empty()) return plan;  // the model's own
  try {
    plan.device = c10::Device(o.device);
  } catch (const c10::Error&) {
    throw InvalidInput("unknown device '" + o.device + "' (use cpu, cuda, cuda:N or meta)");
  }
  if (plan.device->is_cuda()) {
    const CudaStatus status = probe_cuda();
    if (!status.available && o.allow_cpu_fallback) {
      plan.fallback_reason = "no CUDA device (" + status.reason + "); analysed on the CPU instead (--allow-cpu-fallback)";
      plan.device = c10::Device(c10::kCPU);
      return plan;
    }
    require_cuda();  // throws, with what to do; else loads LibTorch's CUDA half
    if (!at::hasCUDA())
      throw CudaUnavailable("CUDA was requested but LibTorch reports no CUDA support (a CPU-only build, or CUDA was "
                            "queried before flopscope::load_torch_cuda())");
  }
  return plan;
}

}  // namespace flopscope

namespace flopscope::api {

using sandbox::gib;
using sandbox::memory_room;
using sandbox::MemoryRoom;
namespace {

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
  // Small inputs fit anywhere an analysis can start: reading /proc and the cgroups would only cost time.
  if (bytes + 2 * largest < 64.0 * 1048576) return;
  const MemoryRoom room = memory_room();
  if (room.bytes > 0 && bytes + 2 * largest > room.bytes)
    throw InvalidInput("the inputs need " + gib(bytes) + " and the forward an estimated " + gib(2 * largest) +
                       " more (twice the largest input), but only " + gib(room.bytes) + " is free (" + room.source +
                       ")");
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

// The caller's inputs as meta tensors of the same shapes, dtypes and strides; other arguments as they are.
std::vector<c10::IValue> to_meta(const std::vector<c10::IValue>& inputs) {
  std::vector<c10::IValue> out;
  for (const auto& v : inputs) {
    if (!v.isTensor() || !v.toTensor().defined() || v.toTensor().is_meta()) {
      out.push_back(v);
      continue;
    }
    const at::Tensor& t = v.toTensor();
    if (t.is_nested())
      throw InvalidInput("a nested tensor (torch.nested) cannot be made a meta tensor for a shape-only analysis: "
                         "analyse it on a device");
    at::Tensor meta = at::empty_strided(t.sizes(), t.strides(), t.options().device(c10::kMeta));
    // As the model's twin does (meta_copy.cpp): a step's first layer computes this input's gradient.
    if (t.requires_grad()) meta.set_requires_grad(true);
    out.emplace_back(std::move(meta));
  }
  return out;
}

}  // namespace

RunContext make_run_context(const Options& o, const std::vector<at::Tensor>& params, bool model_has_inputs,
                            RngGuard* rng) {
  if (model_has_inputs && (o.input_shape.given() || o.inputs))
    throw InvalidInput("an exported program holds its inputs' shapes: give no input shapes; bind its dynamic "
                       "dimensions with --dim NAME=VALUE, or give example inputs (--inputs FILE), which size them");
  // mmengine: exactly one of input_shape and inputs.
  if (!model_has_inputs && !o.input_shape.given() && !o.inputs)
    throw InvalidInput("One of \"input_shape\" and \"inputs\" should be set.");
  if (o.input_shape.given() && o.inputs) throw InvalidInput("\"input_shape\" and \"inputs\" cannot be both set.");
  // The numbers an analysis is given (the command line checks its own options first, in its own words).
  if (o.max_depth < 0) throw InvalidInput("max_depth must be 0 or more (levels below the root)");
  if (o.gpu.forwards < 1) throw InvalidInput("forwards must be 1 or more (the GPU timing pass's recorded forwards)");
  if (o.gpu.warmup < 0) throw InvalidInput("warmup must be 0 or more (forwards run before the recorded ones)");
  if (!(o.gpu.counter_tolerance >= 0)) throw InvalidInput("counter_tolerance must be 0 or more");
  RunContext run;
  run.ops = &count::shared_op_set(o.op_set);  // an unknown op set is an error before any work
  if (o.train_step && o.op_set == "mmengine")
    throw InvalidInput("a training step is counted with the default or all op set (mmengine's has no backward "
                       "formulas): use --ops default");
  const DevicePlan plan = plan_device(o);
  run.shape_only = plan.shape_only;
  run.fallback_reason = plan.fallback_reason;
  run.train_step = o.train_step;
  if (!o.optimizer.empty()) {
    if (!o.train_step) throw InvalidInput("an optimizer is part of a training step: add --train-step");
    count::optimizer_rule(o.optimizer);  // an unknown one is refused before any work
    run.optimizer = o.optimizer;
  }
  if (run.train_step && c10::InferenceMode::is_enabled())
    throw InvalidInput("a training step runs autograd's backward, which inference mode (torch.inference_mode(), "
                       "c10::InferenceMode) turns off: analyse the step outside it (no_grad is fine: the step turns "
                       "autograd on for itself)");
  // Where the inputs go: the planned device, else the model's first parameter's (mmengine), else the CPU.
  run.device = plan.device ? *plan.device : params.empty() ? c10::Device(c10::kCPU) : params.front().device();
  if (!run.shape_only)
    for (const auto& p : params)
      if (p.device().type() != run.device.type())
        throw InvalidInput("the model's parameters are on " + p.device().str() + " but device " + run.device.str() +
                           " was requested; move the model there first");
  if (rng != nullptr) rng->add(run.device);
  if (model_has_inputs) return run;
  run.inputs = make_inputs(o, run.device);
  // The step is the model's: an input the caller computed with autograd gets its gradient (the first layer's input
  // gradient), and the backward stops there, out of the caller's code and off the caller's tensors. A detached
  // leaf shares the input's storage. (The Python package does the same for what it is given.)
  if (run.train_step)
    for (auto& v : run.inputs)
      if (v.isTensor() && v.toTensor().defined() && v.toTensor().requires_grad())
        v = v.toTensor().detach().requires_grad_(true);
  if (run.shape_only) run.inputs = to_meta(run.inputs);  // the caller's own inputs, given as they are
  return run;
}

}  // namespace flopscope::api

namespace flopscope {

std::vector<at::Tensor> inputs_from_shape(const Options& o, c10::Device device) {
  if (!o.input_shape.given()) throw InvalidInput("no input_shape to make inputs from");
  api::RngGuard rng;  // the caller's random streams, as they were (api/rng_guard.h)
  rng.add(device);
  std::vector<at::Tensor> out;
  Options shapes_only = o;
  shapes_only.inputs.reset();
  for (const auto& v : api::make_inputs(shapes_only, device)) out.push_back(v.toTensor());
  return out;
}

}  // namespace flopscope

namespace flopscope::api {

std::size_t capture_budget() {
  const MemoryRoom room = memory_room();
  if (room.bytes <= 0) return static_cast<std::size_t>(-1);
  return static_cast<std::size_t>(std::max(room.bytes / 2, 16.0 * 1048576));
}

RunInfo describe_run(const RunContext& context, const Options& o) {
  RunInfo run;
  for (const auto& v : context.inputs) {
    if (!v.isTensor()) continue;
    run.input_shapes.push_back(capture::display_shape(v.toTensor()));  // a nested tensor's padded shape
    run.input_dtypes.push_back(dtype_name(v.toTensor().scalar_type()));
  }
  run.device = context.device.str();
  run.cuda = describe(probe_cuda());
  run.op_set = o.op_set;
  return run;
}

}  // namespace flopscope::api
