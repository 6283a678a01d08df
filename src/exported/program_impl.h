#pragma once
// What src/exported/ shares inside itself: the parsed program (LibTorch's generated schema types) and the
// reading of its nodes. Not for the rest of flopscope, which sees program.h only.
#include <ATen/core/Tensor.h>
#include <torch/csrc/utils/generated_serialization_types.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "exported/program.h"
#include "exported/size_expr.h"

namespace caffe2::serialize {
class PyTorchStreamReader;
}

namespace flopscope::exported {

namespace ex = torch::_export;

struct Program::Impl {
  ex::ExportedProgram program;
  std::vector<Symbol> symbols;
  // Parsed size expressions, by their text: a model repeats a few expressions thousands of times.
  mutable std::unordered_map<std::string, SizeExpr> parsed;
  mutable std::mutex parsed_lock;  // analyses of one program may run on several threads
  // Parameter FQN -> the weight file holding it (the weights config): tied parameters share one.
  std::unordered_map<std::string, std::string> storage_of;
  std::string graph_sha256;
  std::string path;        // the archive, for the weights an execution reads
  // A program held in memory: the tensors an execution runs with, by FQN (the caller's own, never written).
  std::unordered_map<std::string, at::Tensor> tensors;
  bool in_memory = false;  // made by from_memory: runs with `tensors`, even none (a program of no parameters)
  std::string model_name;  // the program's name in the archive (models/<name>.json)
};

namespace detail {

/// A record of the archive, refused when its JSON could not be parsed in the memory free.
std::string read_record(caffe2::serialize::PyTorchStreamReader& reader, const std::string& name, const std::string& path);
/// The serialized dtype (its own numbering) as c10's value, -1 when it has none.
std::int8_t c10_dtype(ex::ScalarType t);
/// A default from an op's schema, as the capture records the same IValue (capture.cpp).
Value from_ivalue(const c10::IValue& v);
/// The ops whose graph node gets the aten::_convolution call a forward's trace has below it.
const std::vector<std::string>& convolution_callers();
/// Export's bookkeeping ops (size queries, assertions, aliases): no forward runs them as work.
bool bookkeeping(const std::string& op);
/// A library's stand-in for an ATen op ("transformers::grouped_mm_fallback" -> "aten::_grouped_mm"), else `op`.
std::string stands_for(const std::string& op);
/// The node's argument for the schema's argument `at` (`arg`), or null when the serializer left it out (at its
/// default): by name, or by position for a stand-in, whose own argument names are not the op's.
const ex::NamedArgument* argument_for(const ex::Node& node, const c10::Argument& arg, std::size_t at, bool stand_in);
/// Higher-order ops that only run a subgraph in a grad or autocast mode.
bool wraps_subgraph(const std::string& hop);
/// "torch.ops.aten.linear.default" -> {"aten::linear", ""}; "" for targets that are no op (Python's operators).
std::pair<std::string, std::string> op_name(const std::string& target);
/// A node's nn_module_stack as (fqn, class) pairs, outermost first.
std::vector<std::pair<std::string, std::string>> stack_of(const std::unordered_map<std::string, std::string>& metadata);
/// The names of a node's tensor inputs (single tensors and lists of them), in order.
std::vector<std::string> tensor_inputs(const ex::Node& node);
/// The parameters' and buffers' FQNs, by the name of the graph input each is ("p_fc_weight" -> "fc.weight").
std::unordered_map<std::string, std::string> state_inputs(const ex::ExportedProgram& program);
/// Where an op of a control-flow subgraph (a torch.cond branch, a map's body) goes. Export leaves those nodes
/// without an nn_module_stack, so an op given a parameter or buffer of a module inside `enclosing` (the module that
/// ran the control flow) is placed on that module, by the first such one among `state` (the FQNs of its inputs'
/// parameters and buffers, in order): a branch's linear layer on its nn.Linear. Any other op stays on `enclosing`.
std::string subgraph_module(const std::string& enclosing, const std::vector<std::string>& state);

}  // namespace detail
}  // namespace flopscope::exported
