#pragma once
// --inputs FILE: a model's example inputs saved with Python's torch.save, as the forward's arguments.
#include <string>
#include <vector>

#include <ATen/core/ivalue.h>
#include <torch/csrc/jit/api/module.h>

namespace flopscope::cli {

/// The forward arguments `path` holds, in the order `model`'s forward takes them. The file holds one tensor
/// (the only argument), a tuple or list (positional), or a dict from argument names to values (the order
/// comes from the forward's signature; an argument missing from it takes its default). Throws InvalidInput
/// naming the file, the key or the argument at fault.
std::vector<c10::IValue> load_inputs_file(const std::string& path, const torch::jit::Module& model);

}  // namespace flopscope::cli
