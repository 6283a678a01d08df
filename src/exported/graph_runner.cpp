#include "exported/graph_runner.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/stack.h>
#include <ATen/record_function.h>
#include <ATen/ops/zeros.h>
#include <ATen/ScalarOps.h>
#include <c10/core/GradMode.h>
#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "exported/program_impl.h"
#include "flopscope/errors.h"

namespace flopscope::exported {
namespace {

using namespace detail;
using Env = std::unordered_map<std::string, c10::IValue>;

// ---- The archive's tensors ---------------------------------------------------------------------------------

// A tensor of the archive from its raw bytes and metadata (`payload`: path_name, use_pickle, tensor_meta).
at::Tensor read_tensor(caffe2::serialize::PyTorchStreamReader& reader, const std::string& folder, const std::string& fqn,
                       const nlohmann::json& payload, std::unordered_map<std::string, at::Tensor>& storages) {
  if (payload.value("use_pickle", false))
    throw InvalidInput("'" + fqn + "' is saved pickled in the archive, which flopscope does not unpickle: analyse the "
                       "program from its graph (without --run)");
  const auto& meta = payload.at("tensor_meta");
  auto ints = [](const nlohmann::json& list) {
    std::vector<std::int64_t> out;
    for (const auto& s : list) {
      if (!s.contains("as_int")) throw InvalidInput("a saved tensor with a symbolic size");
      out.push_back(s.at("as_int").get<std::int64_t>());
    }
    return out;
  };
  const auto sizes = ints(meta.at("sizes"));
  const auto strides = ints(meta.at("strides"));
  const std::int64_t offset = meta.contains("storage_offset") ? meta.at("storage_offset").value("as_int", 0) : 0;
  const std::int8_t dtype = c10_dtype(static_cast<ex::ScalarType>(meta.at("dtype").get<int>()));
  if (dtype < 0) throw InvalidInput("'" + fqn + "' has a dtype flopscope cannot read");
  const std::string file = payload.at("path_name").get<std::string>();
  auto& bytes = storages[file];  // tied tensors share their file, and so their storage
  if (!bytes.defined()) {
    const std::string record = folder + file;
    if (!reader.hasRecord(record))
      throw InvalidInput("the archive has no " + record + " (for '" + fqn + "'): its weights were removed; analyse "
                         "the program from its graph (without --run)");
    auto [data, n] = reader.getRecord(record);
    bytes = at::empty({static_cast<std::int64_t>(n)}, at::kByte);
    if (n > 0) std::memcpy(bytes.data_ptr(), data.get(), n);
  }
  std::int64_t needed = offset;
  for (std::size_t i = 0; i < sizes.size(); ++i)
    if (sizes[i] > 0) needed += (sizes[i] - 1) * strides[i];
  const auto element = static_cast<std::int64_t>(c10::elementSize(static_cast<c10::ScalarType>(dtype)));
  if ((needed + 1) * element > bytes.numel())
    throw InvalidInput("'" + fqn + "' has " + std::to_string(bytes.numel()) + " bytes in the archive, fewer than its "
                       "shape needs (a model exported on the meta device has no weights): analyse it from its graph "
                       "(without --run)");
  return at::empty({0}, at::TensorOptions().dtype(static_cast<c10::ScalarType>(dtype)))
      .set_(bytes.storage(), offset, sizes, strides);
}

// ---- Values ------------------------------------------------------------------------------------------------

c10::IValue lookup(const Env& env, const std::string& name) {
  auto it = env.find(name);
  if (it == env.end()) throw InvalidInput("the graph uses '" + name + "' before defining it");
  return it->second;
}

std::int64_t sym_int(const Env& env, const ex::SymIntArgument& a) {
  return a.tag() == ex::SymIntArgument::Tag::AS_INT ? a.get_as_int() : lookup(env, a.get_as_name()).toInt();
}

c10::IValue to_ivalue(const ex::Argument& a, const Env& env, c10::Device device) {
  using T = ex::Argument::Tag;
  switch (a.tag()) {
    case T::AS_NONE: return {};
    case T::AS_TENSOR: return lookup(env, a.get_as_tensor().get_name());
    case T::AS_TENSORS: {
      c10::List<at::Tensor> list;
      for (const auto& t : a.get_as_tensors()) list.push_back(lookup(env, t.get_name()).toTensor());
      return list;
    }
    case T::AS_OPTIONAL_TENSOR:
      return a.get_as_optional_tensor().tag() == ex::OptionalTensorArgument::Tag::AS_TENSOR
                 ? lookup(env, a.get_as_optional_tensor().get_as_tensor().get_name())
                 : c10::IValue();
    case T::AS_OPTIONAL_TENSORS: {
      c10::List<std::optional<at::Tensor>> list;
      for (const auto& t : a.get_as_optional_tensors())
        list.push_back(t.tag() == ex::OptionalTensorArgument::Tag::AS_TENSOR
                           ? std::optional<at::Tensor>(lookup(env, t.get_as_tensor().get_name()).toTensor())
                           : std::nullopt);
      return list;
    }
    case T::AS_INT: return a.get_as_int();
    case T::AS_INTS: return a.get_as_ints();
    case T::AS_SYM_INT: return sym_int(env, a.get_as_sym_int());
    case T::AS_SYM_INTS: {
      std::vector<std::int64_t> ints;
      for (const auto& s : a.get_as_sym_ints()) ints.push_back(sym_int(env, s));
      return ints;
    }
    case T::AS_FLOAT: return a.get_as_float().get();
    case T::AS_FLOATS: {
      std::vector<double> out;
      for (const auto& f : a.get_as_floats()) out.push_back(f.get());
      return out;
    }
    case T::AS_SYM_FLOAT:
      return a.get_as_sym_float().tag() == ex::SymFloatArgument::Tag::AS_FLOAT
                 ? c10::IValue(a.get_as_sym_float().get_as_float().get())
                 : lookup(env, a.get_as_sym_float().get_as_name());
    case T::AS_BOOL: return a.get_as_bool();
    case T::AS_BOOLS: {
      c10::List<bool> out;
      for (bool b : a.get_as_bools()) out.push_back(b);
      return out;
    }
    case T::AS_SYM_BOOL:
      return a.get_as_sym_bool().tag() == ex::SymBoolArgument::Tag::AS_BOOL
                 ? c10::IValue(a.get_as_sym_bool().get_as_bool())
                 : lookup(env, a.get_as_sym_bool().get_as_name());
    case T::AS_STRING: return a.get_as_string();
    case T::AS_STRINGS: return a.get_as_strings();
    case T::AS_SCALAR_TYPE: {
      const std::int8_t d = c10_dtype(a.get_as_scalar_type());
      if (d < 0) throw InvalidInput("a dtype flopscope cannot run");
      return static_cast<std::int64_t>(d);
    }
    case T::AS_MEMORY_FORMAT: {  // export's numbering: contiguous 1, channels_last 2, channels_last_3d 3, preserve 4
      switch (static_cast<int>(a.get_as_memory_format())) {
        case 2: return static_cast<std::int64_t>(c10::MemoryFormat::ChannelsLast);
        case 3: return static_cast<std::int64_t>(c10::MemoryFormat::ChannelsLast3d);
        case 4: return static_cast<std::int64_t>(c10::MemoryFormat::Preserve);
        default: return static_cast<std::int64_t>(c10::MemoryFormat::Contiguous);
      }
    }
    case T::AS_LAYOUT:  // only strided tensors run here
      return static_cast<std::int64_t>(c10::kStrided);
    case T::AS_DEVICE: return device;  // the graph was traced where the export ran: run where this analysis runs
    default: break;
  }
  throw InvalidInput("an argument flopscope cannot pass to an op (a graph, an object or an operator)");
}

// Python's int arithmetic on symbolic sizes (nodes whose target is `_operator.*`, `torch.sym_*`, `math.*`).
std::optional<c10::IValue> python_op(const std::string& target, const std::vector<c10::IValue>& args) {
  auto i = [&](std::size_t k) { return args.at(k).isBool() ? std::int64_t(args[k].toBool()) : args.at(k).toInt(); };
  auto floor_div = [](std::int64_t a, std::int64_t b) {
    if (b == 0) throw InvalidInput("a size divided by zero");
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  };
  if (target == "_operator.add") return i(0) + i(1);
  if (target == "_operator.sub") return i(0) - i(1);
  if (target == "_operator.mul") return i(0) * i(1);
  if (target == "_operator.floordiv") return floor_div(i(0), i(1));
  if (target == "_operator.mod") return i(0) - i(1) * floor_div(i(0), i(1));
  if (target == "_operator.neg") return -i(0);
  if (target == "_operator.eq") return i(0) == i(1);
  if (target == "_operator.ne") return i(0) != i(1);
  if (target == "_operator.lt") return i(0) < i(1);
  if (target == "_operator.le") return i(0) <= i(1);
  if (target == "_operator.gt") return i(0) > i(1);
  if (target == "_operator.ge") return i(0) >= i(1);
  if (target == "torch.sym_max") return std::max(i(0), i(1));
  if (target == "torch.sym_min") return std::min(i(0), i(1));
  if (target == "_operator.and_") return bool(i(0)) && bool(i(1));
  if (target == "_operator.or_") return bool(i(0)) || bool(i(1));
  if (target == "torch.sym_not") return !bool(i(0));
  return std::nullopt;
}

// A Python number where the schema wants a tensor (`x + 1` exports as add.Tensor with other = 1): what Python
// passes there, a 0-d "wrapped number" tensor, which type promotion treats as a scalar.
c10::IValue tensor_if_asked(const c10::Argument& arg, c10::IValue v) {
  const bool wants_tensor = arg.type()->kind() == c10::TypeKind::TensorType ||
                            (arg.type()->kind() == c10::TypeKind::OptionalType &&
                             arg.type()->expectRef<c10::OptionalType>().getElementType()->kind() == c10::TypeKind::TensorType);
  if (!wants_tensor || !(v.isInt() || v.isDouble() || v.isBool())) return v;
  at::Tensor t = c10::scalar_to_tensor(v.toScalar());
  t.unsafeGetTensorImpl()->set_wrapped_number(true);
  return t;
}

// Parameter or buffer tensor -> its FQN: where an op of a control-flow subgraph goes (subgraph_module).
using StateNames = std::unordered_map<const c10::TensorImpl*, std::string>;

class Interpreter {
 public:
  Interpreter(c10::Device device, const std::function<void(const std::string&)>& on_node, const StateNames& state)
      : m_device(device), m_on_node(on_node), m_state(state) {}

