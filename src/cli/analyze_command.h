#pragma once
// `flopscope analyze`: the seed's example as a command, with machine-readable formats.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "flopscope/complexity.h"
#include "flopscope/exported.h"

namespace flopscope::cli {

struct AnalyzeArgs {
  std::string model = "resnet50";           ///< a TorchScript file or a built-in model's name
  std::vector<std::string> input_shapes;    ///< "3,224,224" per forward argument, batch dimension excluded;
                                            ///< "3,224,224:float16" gives that input its own dtype
  std::vector<std::string> full_shapes;     ///< "8,3,224,224" per forward argument, used as given (":DTYPE" too)
  std::string inputs_file;                  ///< --inputs: example inputs saved with torch.save
  std::vector<std::string> dtypes;          ///< every --dtype given (more than one is an error)
  std::string device;                       ///< "" = cpu
  std::string op_set = "mmengine";
  int max_depth = 3;
  std::vector<std::string> dims;            ///< --dim NAME=VALUE[,VALUE...]: a .pt2's symbols; several values sweep
  bool run_exported = false;                ///< --run: execute a .pt2's graph instead of only reading it
  std::vector<std::string> formats;         ///< table, arch, summary, json, csv; empty = table, arch, summary
  std::vector<std::string> outputs;         ///< one file for all text formats, or one per format
  std::string mode;                         ///< "", "eval" or "train"
  bool quiet = false;
  // The GPU pass (CUDA devices only)
  bool gpu_timing = true;                   ///< --no-gpu-timing turns the timing pass off
  int gpu_warmup = 3;
  int gpu_forwards = 10;
  std::string peaks = "table";              ///< "table" (datasheet arithmetic) or "measured"
  std::string chrome_trace;                 ///< write the timing pass's Chrome trace here
  bool allow_cpu_fallback = false;          ///< CUDA requested but unusable: analyse on the CPU instead
  bool counters = false;                    ///< the counter pass (hardware counters per kernel)
  double counter_tolerance = 0.1;
  std::string roofline;                     ///< write the counter pass's roofline chart (SVG) here
  bool shape_only = false;                  ///< --shape-only: the forward on meta tensors (Options::shape_only)
  bool train_step = false;                  ///< --train-step: forward, loss, backward (Options::train_step)
  std::string optimizer;                    ///< --optimizer sgd|adamw (Options::optimizer)
  // Model files run in a confined child process (docs/security.md)
  bool trust_model = false;                 ///< --trust-model: load and run the file in this process, unconfined
  double timeout_s = 3600;                  ///< --timeout: the whole analysis of a model file; 0: none
  double load_timeout_s = 300;              ///< --load-timeout: loading a model file; 0: none
  double memory_limit_gib = -1;             ///< --memory-limit: the child's data limit; -1: the free memory; 0: none
};

/// How analyze_from_args runs the model.
struct ModelRun {
  std::function<void(const std::string& phase)> on_phase;  ///< "loading", "forward", ...; may be empty
  std::function<void(const std::string& line)> on_note;    ///< a line for stderr, without "flopscope: "; may be empty
  const SandboxInfo* sandbox = nullptr;  ///< set in the confined child: reported in the run info, no load probe
};

/// Loads (or builds) the model the arguments name and analyses it, in this process.
ComplexityInfo analyze_from_args(const AnalyzeArgs& args, const ModelRun& how = {});

/// The `--dim` options, parsed once: fixed bindings, and at most one symbol with several values (the sweep).
struct DimArgs {
  std::vector<DimBinding> fixed;
  std::string axis;                   ///< the swept name as given; "" when no --dim has several values
  std::vector<std::int64_t> values;   ///< the sweep's values, in the order given
};
DimArgs parse_dims(const std::vector<std::string>& dims);

/// One analysis per value of the sweep (`flopscope analyze model.pt2 --dim seq=128,512`), the archive read once.
std::vector<ComplexityInfo> sweep_from_args(const AnalyzeArgs& args, const ModelRun& how = {});

/// What a command that runs a model makes before anything is written: numbered outputs and stderr lines.
struct CommandProducts {
  std::map<int, std::string> outputs;
  std::vector<std::string> notes;  ///< without the "flopscope: " prefix
};
using Produce = std::function<void(const ModelRun& how, CommandProducts& out)>;

/// Runs `produce` where the model may run: a model file in a confined child process (unless --trust-model),
/// a built-in model here. Throws the child's error (a failed analysis, a crash, a time limit) as InvalidInput.
CommandProducts run_model_command(const AnalyzeArgs& args, const Produce& produce);

/// Writes the requested formats (stdout or --output files) and the warnings (stderr); returns 0.
int run_analyze(const AnalyzeArgs& args);

}  // namespace flopscope::cli
