#pragma once
// The run an Options asks for, worked out and checked in one place: the device (parsed once; CUDA probed once
// per process), shape-only, the op set from the shared registry, the inputs, and the memory they and the
// capture may take. Every model source's pipeline starts here; the CLI only fills Options.
#include <cstddef>
#include <string>
#include <vector>

#include "flopscope/complexity.h"
#include "flopscope/op_set.h"

namespace flopscope::api {

class RngGuard;

struct RunContext {
  c10::Device device{c10::kCPU};   ///< where the forward runs: meta for shape-only
  bool shape_only = false;
  std::string fallback_reason;     ///< CUDA was asked for but not usable, and the CPU taken (allow_cpu_fallback)
  const OpSet* ops = nullptr;      ///< the shared registry's, never copied
  std::vector<c10::IValue> inputs; ///< the forward's arguments, on `device`
  bool train_step = false;         ///< a training step: forward with autograd, the loss's backward (train_step.h)
  std::string optimizer;           ///< the step's optimizer, counted ("" none; checked: sgd, adamw)
};

/// Checks `o` (exactly one of input_shape and inputs, the device, shape-only, the op set, the GPU options) and
/// makes the inputs. `params` are the model's parameters: with no device asked for, the inputs go where the
/// first one is (mmengine), and a model elsewhere than the asked device is an error. `model_has_inputs`: the
/// model holds its inputs (an exported graph), so none are made and giving any is an error. `rng`: the
/// analysis's guard of the random streams, told the CUDA device before any input is drawn there.
RunContext make_run_context(const Options& o, const std::vector<at::Tensor>& params, bool model_has_inputs = false,
                            RngGuard* rng = nullptr);

/// What the report says about the run: inputs, device, CUDA environment, op set (the model source adds its kind
/// and mode).
RunInfo describe_run(const RunContext& run, const Options& o);

/// What the capture's records may take: half the memory free when it is asked (the capture asks once its records
/// pass 64 MiB, during the forward), the other half left to the forward's activations. Unlimited when nothing
/// tells.
std::size_t capture_budget();

}  // namespace flopscope::api