  void graph(const ex::Graph& g, Env& env, const std::string& enclosing) {
    for (const auto& node : g.get_nodes()) this->node(node, env, enclosing);
  }

 private:
  void node(const ex::Node& node, Env& env, const std::string& enclosing) {
    const std::string& target = node.get_target();
    const auto stack = stack_of(node.get_metadata());
    std::string module = stack.empty() ? enclosing : stack.back().first;
    if (stack.empty() && m_depth > 0) module = subgraph_module(enclosing, state_of(node, env));
    auto [name, overload] = op_name(target);
    if (name.empty()) return python(node, env, target);
    if (name.rfind("higher_order::", 0) == 0) return higher_order(node, env, name.substr(14), module);
    // A library's stand-in runs as the ATen op it stands for, its arguments in that op's order.
    const bool stand_in = stands_for(name) != name;
    if (stand_in) {
      name = stands_for(name);
      overload.clear();
    }
    const auto handle = c10::Dispatcher::singleton().findSchema(c10::OperatorName(name, overload));
    if (!handle)
      throw InvalidInput("cannot run " + target + ": LibTorch has no such op (a Python library's custom op?); analyse "
                         "the program from its graph (without --run)");
    const c10::FunctionSchema& schema = handle->schema();
    torch::jit::Stack values;
    values.reserve(schema.arguments().size());
    for (std::size_t i = 0; i < schema.arguments().size(); ++i) {
      const c10::Argument& arg = schema.arguments()[i];
      const ex::NamedArgument* given = argument_for(node, arg, i, stand_in);
      if (given != nullptr)
        values.push_back(tensor_if_asked(arg, to_ivalue(given->get_arg(), env, m_device)));
      else if (arg.default_value())
        values.push_back(*arg.default_value());
      else if (arg.type()->kind() == c10::TypeKind::OptionalType)
        values.emplace_back();
      else
        throw InvalidInput("cannot run " + target + ": the graph gives no '" + arg.name() + "'");
    }
    m_on_node(module);
    handle->callBoxed(values);
    bind_outputs(node.get_outputs(), values, env);
  }

