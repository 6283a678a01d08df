// flopscope's command line. Every error is one line on stderr; exit statuses are documented in --help.
#include <CLI/CLI.hpp>

#include <c10/util/Exception.h>
#include <torch/version.h>

#include <cmath>
#include <csignal>
#include <iostream>

#include "cli/analyze_command.h"
#include "cli/compare_command.h"
#include "cli/error_line.h"
#include "cli/ops_command.h"
#include "cli/peak_command.h"
#include "cli/validate_ops_command.h"
#include "flopscope/device.h"
#include "flopscope/errors.h"
#include "flopscope/models.h"

namespace {

// --memory-limit's value: a finite number of GiB from 0 (no limit) to what 64 bits of bytes hold. Unset, the option
// keeps its default (-1: the memory free at the start), which no value given can stand for.
const CLI::Validator kGib(
    [](std::string& text) -> std::string {
      double gib = 0;
      try {
        std::size_t used = 0;
        gib = std::stod(text, &used);
        if (used != text.size()) return "'" + text + "' is not a number of GiB";
      } catch (const std::exception&) {
        return "'" + text + "' is not a number of GiB";
      }
      if (!std::isfinite(gib) || gib < 0) return "GiB are a number from 0 (0: no limit), not '" + text + "'";
      if (gib >= 17179869184.0) return "'" + text + "' GiB is more bytes than 64 bits hold";
      return "";
    },
    "GIB");

constexpr const char* kExitStatus =
    "Exit status:\n"
    "  0  success (compare: every module within tolerance)\n"
    "  1  compare found a regression\n"
    "  2  bad input or unusable environment (missing/corrupt file, bad shape or option, failing forward,\n"
    "     CUDA requested where there is none); the reason is one line on stderr";

// The options that say which model to run and how: shared by `analyze` and `ops --unsupported`.
void add_model_options(CLI::App* cmd, flopscope::cli::AnalyzeArgs& a) {
  cmd->add_option("-i,--input-shape", a.input_shapes,
                  "shape of one forward argument without the batch dimension (mmengine: 1 is prepended), "
                  "e.g. 3,224,224; repeat per argument, in the forward's order; SHAPE:DTYPE gives that input "
                  "its own dtype")
      ->allow_extra_args(false);
  cmd->add_option("--full-shape", a.full_shapes,
                  "shape of one forward argument as given, e.g. 8,3,224,224, or with its own dtype, e.g. 1,128:int64 "
                  "(token ids: zeros)")
      ->allow_extra_args(false);
  cmd->add_option("--inputs", a.inputs_file,
                  "example inputs saved with torch.save: a tensor, a tuple or list (positional), or a dict "
                  "(by the forward's argument names); for a .pt2 they size its dynamic dimensions, and with --run "
                  "are what it runs on");
  cmd->add_option("--dtype", a.dtypes,
                  "the model's dtype and that of every float input without its own: float32 (default), float16, "
                  "bfloat16, float64; or int64, int32 for inputs only (zeros: token indices)")
      ->allow_extra_args(false);
  cmd->add_option("--dim", a.dims,
                  "for a torch.export .pt2: NAME=VALUE binds a dynamic dimension (its symbol, e.g. s27, or "
                  "INPUT.DIM, e.g. input_ids.1); NAME=V1,V2,... sweeps it (one analysis per value); repeatable")
      ->allow_extra_args(false);
  cmd->add_flag("--run", a.run_exported,
                "for a .pt2: run its graph op by op (weights read from the archive, on the --inputs or on inputs "
                "made at the --dim values) under the capture, instead of only reading it; the same analytic report; "
                "always on cuda and with --train-step");
  cmd->add_option("-d,--device", a.device, "cpu, cuda, cuda:N, or meta (the same as --shape-only)");
  cmd->add_flag("--shape-only", a.shape_only,
                "run the forward (with --train-step, the whole step) on meta tensors: no arithmetic, the same "
                "report for models whose control flow does not depend on tensor values (TorchScript files only)");
  auto* ops = cmd->add_option("--ops", a.op_set,
                               "op set: mmengine (mmengine's handlers exactly), default (+ attention, RNNs, every conv "
                               "and upsample form, embeddings, baddbmm/addmv/mv/dot, FFTs, triangular solves), all (+ pooling, softmax, "
                               "elementwise); default for --train-step")
                  ->capture_default_str();
  // mmengine has no backward formulas: a training step counts with the default op set unless told otherwise.
  cmd->add_flag_callback("--train-step", [&a, ops] {
    a.train_step = true;
    if (ops->count() == 0) a.op_set = "default";
  }, "analyse a training step: the forward, a loss (the model's scalar output, else the sum of its outputs) and the "
     "backward; each module gets its backward MACs (placed by autograd), parameters and gradients are put back (a "
     ".pt2's graph runs with autograd on)");
  cmd->add_option("--optimizer", a.optimizer,
                  "with --train-step: count the optimizer's update, sgd or adamw (torch's defaults), per parameter "
                  "the backward gave a gradient, with its state's bytes")
      ->check(CLI::IsMember({"sgd", "adamw"}));
  auto* eval = cmd->add_flag_callback("--eval", [&a] { a.mode = "eval"; }, "analyse in eval mode");
  auto* train = cmd->add_flag_callback("--train", [&a] { a.mode = "train"; }, "analyse in training mode");
  eval->excludes(train);
  cmd->add_flag("-q,--quiet", a.quiet, "no warnings or progress on stderr");
  // A model file runs in a confined child process (docs/security.md).
  cmd->add_flag("--trust-model", a.trust_model,
                "load and run a model file in flopscope's own process, unconfined: it may write files, run programs "
                "and use the network as you can (only for a file you trust that needs to)");
  cmd->add_option("--timeout", a.timeout_s, "seconds the analysis of a model file may take, 0: no limit")
      ->capture_default_str();
  cmd->add_option("--load-timeout", a.load_timeout_s, "seconds loading a model file may take, 0: no limit")
      ->capture_default_str();
  cmd->add_option("--memory-limit", a.memory_limit_gib,
                  "GiB of data the analysis of a model file may allocate; default: the memory free when it starts "
                  "(none on a GPU run); 0: no limit")
      ->check(kGib);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"flopscope: per-module parameters, FLOPs (multiply-adds) and activations of PyTorch models.\n"
               "With no command it analyses the built-in ResNet-50.",
               "flopscope"};
  app.set_version_flag("--version", std::string("flopscope ") + FLOPSCOPE_VERSION + " (LibTorch " + TORCH_VERSION + ")");
  app.footer(kExitStatus);
  app.require_subcommand(0, 1);

