#pragma once
// The layer settings an arch tree prints (a Conv2d's stride, a LayerNorm's eps), for a module of an exported
// program: the graph keeps no Python attributes, but its parameters' shapes and the arguments of the ops the
// module ran (as graph mode reads them: OpRecords in schema order) hold them, as the constants of a traced
// TorchScript module do (model/traced_settings.cpp). What the graph does not hold is left out, not guessed.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "flopscope/op_record.h"

namespace flopscope::exported {

/// Attribute name -> Python text, for the torch.nn class `repr_class` (model::repr_class's answer: "Conv2d",
/// "LayerNorm", ...). `ops`: the module's own ops in call order (a convolution's aten::_convolution child
/// included); `params`: its own parameters and buffers by attribute name ("weight", "running_mean") -> shape.
std::unordered_map<std::string, std::string> module_settings(
    const std::string& repr_class, const std::vector<const OpRecord*>& ops,
    const std::unordered_map<std::string, std::vector<std::int64_t>>& params);

}  // namespace flopscope::exported