  void bind_outputs(const std::vector<ex::Argument>& outputs, const torch::jit::Stack& values, Env& env) {
    using T = ex::Argument::Tag;
    if (outputs.size() == 1 && outputs[0].tag() == T::AS_TENSORS) {
      const auto& names = outputs[0].get_as_tensors();
      if (values.size() == 1 && values[0].isTensorList()) {
        const auto list = values[0].toTensorList();
        for (std::size_t k = 0; k < names.size() && k < list.size(); ++k) env[names[k].get_name()] = list.get(k);
      } else {
        for (std::size_t k = 0; k < names.size() && k < values.size(); ++k) env[names[k].get_name()] = values[k];
      }
      return;
    }
    for (std::size_t k = 0; k < outputs.size() && k < values.size(); ++k) {
      const auto& out = outputs[k];
      if (out.tag() == T::AS_TENSOR) env[out.get_as_tensor().get_name()] = values[k];
      else if (out.tag() == T::AS_SYM_INT && out.get_as_sym_int().tag() == ex::SymIntArgument::Tag::AS_NAME)
        env[out.get_as_sym_int().get_as_name()] = values[k];
      else if (out.tag() == T::AS_TENSORS && values[k].isTensorList()) {
        const auto list = values[k].toTensorList();
        const auto& names = out.get_as_tensors();
        for (std::size_t j = 0; j < names.size() && j < list.size(); ++j) env[names[j].get_name()] = list.get(j);
      }
    }
  }