  flopscope::cli::AnalyzeArgs analyze_args;
  auto* analyze = app.add_subcommand("analyze", "analyse a torch.export .pt2, a TorchScript file or a built-in model");
  std::string builtins;
  for (const auto& n : flopscope::models::builtin_names()) builtins += (builtins.empty() ? "" : ", ") + n;
  analyze->add_option("model", analyze_args.model,
                      "torch.export .pt2 file (analysed from its graph), TorchScript file, or a built-in: " + builtins)
      ->capture_default_str();
  add_model_options(analyze, analyze_args);
  analyze->add_option("--max-depth", analyze_args.max_depth, "table levels below the root")->capture_default_str();
  analyze->add_option("-f,--format", analyze_args.formats,
                      "table, arch, summary, operators (totals by op), json, csv; comma-separated or repeated "
                      "(default: table,arch,summary); with a --dim sweep: sweep (a table), csv or json");
  analyze->add_option("-o,--output", analyze_args.outputs,
                      "write to FILE instead of stdout: one file for text formats, or one per --format");
  analyze->add_flag("!--no-gpu-timing", analyze_args.gpu_timing, "on CUDA, skip the timing pass (analytic report only)");
  analyze->add_option("--gpu-warmup", analyze_args.gpu_warmup, "forwards run before the recorded ones")
      ->capture_default_str();
  analyze->add_option("--gpu-forwards", analyze_args.gpu_forwards,
                      "recorded forwards of the timing pass; GPU times are medians over them")
      ->capture_default_str();
  analyze->add_option("--peaks", analyze_args.peaks,
                      "what % of peak divides by: table (datasheet arithmetic from SMs and clock) or measured "
                      "(matrix products timed on the device first)")
      ->capture_default_str();
  analyze->add_option("--chrome-trace", analyze_args.chrome_trace,
                      "write the timing pass as a Chrome trace / Perfetto JSON file (module -> op -> kernel)");
  analyze->add_flag("--counters", analyze_args.counters,
                    "on CUDA, also read hardware counters per kernel (CUPTI range profiler, kernel replay): measured "
                    "FLOPs and DRAM bytes per module and op beside the formulas, and the roofline");
  analyze->add_option("--counter-tolerance", analyze_args.counter_tolerance,
                      "list ops and modules whose measured/analytic FLOPs differ from 1 by more than this")
      ->capture_default_str();
  analyze->add_option("--roofline", analyze_args.roofline,
                      "write the counter pass's roofline chart (SVG, one point per module) to FILE; implies --counters");
  analyze->add_flag("--allow-cpu-fallback", analyze_args.allow_cpu_fallback,
                    "when CUDA is requested but unusable, analyse on the CPU and say why instead of failing");
  analyze->footer(kExitStatus);

