#pragma once
/// flopscope's C++ API, mirroring mmengine's `get_model_complexity_info`:
///
///   auto model = torch::jit::load("resnet50.pt");
///   auto info = flopscope::get_model_complexity_info(model, {3, 224, 224});
///   std::cout << info.out_table << info.out_arch << "Model Flops:" << info.flops_str << "\n";
///
/// `flops` counts multiply-adds (one MAC = one "flop", as mmengine, fvcore and detectron2 do).
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <ATen/core/ivalue.h>

#include "flopscope/model_messages.h"
#include <torch/csrc/jit/api/module.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "flopscope/analysis.h"
#include "flopscope/errors.h"

namespace flopscope {

/// mmengine's `input_shape`: one shape per forward argument, each without the batch dimension (a batch
/// dimension of 1 is prepended). `{3, 224, 224}` is one input; `{{3, 224, 224}, {10}}` is two.
class InputShape {
 public:
  InputShape() = default;
  InputShape(std::initializer_list<std::int64_t> one) : m_shapes{std::vector<std::int64_t>(one)}, m_given(true) {}
  InputShape(std::initializer_list<std::initializer_list<std::int64_t>> several) : m_given(true) {
    for (auto s : several) m_shapes.emplace_back(s);
  }
  explicit InputShape(std::vector<std::int64_t> one) : m_shapes{std::move(one)}, m_given(true) {}
  explicit InputShape(std::vector<std::vector<std::int64_t>> several) : m_shapes(std::move(several)), m_given(true) {}

  bool given() const { return m_given; }
  const std::vector<std::vector<std::int64_t>>& shapes() const { return m_shapes; }

