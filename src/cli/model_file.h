#pragma once
// Loading a TorchScript file for the CLI, with errors that say what the file is instead and what to do.
#include <string>

#include <torch/csrc/jit/api/module.h>

namespace flopscope::cli {

/// What a file that is not a loadable TorchScript archive looks like ("a torch.save archive (a state_dict or
/// a pickled nn.Module)", "a torch.export .pt2 archive", "an empty file", ...); "" for a TorchScript archive.
std::string describe_non_torchscript(const std::string& path);

/// torch::jit::load with InvalidInput errors naming the problem; `device` as for torch::jit::load.
torch::jit::Module load_model_file(const std::string& path, const c10::optional<c10::Device>& device);

/// Lower-case hex SHA-256 of a file's bytes.
std::string sha256_of_file(const std::string& path);

/// A module frozen with torch.jit.freeze has no submodules left: attribution to modules is lost.
bool looks_frozen(const torch::jit::Module& module);

}  // namespace flopscope::cli