  void python(const ex::Node& node, Env& env, const std::string& target) {
    std::vector<c10::IValue> args;
    for (const auto& in : node.get_inputs()) args.push_back(to_ivalue(in.get_arg(), env, m_device));
    const auto value = python_op(target, args);
    if (!value) throw InvalidInput("cannot run the graph's '" + target + "' on sizes");
    bind_outputs(node.get_outputs(), {*value}, env);
    for (const auto& out : node.get_outputs())  // a bool result is a SymBool
      if (out.tag() == ex::Argument::Tag::AS_SYM_BOOL && out.get_as_sym_bool().tag() == ex::SymBoolArgument::Tag::AS_NAME)
        env[out.get_as_sym_bool().get_as_name()] = *value;
  }

  // The FQNs of the parameters and buffers among a node's inputs, in order.
  std::vector<std::string> state_of(const ex::Node& node, const Env& env) const {
    std::vector<std::string> out;
    for (const auto& name : tensor_inputs(node)) {
      auto v = env.find(name);
      if (v == env.end() || !v->second.isTensor()) continue;
      auto it = m_state.find(v->second.toTensor().unsafeGetTensorImpl());
      if (it != m_state.end()) out.push_back(it->second);
    }
    return out;
  }

  // Runs subgraph `g` on `args` (one per input, in order): its outputs.
  std::vector<c10::IValue> call(const ex::Graph& g, const std::vector<c10::IValue>& args, const std::string& module) {
    Env inner;
    const auto& placeholders = g.get_inputs();
    for (std::size_t k = 0; k < placeholders.size() && k < args.size(); ++k) {
      const auto& p = placeholders[k];
      if (p.tag() == ex::Argument::Tag::AS_TENSOR) inner[p.get_as_tensor().get_name()] = args[k];
      if (p.tag() == ex::Argument::Tag::AS_SYM_INT && p.get_as_sym_int().tag() == ex::SymIntArgument::Tag::AS_NAME)
        inner[p.get_as_sym_int().get_as_name()] = args[k];
    }
    ++m_depth;
    graph(g, inner, module);
    --m_depth;
    std::vector<c10::IValue> results;
    for (const auto& out : g.get_outputs()) results.push_back(to_ivalue(out, inner, m_device));
    return results;
  }

  // The tensors of a list argument (a cond's operands, a map's xs), by value.
  std::vector<c10::IValue> tensors_at(const ex::Node& node, std::size_t i, const Env& env) const {
    std::vector<c10::IValue> out;
    const auto& in = node.get_inputs();
    if (i < in.size() && in[i].get_arg().tag() == ex::Argument::Tag::AS_TENSORS)
      for (const auto& t : in[i].get_arg().get_as_tensors()) out.push_back(lookup(env, t.get_name()));
    return out;
  }

  const ex::Graph& graph_at(const ex::Node& node, std::size_t i, const std::string& hop) const {
    const auto& in = node.get_inputs();
    if (i >= in.size() || in[i].get_arg().tag() != ex::Argument::Tag::AS_GRAPH)
      throw InvalidInput("the higher-order op '" + hop + "' has no subgraph where torch 2.11 writes it");
    return *in[i].get_arg().get_as_graph().get_graph();
  }

