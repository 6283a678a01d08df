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

/// The tensor inputs `path` holds for an exported program whose tensor inputs are `names` (in the graph's order):
/// one tensor, a tuple or list of the forward's positional arguments (nested tuples and lists flattened, as
/// torch.export flattens them; values that are not tensors left out, export having made them constants), or a
/// dict from those names to tensors. Throws InvalidInput naming the file and what is wrong.
std::vector<at::Tensor> load_exported_inputs_file(const std::string& path, const std::vector<std::string>& names);

}  // namespace flopscope::cli
