// flopscope's command line. Exit status: 0 success, 1 reserved for regressions (compare), 2 bad input or
// an unusable environment; every error is one line on stderr.
#include <CLI/CLI.hpp>

#include <c10/util/Exception.h>

#include <iostream>

#include "cli/analyze_command.h"
#include "flopscope/device.h"
#include "flopscope/errors.h"
#include "flopscope/models.h"

int main(int argc, char** argv) {
  CLI::App app{"flopscope: per-module parameters, FLOPs (multiply-adds) and activations of PyTorch models,\n"
               "reproducing mmengine's get_model_complexity_info.",
               "flopscope"};
  app.set_version_flag("--version", std::string("flopscope ") + FLOPSCOPE_VERSION);
  app.require_subcommand(0, 1);

  flopscope::cli::AnalyzeArgs analyze_args;
  auto* analyze = app.add_subcommand("analyze", "analyse a TorchScript file or a built-in model (default)");
  std::string builtins;
  for (const auto& n : flopscope::models::builtin_names()) builtins += (builtins.empty() ? "" : ", ") + n;
  analyze->add_option("model", analyze_args.model, "TorchScript file, or a built-in: " + builtins)
      ->capture_default_str();
  analyze->add_option("-i,--input-shape", analyze_args.input_shapes,
                      "shape of one forward argument without the batch dimension (1 is prepended), e.g. "
                      "3,224,224; repeat for several arguments");
  analyze->add_option("-d,--device", analyze_args.device, "cpu, cuda or cuda:N (default: cpu)");
  analyze->add_flag("!--no-table", analyze_args.show_table, "do not print the per-module table");
  analyze->add_flag("!--no-arch", analyze_args.show_arch, "do not print the architecture tree");

  auto* devices = app.add_subcommand("devices", "say which CUDA devices flopscope can use, or why none");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  try {
    if (devices->parsed()) {
      std::cout << flopscope::describe(flopscope::probe_cuda()) << "\n";
      return 0;
    }
    return flopscope::cli::run_analyze(analyze_args);  // `flopscope` alone analyses the default model
  } catch (const flopscope::Error& e) {
    std::cerr << "flopscope: error: " << e.what() << "\n";
  } catch (const c10::Error& e) {
    std::string what = e.what_without_backtrace();
    std::cerr << "flopscope: error: " << what.substr(0, what.find('\n')) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "flopscope: error: " << e.what() << "\n";
  }
  return 2;
}