 private:
  std::vector<std::vector<std::int64_t>> m_shapes;
  bool m_given = false;
};

/// The GPU pass, on a CUDA device: the analytic forward is followed by a timing pass under CUPTI.
struct GpuOptions {
  bool timing = true;        ///< run the timing pass when the device is CUDA
  int warmup = 3;            ///< forwards run before recording (autotuning, lazy loading)
  int forwards = 10;         ///< recorded forwards; statistics are medians over them
  bool measured_peaks = false;  ///< measure the device's peaks (matrix products) instead of the datasheet table
  bool chrome_trace = false; ///< keep Analysis::timeline, for render_chrome_trace
  bool nvtx = true;          ///< NVTX ranges per module and op in the "flopscope" domain (free without a tool)
  bool counters = false;     ///< after the timing pass, a counter pass: measured FLOPs and DRAM bytes per kernel
  double counter_tolerance = 0.1;  ///< measured/analytic FLOPs further than this from 1 is listed as an outlier
};

struct Options {
  InputShape input_shape;                              ///< either this ...
  std::optional<std::vector<c10::IValue>> inputs;      ///< ... or the forward's arguments, used as they are
  std::string device;        ///< where inputs are made: "" = the device of the model's first parameter
  std::string dtype = "float32";  ///< of inputs made from input_shape: float32, float16, bfloat16, float64;
                                  ///< int64, int32 make zeros (valid token indices)
  /// Per input_shape entry, that input's own dtype ("" or missing: `dtype`), e.g. {"int64", ""} for token ids
  /// and a float input of a CLIP-style model.
  std::vector<std::string> input_dtypes;
  bool prepend_batch = true;      ///< mmengine's batch dimension of 1; false: input_shape holds full shapes
  std::string op_set = "mmengine";
  bool show_table = true;
  bool show_arch = true;
  int max_depth = 3;         ///< table levels below the root
  GpuOptions gpu;
  /// Run the forward on the meta device: a twin of the model with meta tensors of the same shapes (the
  /// model itself is only read) and meta inputs, so no arithmetic is done. The report is the real
  /// forward's (run.device reads "meta") for models whose control flow does not depend on tensor values;
  /// a forward that reads values (.item(), a branch on a tensor, nonzero) throws ForwardFailed "cannot be
  /// analysed shape-only: <op> needs tensor values; analyse on cpu". TorchScript models only. device "meta"
  /// means the same; any other device with shape_only is an error.
  bool shape_only = false;
  /// CUDA asked for but no usable device: analyse on the CPU instead, saying why in the GPU report's
  /// skipped_reason, rather than throw CudaUnavailable.
  bool allow_cpu_fallback = false;
  /// A training step instead of a forward: the forward with autograd on, a loss (the model's own scalar output
  /// if it returns one, else the sum of its floating-point outputs), and the backward. Each module gets its
  /// backward MACs too (Analysis::backward), placed by autograd's sequence numbers; the model's parameters,
  /// buffers and gradients are put back. Needs the `default` or `all` op set (mmengine counts no backward), on
  /// the CPU for now.
  bool train_step = false;
  /// With train_step: the optimizer whose step is counted, "sgd" or "adamw" ("" none), per parameter the
  /// backward gave a gradient (count/optimizer.cpp has the update rules); it is counted, not run.
  std::string optimizer;
  /// Told what the analysis starts doing ("forward", "the GPU passes"), for progress and for naming the phase a
  /// time limit or a crash interrupted. May be empty.
  std::function<void(const std::string& phase)> on_phase;
};

/// Where an analysis with these options runs, checked exactly as analyze() checks it (one place for both):
/// for loading a model onto the right device before analysing it.
struct DevicePlan {
  std::optional<c10::Device> device;  ///< none: the model's own (its first parameter's), else the CPU
  bool shape_only = false;            ///< device is meta
  std::string fallback_reason;        ///< CUDA was asked for, is not usable, and the CPU was taken
};

/// Throws InvalidInput (an unknown op set or device, shape-only on another device, GPU options without CUDA) or
/// CudaUnavailable (CUDA asked for, not usable, no fallback allowed); loads LibTorch's CUDA half when CUDA is
/// usable. Probes the driver at most once per process.
DevicePlan plan_device(const Options& options);

/// The inputs an analysis makes from options.input_shape (mmengine's: a batch dimension of 1 before each shape
/// unless prepend_batch is false; standard normal floats, zeros for integer dtypes) on `device`, with the caller's
/// random streams left as they were. Throws InvalidInput for a negative dimension, or inputs that cannot fit in
/// the memory free.
std::vector<at::Tensor> inputs_from_shape(const Options& options, c10::Device device);

/// The keys of mmengine's result dict, plus the warnings it would log and the full analysis.
struct ComplexityInfo {
  Count flops = 0;             ///< multiply-adds
  std::string flops_str;
  Count activations = 0;
  std::string activations_str;
  Count params = 0;
  std::string params_str;
  std::string out_table;       ///< "\n" + table, or "" when show_table is false
  std::string out_arch;        ///< "\n" + arch string, or "" when show_arch is false
  std::vector<std::string> warnings;
  /// What the model warned or printed while it ran: collected, never written to stdout or stderr by the
  /// library (report::model_output_lines makes them safe lines).
  ModelMessages model_output;
  Analysis analysis;           ///< analysis.gpu holds the timing pass's result on CUDA
};

/// Runs a C++ frontend model's forward on the given arguments and returns its output (the training step's loss is
/// made from it; an analysis of the forward alone ignores it).
using ForwardFn = std::function<c10::IValue(const std::vector<c10::IValue>&)>;

/// The ScalarType of a dtype name ("float32", "float16"/"half", "bfloat16", "float64"/"double");
/// throws InvalidInput naming the accepted ones.
c10::ScalarType parse_dtype(const std::string& name);

/// The name parse_dtype reads back: "float32", "float16", "bfloat16", "float64"; others lower-cased.
std::string dtype_name(c10::ScalarType type);

/// Analyses a TorchScript module. The module is left as it was (parameters, buffers, training flag).
ComplexityInfo analyze(torch::jit::Module& model, const Options& options);

/// Analyses a C++ frontend module whose forward is reached through `forward`.
ComplexityInfo analyze(torch::nn::Module& model, const ForwardFn& forward, const Options& options);

namespace detail {
template <std::size_t>
using tensor_arg = const torch::Tensor&;

template <class Impl, class Seq, class = void>
struct takes_tensors : std::false_type {};
template <class Impl, std::size_t... I>
struct takes_tensors<Impl, std::index_sequence<I...>,
                     std::void_t<decltype(std::declval<Impl&>().forward(std::declval<tensor_arg<I>>()...))>>
    : std::true_type {};

template <class Impl, std::size_t... I>
bool call_if_arity(Impl& m, const std::vector<c10::IValue>& args, std::index_sequence<I...> seq, c10::IValue& out) {
  if constexpr (takes_tensors<Impl, decltype(seq)>::value) {
    if (args.size() == sizeof...(I)) {
      out = c10::IValue(m.forward(args[I].toTensor()...));
      return true;
    }
  }
  return false;
}

/// A ForwardFn for a module whose `forward` takes one to four tensors.
template <class Impl>
ForwardFn forward_of(Impl& m) {
  return [&m](const std::vector<c10::IValue>& args) {
    for (const auto& a : args)
      if (!a.isTensor()) throw InvalidInput("a C++ frontend model's forward takes tensors only");
    c10::IValue out;
    bool called = call_if_arity(m, args, std::make_index_sequence<1>{}, out) ||
                  call_if_arity(m, args, std::make_index_sequence<2>{}, out) ||
                  call_if_arity(m, args, std::make_index_sequence<3>{}, out) ||
                  call_if_arity(m, args, std::make_index_sequence<4>{}, out);
    if (!called)
      throw InvalidInput("the model's forward does not take " + std::to_string(args.size()) +
                         " tensor argument(s); give one input shape per forward argument");
    return out;
  };
}

inline Options make_options(const InputShape& input_shape, std::optional<std::vector<c10::IValue>> inputs,
                            bool show_table, bool show_arch) {
  Options o;
  o.input_shape = input_shape;
  o.inputs = std::move(inputs);
  o.show_table = show_table;
  o.show_arch = show_arch;
  return o;
}
}  // namespace detail

/// mmengine's `get_model_complexity_info(model, input_shape, inputs, show_table, show_arch)`. Exactly one of
/// `input_shape` and `inputs` must be given.
inline ComplexityInfo get_model_complexity_info(torch::jit::Module& model, const InputShape& input_shape = {},
                                                std::optional<std::vector<c10::IValue>> inputs = std::nullopt,
                                                bool show_table = true, bool show_arch = true) {
  return analyze(model, detail::make_options(input_shape, std::move(inputs), show_table, show_arch));
}

template <class Impl>
ComplexityInfo get_model_complexity_info(const std::shared_ptr<Impl>& model, const InputShape& input_shape = {},
                                         std::optional<std::vector<c10::IValue>> inputs = std::nullopt,
                                         bool show_table = true, bool show_arch = true) {
  static_assert(std::is_base_of_v<torch::nn::Module, Impl>, "model must be a torch::nn::Module");
  return analyze(*model, detail::forward_of(*model),
                 detail::make_options(input_shape, std::move(inputs), show_table, show_arch));
}

template <class Impl>
ComplexityInfo get_model_complexity_info(torch::nn::ModuleHolder<Impl>& model, const InputShape& input_shape = {},
                                         std::optional<std::vector<c10::IValue>> inputs = std::nullopt,
                                         bool show_table = true, bool show_arch = true) {
  return get_model_complexity_info(model.ptr(), input_shape, std::move(inputs), show_table, show_arch);
}

}  // namespace flopscope
