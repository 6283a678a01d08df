#include "cli/analyze_command.h"

#include <torch/csrc/jit/serialization/import.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "flopscope/complexity.h"
#include "flopscope/device.h"
#include "flopscope/models.h"

namespace flopscope::cli {
namespace {

bool looks_like_file(const std::string& model) {
  return model.find('/') != std::string::npos || model.find('.') != std::string::npos ||
         std::filesystem::exists(model);
}

torch::jit::Module load_torchscript(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InvalidInput("model file '" + path + "' does not exist");
  if (std::filesystem::is_directory(path, ec))
    throw InvalidInput("'" + path + "' is a directory, not a TorchScript file");
  try {
    return torch::jit::load(path);
  } catch (const c10::Error& e) {
    std::string why = e.what_without_backtrace();
    throw InvalidInput("cannot load '" + path + "' as a TorchScript model (" + why.substr(0, why.find('\n')) +
                       "); save it with torch.jit.save(torch.jit.script(model), path)");
  }
}

}  // namespace

std::vector<long> parse_shape(const std::string& text) {
  std::vector<long> dims;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find_first_of(",x", start);
    std::string part = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    errno = 0;
    char* stop = nullptr;
    long v = std::strtol(part.c_str(), &stop, 10);
    if (part.empty() || *stop != '\0' || errno != 0 || v < 0)
      throw InvalidInput("bad input shape '" + text + "': expected non-negative integers such as 3,224,224");
    dims.push_back(v);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return dims;
}

int run_analyze(const AnalyzeArgs& args) {
  Options options;
  options.device = args.device;
  options.show_table = args.show_table;
  options.show_arch = args.show_arch;
  std::vector<std::vector<std::int64_t>> shapes;
  for (const auto& s : args.input_shapes) {
    auto dims = parse_shape(s);
    shapes.emplace_back(dims.begin(), dims.end());
  }
  if (!shapes.empty()) options.input_shape = InputShape(shapes);

  ComplexityInfo info;
  if (looks_like_file(args.model)) {
    if (shapes.empty()) throw InvalidInput("give the input shape of a model file with --input-shape, e.g. 3,224,224");
    auto module = load_torchscript(args.model);
    if (options.device.rfind("cuda", 0) == 0) {
      require_cuda();
      module.to(c10::Device(options.device));
    }
    info = analyze(module, options);
  } else {
    auto builtin = models::make_builtin(args.model);
    if (shapes.empty()) options.input_shape = builtin.input_shape;
    if (options.device.rfind("cuda", 0) == 0) {
      require_cuda();
      builtin.module->to(c10::Device(options.device));  // our own fresh instance: moving it changes nothing of the user's
    }
    info = analyze(*builtin.module, builtin.forward, options);
  }

  if (args.show_table) std::cout << info.out_table << "\n";
  if (args.show_arch) std::cout << info.out_arch << "\n";
  std::cout << "Model Flops:" << info.flops_str << "\n"
            << "Model Parameters:" << info.params_str << "\n";
  for (const auto& w : info.warnings) std::cerr << "flopscope: warning: " << w << "\n";
  return 0;
}

}  // namespace flopscope::cli