  // A predicate's value: a bool, or a one-element tensor (read without recording: it is flopscope's own op).
  static bool truth(const c10::IValue& v) {
    if (v.isBool()) return v.toBool();
    if (v.isInt()) return v.toInt() != 0;
    if (!v.isTensor()) throw InvalidInput("a control-flow predicate that is neither a bool nor a tensor");
    at::RecordFunctionGuard unrecorded(false);
    return v.toTensor().item<bool>();
  }

  // torch.cond, map, scan, while_loop and invoke_subgraph run as torch runs them, their bodies' ops recorded as the graph's own. The
  // slicing and stacking around a body is flopscope's (torch's eager implementation does its own): not recorded.
  bool control_flow(const ex::Node& node, Env& env, const std::string& hop, const std::string& module) {
    const auto& in = node.get_inputs();
    std::vector<c10::IValue> results;
    if (hop == "cond") {  // cond(pred, true_graph, false_graph, operands)
      if (in.empty()) return false;
      const bool taken = truth(to_ivalue(in[0].get_arg(), env, m_device));
      results = call(graph_at(node, taken ? 1 : 2, hop), tensors_at(node, 3, env), module);
    } else if (hop == "map_impl" || hop == "scan") {
      // map_impl(body, xs, additional): body(x slices..., additional...), outputs stacked;
      // scan(combine, init, xs, additional): combine(carry..., x slices..., additional...) -> (carry..., y...),
      // outputs the last carry and the ys stacked.
      const bool map = hop == "map_impl";
      const ex::Graph& body = graph_at(node, 0, hop);
      const auto xs = tensors_at(node, map ? 1 : 2, env);
      const auto extra = tensors_at(node, map ? 2 : 3, env);
      std::vector<c10::IValue> carry = map ? std::vector<c10::IValue>{} : tensors_at(node, 1, env);
      if (xs.empty() || !xs.front().isTensor() || xs.front().toTensor().dim() == 0)
        throw InvalidInput("a " + hop + " without a tensor to slice");
      const std::int64_t n = xs.front().toTensor().size(0);
      std::vector<std::vector<at::Tensor>> ys;
      for (std::int64_t i = 0; i < n; ++i) {
        std::vector<c10::IValue> args = carry;
        {
          at::RecordFunctionGuard unrecorded(false);
          for (const auto& x : xs) args.push_back(x.toTensor().select(0, i));
        }
        args.insert(args.end(), extra.begin(), extra.end());
        auto out = call(body, args, module);
        if (out.size() < carry.size()) throw InvalidInput("a scan's body returns fewer values than it carries");
        std::copy(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(carry.size()), carry.begin());
        ys.resize(out.size() - carry.size());
        for (std::size_t k = carry.size(); k < out.size(); ++k) ys[k - carry.size()].push_back(out[k].toTensor());
      }
      if (n == 0) throw InvalidInput("a " + hop + " over no slices");
      results = carry;
      at::RecordFunctionGuard unrecorded(false);
      for (const auto& y : ys) results.push_back(at::stack(y));
    } else if (hop == "invoke_subgraph") {  // invoke_subgraph(subgraph, identifier, operands...)
      std::vector<c10::IValue> args;
      for (std::size_t i = 2; i < in.size(); ++i) args.push_back(to_ivalue(in[i].get_arg(), env, m_device));
      results = call(graph_at(node, 0, hop), args, module);
    } else if (hop == "while_loop") {  // while_loop(cond_graph, body_graph, carried, additional)
      const ex::Graph& test = graph_at(node, 0, hop);
      const ex::Graph& body = graph_at(node, 1, hop);
      results = tensors_at(node, 2, env);
      const auto extra = tensors_at(node, 3, env);
      auto with_extra = [&] {
        std::vector<c10::IValue> args = results;
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
      };
      for (;;) {
        const auto go = call(test, with_extra(), module);
        if (go.empty() || !truth(go.front())) break;
        results = call(body, with_extra(), module);
      }
    } else {
      return false;
    }
    bind_outputs(node.get_outputs(), results, env);
    return true;
  }

