#pragma once
// `flopscope analyze`: the seed's example as a command.
#include <string>
#include <vector>

namespace flopscope::cli {

struct AnalyzeArgs {
  std::string model = "resnet50";           ///< a TorchScript file or a built-in model's name
  std::vector<std::string> input_shapes;    ///< "3,224,224" per forward argument, batch dimension excluded
  std::string device;                       ///< "" = where the model is (cpu after loading)
  bool show_table = true;
  bool show_arch = true;
};

/// Parses "3,224,224" (or "3x224x224"); throws InvalidInput with the offending text.
std::vector<long> parse_shape(const std::string& text);

/// Prints the table, the arch tree and the summary lines on stdout, warnings on stderr; returns 0.
int run_analyze(const AnalyzeArgs& args);

}  // namespace flopscope::cli
