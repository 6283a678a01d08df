// TraceBuilder, plain ops: each node read as the OpRecord a forward's capture makes, its arguments in the dispatcher
// schema's order with the defaults the serializer leaves out filled in (trace_builder.h says what the class is).
#include "exported/trace_builder.h"

#include <ATen/core/dispatch/Dispatcher.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "count/attribute.h"
#include "exported/size_expr.h"
#include "flopscope/errors.h"

namespace flopscope::exported::detail {

Trace TraceBuilder::build() {
  for (const auto& node : m_scopes.front()->get_nodes()) add(node, "");
  if (m_notes != nullptr) {  // each note once, in the order first given
    std::vector<std::string> once;
    for (auto& line : *m_notes)
      if (std::find(once.begin(), once.end(), line) == once.end()) once.push_back(std::move(line));
    *m_notes = std::move(once);
  }
  return std::move(m_trace);
}

std::int64_t TraceBuilder::size(const ex::SymInt& s) {
  if (s.tag() == ex::SymInt::Tag::AS_INT) return s.get_as_int();
  const ex::SymExpr& e = s.get_as_expr();
  // At the export's own example values every expression's value is its hint: no need to read it.
  if (m_at_examples && e.get_hint() && e.get_hint()->tag() == ex::SymExprHint::Tag::AS_INT)
    return e.get_hint()->get_as_int();
  const SizeExpr* expr = nullptr;
  {
    std::lock_guard<std::mutex> lock(m_impl.parsed_lock);
    auto it = m_impl.parsed.find(e.get_expr_str());
    if (it == m_impl.parsed.end()) it = m_impl.parsed.emplace(e.get_expr_str(), SizeExpr::parse(e.get_expr_str())).first;
    expr = &it->second;  // entries of an unordered_map stay where they are
  }
  return expr->evaluate([&](const std::string& symbol) {
    auto b = m_bindings.find(symbol);
    if (b == m_bindings.end()) {
      const bool data_dependent = ExportSymbol{symbol, {}, {}, {}, {}}.data_dependent();
      throw InvalidInput("the size expression '" + e.get_expr_str() + "' names '" + symbol +
                         "', which has no value: bind it with --dim " + symbol + "=VALUE" +
                         (data_dependent ? ", or analyse with --run, which executes the graph on the archive's "
                                           "weights (and on the inputs --inputs gives): the graph's values decide "
                                           "this size (nonzero, an MoE's routing)"
                                         : ""));
    }
    return b->second;
  });
}

Value TraceBuilder::tensor(const std::string& name) {
  for (auto g = m_scopes.rbegin(); g != m_scopes.rend(); ++g) {
    const auto& values = (*g)->get_tensor_values();
    auto it = values.find(name);
    if (it == values.end()) continue;
    std::vector<std::int64_t> sizes;
    sizes.reserve(it->second.get_sizes().size());
    for (const auto& s : it->second.get_sizes()) sizes.push_back(size(s));
    Value v = Value::tensor(std::move(sizes));
    v.dtype = c10_dtype(it->second.get_dtype());
    return v;
  }
  return Value::other();  // a tensor the graph gives no metadata for
}

std::int64_t TraceBuilder::sym_int(const ex::SymIntArgument& a) {
  if (a.tag() == ex::SymIntArgument::Tag::AS_INT) return a.get_as_int();
  for (auto g = m_scopes.rbegin(); g != m_scopes.rend(); ++g) {
    const auto& values = (*g)->get_sym_int_values();
    auto it = values.find(a.get_as_name());
    if (it != values.end()) return size(it->second);
  }
  throw InvalidInput("the graph uses the symbolic size '" + a.get_as_name() + "' without defining it");
}

Value TraceBuilder::value(const ex::Argument& a) {
  using T = ex::Argument::Tag;
  switch (a.tag()) {
    case T::AS_NONE: return Value::none();
    case T::AS_TENSOR: return tensor(a.get_as_tensor().get_name());
    case T::AS_OPTIONAL_TENSOR:
      return a.get_as_optional_tensor().tag() == ex::OptionalTensorArgument::Tag::AS_TENSOR
                 ? tensor(a.get_as_optional_tensor().get_as_tensor().get_name())
                 : Value::none();
    case T::AS_TENSORS: {
      std::vector<std::vector<std::int64_t>> shapes;
      for (const auto& t : a.get_as_tensors()) shapes.push_back(tensor(t.get_name()).sizes);
      return Value::tensor_list(std::move(shapes));
    }
    case T::AS_INT: return Value::integer(a.get_as_int());
    case T::AS_INTS: return Value::int_list(a.get_as_ints());
    case T::AS_SYM_INT: return Value::integer(sym_int(a.get_as_sym_int()));
    case T::AS_SYM_INTS: {
      std::vector<std::int64_t> ints;
      for (const auto& s : a.get_as_sym_ints()) ints.push_back(sym_int(s));
      return Value::int_list(std::move(ints));
    }
    case T::AS_FLOAT: return Value::real(a.get_as_float().get());
    case T::AS_BOOL: return Value::boolean(a.get_as_bool());
    case T::AS_STRING: return Value::string(a.get_as_string());
    case T::AS_SCALAR_TYPE: return Value::integer(c10_dtype(a.get_as_scalar_type()));
    default: return Value::other();  // lists of floats, bools or strings, devices, layouts: as the capture has them
  }
}

const c10::FunctionSchema* TraceBuilder::schema(const std::string& name, const std::string& overload) {
  const std::string key = name + "." + overload;
  auto it = m_schemas.find(key);
  if (it != m_schemas.end()) return it->second;
  const c10::FunctionSchema* found = nullptr;
  if (auto handle = c10::Dispatcher::singleton().findSchema(c10::OperatorName(name, overload)))
    found = &handle->schema();
  return m_schemas.emplace(key, found).first->second;
}

void TraceBuilder::add(const ex::Node& node, const std::string& enclosing_module) {
  auto [name, overload] = op_name(node.get_target());
  // A library's stand-in is read as the ATen op it stands for, its arguments (named as the library names them)
  // in that op's order, as the graph runner runs it.
  const bool stand_in = !name.empty() && stands_for(name) != name;
  if (stand_in) {
    name = stands_for(name);
    overload.clear();
  }
  if (name.empty() || bookkeeping(name)) return;
  const auto stack = stack_of(node.get_metadata());
  std::string module = stack.empty() ? enclosing_module : stack.back().first;
  if (stack.empty() && m_control_depth > 0) module = subgraph_module(enclosing_module, state_of(node));
  if (name.rfind("higher_order::", 0) == 0) {
    const std::string hop = name.substr(14);
    if (wraps_subgraph(hop)) {
      for (const auto& in : node.get_inputs())
        if (in.get_arg().tag() == ex::Argument::Tag::AS_GRAPH) {
          const ex::Graph& sub = *in.get_arg().get_as_graph().get_graph();
          m_scopes.push_back(&sub);
          m_aliases.emplace_back();  // its inputs keep their names
          for (const auto& n : sub.get_nodes()) add(n, module);
          m_aliases.pop_back();
          m_scopes.pop_back();
        }
      return;
    }
    if (control_flow(node, hop, module)) return;
    OpRecord op;  // an op of another kind, or one whose arguments are not as torch 2.11 writes them
    op.name = name;
    op.module = std::move(module);
    m_trace.ops.push_back(std::move(op));
    return;
  }
  OpRecord op;
  op.name = name;
  op.module = std::move(module);
  const c10::FunctionSchema* s = schema(name, overload);
  if (s != nullptr) {
    // In the schema's order, as the dispatcher passes them; the serializer leaves out arguments at their default.
    op.inputs.reserve(s->arguments().size());
    for (std::size_t i = 0; i < s->arguments().size(); ++i) {
      const c10::Argument& arg = s->arguments()[i];
      const ex::NamedArgument* given = argument_for(node, arg, i, stand_in);
      if (given != nullptr)
        op.inputs.push_back(value(given->get_arg()));
      else
        op.inputs.push_back(arg.default_value() ? from_ivalue(*arg.default_value()) : Value::none());
    }
  } else {
    for (const auto& in : node.get_inputs()) op.inputs.push_back(value(in.get_arg()));
  }
  for (const auto& out : node.get_outputs()) {
    // Several returns may come as one list of tensors.
    if (out.tag() == ex::Argument::Tag::AS_TENSORS && s != nullptr && s->returns().size() > 1) {
      for (const auto& t : out.get_as_tensors()) op.outputs.push_back(tensor(t.get_name()));
      continue;
    }
    op.outputs.push_back(value(out));
  }
  const auto at = static_cast<std::int32_t>(m_trace.ops.size());
  m_trace.ops.push_back(std::move(op));
  if (count::traced_through(name)) add_traced_call(at);
}

void TraceBuilder::add_traced_call(std::int32_t parent) {
  const OpRecord& p = m_trace.ops[static_cast<std::size_t>(parent)];
  const std::string& n = p.name;
  if (std::find(convolution_callers().begin(), convolution_callers().end(), n) == convolution_callers().end()) return;
  const bool transposed_op = n.rfind("aten::conv_transpose", 0) == 0;
  const bool plain = n == "aten::conv1d" || n == "aten::conv2d" || n == "aten::conv3d";
  if (p.inputs.size() < 7 || (!p.inputs[4].is_none() && p.inputs[4].kind != Value::Kind::IntList)) return;  // conv2d.padding: a string
  OpRecord c;
  c.name = "aten::_convolution";
  c.parent = parent;
  c.module = p.module;
  c.outputs = p.outputs;
  const std::size_t dims = p.inputs[1].sizes.size() >= 2 ? p.inputs[1].sizes.size() - 2 : 0;
  Value input = p.inputs[0], weight = p.inputs[1], bias = p.inputs[2], stride = p.inputs[3], padding = p.inputs[4];
  Value dilation, transposed, output_padding, groups;
  if (plain) {  // (input, weight, bias, stride, padding, dilation, groups)
    dilation = p.inputs[5];
    transposed = Value::boolean(false);
    output_padding = Value::int_list(std::vector<std::int64_t>(dims, 0));
    groups = p.inputs[6];
  } else if (transposed_op) {  // (input, weight, bias, stride, padding, output_padding, groups, dilation)
    if (p.inputs.size() < 8) return;
    output_padding = p.inputs[5];
    groups = p.inputs[6];
    dilation = p.inputs[7];
    transposed = Value::boolean(true);
  } else {  // convolution: (input, weight, bias, stride, padding, dilation, transposed, output_padding, groups)
    if (p.inputs.size() < 9) return;
    dilation = p.inputs[5];
    transposed = p.inputs[6];
    output_padding = p.inputs[7];
    groups = p.inputs[8];
  }
  // A batch-less input is given its batch of 1 before the call below (Convolution.cpp).
  if (input.is_tensor() && input.sizes.size() == dims + 1) input.sizes.insert(input.sizes.begin(), 1);
  c.inputs = {input, weight, bias, stride, padding, dilation, transposed, output_padding, groups,
              Value::boolean(false), Value::boolean(false), Value::boolean(true), Value::boolean(true)};
  m_trace.ops.push_back(std::move(c));
}

}  // namespace flopscope::exported::detail