  flopscope::cli::CompareArgs compare_args;
  auto* compare = app.add_subcommand("compare", "per-module differences between two JSON reports");
  compare->add_option("base", compare_args.base, "the reference report (flopscope analyze --format json)")->required();
  compare->add_option("new", compare_args.current, "the report to check")->required();
  compare->add_option("--rtol", compare_args.rtol,
                      "allowed relative increase: 0.05 for every analytic metric, or METRIC=0.05 (parameters, macs, "
                      "activations; gpu_ms and tflops_per_s, the timing pass's, are gated only when named); "
                      "repeatable; default 0");
  compare->add_option("--atol", compare_args.atol, "allowed absolute increase, same forms as --rtol; default 0");
  compare->add_option("--max-depth", compare_args.max_depth, "compare modules down to this depth (root 0)");
  compare->add_flag("--fail-on-decrease", compare_args.decreases_fail, "decreases beyond tolerance fail too");
  compare->add_flag("--allow-different-inputs", compare_args.allow_different_inputs,
                    "compare reports made at different inputs (sequence 128 vs 256, batch 1 vs 2); without it they "
                    "are refused, since every count depends on the input. The op sets must match either way");
  compare->add_option("-f,--format", compare_args.formats, "table, json, junit; repeatable (default: table)");
  compare->add_option("-o,--output", compare_args.outputs, "one file per --format instead of stdout");
  compare->footer(std::string("The root module is named \".\" (no submodule can be). Modules are matched by path; "
                              "counts compare within max(--atol, --rtol * base).\n") + kExitStatus);

  flopscope::cli::AnalyzeArgs ops_model;
  std::string unsupported_model;
  auto* ops = app.add_subcommand("ops", "the ops flopscope counts, their op set and formula");
  ops->add_option("--unsupported", unsupported_model, "list MODEL's ops that have no formula instead");
  add_model_options(ops, ops_model);

  auto* devices = app.add_subcommand("devices", "which CUDA devices flopscope can use, or why none");

  flopscope::cli::PeakArgs peak_args;
  auto* peak = app.add_subcommand("peak", "the device's peak FLOP/s per precision and DRAM bandwidth: datasheet "
                                          "table vs matrix products and a copy measured on it");
  peak->add_option("-d,--device", peak_args.device, "cuda or cuda:N")->capture_default_str();
  peak->add_flag("--json", peak_args.json, "JSON instead of a table");

  flopscope::cli::ValidateOpsArgs validate_args;
  auto* validate = app.add_subcommand(
      "validate-ops", "run every op family with a FLOP formula on the GPU at awkward shapes and dtypes, and print "
                      "analytic vs hardware-counter FLOPs with the ratio (needs a GPU; --list does not)");
  validate->add_option("--ops", validate_args.op_set, "op set whose formulas are checked")->capture_default_str();
  validate->add_option("--dtype", validate_args.dtypes,
                       "float32, bfloat16, float16, float64, float8_e4m3fn (FP8: _scaled_mm only); repeatable")
      ->capture_default_str();
  validate->add_option("--family", validate_args.family, "only this formula key, e.g. linear, conv");
  validate->add_option("--tolerance", validate_args.tolerance, "ratios outside 1 +/- this are flagged")
      ->capture_default_str();
  validate->add_flag("--list", validate_args.list, "print the cases and stop");
  validate->footer(kExitStatus);

  // A reader that goes away (`| head`) is not an error: writes to stdout then fail quietly and the command
  // ends with its own status, instead of being killed by SIGPIPE (status 141).
  std::signal(SIGPIPE, SIG_IGN);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::string what = e.what();
    std::cerr << "flopscope: error: " << what.substr(0, what.find('\n')) << " (see flopscope --help)\n";
    return 2;
  }

  try {
    if (devices->parsed()) {
      std::cout << flopscope::describe(flopscope::probe_cuda()) << "\n";
      return 0;
    }
    if (compare->parsed()) return flopscope::cli::run_compare(compare_args);
    if (peak->parsed()) return flopscope::cli::run_peak(peak_args);
    if (validate->parsed()) return flopscope::cli::run_validate_ops(validate_args);
    if (ops->parsed()) {
      if (unsupported_model.empty()) return flopscope::cli::run_ops(ops_model.op_set);
      ops_model.model = unsupported_model;
      return flopscope::cli::run_unsupported(ops_model);
    }
    return flopscope::cli::run_analyze(analyze_args);
  } catch (...) {
    std::cerr << "flopscope: error: " << flopscope::cli::current_error_line() << "\n";
  }
  return 2;
}