  void higher_order(const ex::Node& node, Env& env, const std::string& hop, const std::string& module) {
    if (!wraps_subgraph(hop)) {
      if (control_flow(node, env, hop, module)) return;
      throw InvalidInput("cannot run the higher-order op '" + hop + "': flopscope runs torch.cond, map, scan, "
                         "while_loop and invoke_subgraph; analyse the program from its graph (without --run)");
    }
    const auto& inputs = node.get_inputs();
    std::size_t at = 0;
    while (at < inputs.size() && inputs[at].get_arg().tag() != ex::Argument::Tag::AS_GRAPH) ++at;
    if (at == inputs.size()) throw InvalidInput("the higher-order op '" + hop + "' has no subgraph");
    const ex::Graph& sub = *inputs[at].get_arg().get_as_graph().get_graph();
    std::optional<c10::AutoGradMode> grad;
    if (hop == "wrap_with_set_grad_enabled" && !inputs.empty() && inputs[0].get_arg().tag() == ex::Argument::Tag::AS_BOOL)
      grad.emplace(inputs[0].get_arg().get_as_bool());
    Env inner;
    const auto& placeholders = sub.get_inputs();
    for (std::size_t k = 0; k < placeholders.size() && at + 1 + k < inputs.size(); ++k)
      if (placeholders[k].tag() == ex::Argument::Tag::AS_TENSOR)
        inner[placeholders[k].get_as_tensor().get_name()] = to_ivalue(inputs[at + 1 + k].get_arg(), env, m_device);
    graph(sub, inner, module);
    torch::jit::Stack results;
    for (const auto& out : sub.get_outputs()) results.push_back(to_ivalue(out, inner, m_device));
    bind_outputs(node.get_outputs(), results, env);
  }

