#pragma once
// `flopscope analyze`: the seed's example as a command, with machine-readable formats.
#include <string>
#include <vector>

#include "flopscope/complexity.h"

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
};

/// Loads (or builds) the model the arguments name and analyses it.
ComplexityInfo analyze_from_args(const AnalyzeArgs& args);

/// Writes the requested formats (stdout or --output files) and the warnings (stderr); returns 0.
int run_analyze(const AnalyzeArgs& args);

}  // namespace flopscope::cli