  c10::Device m_device;
  const std::function<void(const std::string&)>& m_on_node;
  const StateNames& m_state;
  int m_depth = 0;  // inside how many control-flow subgraphs
};

}  // namespace

GraphRunner::GraphRunner(const Program& program, c10::Device device) : m_program(program), m_device(device) {
  const Program::Impl& impl = *program.m_impl;
  if (impl.in_memory) {  // a program held in memory runs with the caller's tensors, moved where it runs
    for (const auto& [fqn, t] : impl.tensors) {
      if (t.is_meta())
        throw InvalidInput("'" + fqn + "' is on the meta device (no values to run with): analyse the program from its "
                           "graph, without running it");
      m_state[fqn] = t.to(device);
    }
    make_parameters_leaves();
    return;
  }
  if (impl.path.empty()) throw InvalidInput("an exported program parsed from JSON alone has no weights to run with");
  caffe2::serialize::PyTorchStreamReader reader(impl.path);
  std::unordered_map<std::string, at::Tensor> storages;
  for (const char* kind : {"weights", "constants"}) {
    const std::string config = "data/" + std::string(kind) + "/" + impl.model_name + "_" + kind + "_config.json";
    if (!reader.hasRecord(config)) continue;
    const auto j = nlohmann::json::parse(read_record(reader, config, impl.path));
    storages.clear();  // weights and constants number their files apart
    try {
      for (const auto& [fqn, payload] : j.at("config").items())
        m_state[fqn] = read_tensor(reader, "data/" + std::string(kind) + "/", fqn, payload, storages).to(device);
    } catch (const nlohmann::json::exception& e) {
      throw InvalidInput("'" + impl.path + "' (" + config + ") is not a weights config (" + e.what() + ")");
    }
  }
  make_parameters_leaves();
}

void GraphRunner::make_parameters_leaves() {
  // The graph's own metadata of each parameter placeholder says whether it required grad when exported (a frozen
  // layer did not); the archive and a program in memory alike. A parameter under several names (tied weights) is
  // one view of one storage: one leaf, so that its gradient accumulates in one place, as in the eager model.
  const ex::GraphModule& gm = m_program.m_impl->program.get_graph_module();
  const auto& metas = gm.get_graph().get_tensor_values();
  std::vector<at::Tensor> leaves;
  for (const auto& spec : gm.get_signature().get_input_specs()) {
    if (spec.tag() != ex::InputSpec::Tag::PARAMETER) continue;
    const std::string& fqn = spec.get_parameter().get_parameter_name();
    auto it = m_state.find(fqn);
    if (it == m_state.end()) continue;  // run() says which tensor the archive lacks
    const at::Tensor& t = it->second;
    auto same = std::find_if(leaves.begin(), leaves.end(), [&](const at::Tensor& l) {
      return l.storage().is_alias_of(t.storage()) && l.storage_offset() == t.storage_offset() &&
             l.sizes() == t.sizes() && l.strides() == t.strides() && l.scalar_type() == t.scalar_type();
    });
    if (same != leaves.end()) {
      it->second = *same;
    } else {
      auto meta = metas.find(spec.get_parameter().get_arg().get_name());
      const bool wanted = meta != metas.end() && meta->second.get_requires_grad() && t.is_floating_point();
      it->second = t.detach().requires_grad_(wanted);  // flopscope's own leaf, never the caller's parameter
      leaves.push_back(it->second);
      m_parameters.emplace_back(fqn, it->second);
    }
  }
}

std::vector<std::pair<std::string, at::Tensor>> GraphRunner::parameters() const { return m_parameters; }

void GraphRunner::clear_gradients() const {
  for (const auto& [fqn, p] : m_parameters) p.mutable_grad() = at::Tensor();
}

std::vector<at::Tensor> GraphRunner::tensors() const {
  std::vector<at::Tensor> out;
  for (const auto& [fqn, t] : m_state) out.push_back(t);
  return out;
}

std::vector<c10::IValue> GraphRunner::make_inputs(const Bindings& bindings) const {
  std::vector<c10::IValue> out;
  for (const auto& [shape, dtype] : m_program.user_inputs(bindings)) {
    const auto type = static_cast<c10::ScalarType>(dtype < 0 ? static_cast<std::int8_t>(c10::kFloat) : dtype);
    const auto options = at::TensorOptions().dtype(type).device(m_device);
    out.emplace_back(c10::isFloatingType(type) ? at::randn(shape, options) : at::zeros(shape, options));
  }
  return out;
}

std::vector<c10::IValue> GraphRunner::run(const std::vector<c10::IValue>& inputs,
                                          const std::function<void(const std::string&)>& on_node) const {
  const ex::GraphModule& gm = m_program.m_impl->program.get_graph_module();
  Env env;
  std::size_t next_input = 0;
  auto state = [&](const std::string& fqn) {
    auto it = m_state.find(fqn);
    if (it == m_state.end()) throw InvalidInput("the archive holds no tensor '" + fqn + "'");
    return it->second;
  };
  for (const auto& spec : gm.get_signature().get_input_specs()) {
    using T = ex::InputSpec::Tag;
    switch (spec.tag()) {
      case T::PARAMETER:
        env[spec.get_parameter().get_arg().get_name()] = state(spec.get_parameter().get_parameter_name());
        break;
      case T::BUFFER: env[spec.get_buffer().get_arg().get_name()] = state(spec.get_buffer().get_buffer_name()); break;
      case T::TENSOR_CONSTANT:
        env[spec.get_tensor_constant().get_arg().get_name()] = state(spec.get_tensor_constant().get_tensor_constant_name());
        break;
      case T::USER_INPUT: {
        const auto& arg = spec.get_user_input().get_arg();
        if (arg.tag() != ex::Argument::Tag::AS_TENSOR) break;  // a constant the export kept in the graph
        if (next_input >= inputs.size()) throw InvalidInput("the program takes more inputs than were made");
        env[arg.get_as_tensor().get_name()] = inputs[next_input++];
        break;
      }
      case T::CONSTANT_INPUT:  // an argument given as a constant (use_cache=False): the graph holds its value
        break;
      default:
        throw InvalidInput("the program takes an input flopscope cannot feed (a custom object or a token)");
    }
  }
  StateNames names;
  for (const auto& [input, fqn] : state_inputs(m_program.m_impl->program)) {
    auto it = env.find(input);
    if (it != env.end() && it->second.isTensor()) names[it->second.toTensor().unsafeGetTensorImpl()] = fqn;
  }
  Interpreter(m_device, on_node, names).graph(gm.get_graph(), env, "");
  // The graph returns the buffers it wrote before what the module returns; the output specs say which is which.
  const auto& results = gm.get_graph().get_outputs();
  const auto& specs = gm.get_signature().get_output_specs();
  std::vector<c10::IValue> outputs;
  for (std::size_t i = 0; i < results.size(); ++i) {
    using T = ex::OutputSpec::Tag;
    const bool returned = i >= specs.size() || specs[i].tag() == T::USER_OUTPUT || specs[i].tag() == T::LOSS_OUTPUT;
    if (returned && results[i].tag() == ex::Argument::Tag::AS_TENSOR)
      outputs.push_back(lookup(env, results[i].get_as_tensor().get_name()));
  }
  return outputs;
}

}  // namespace flopscope::exported
