// TraceBuilder, control flow: the subgraphs of torch.cond, map, scan, while_loop and invoke_subgraph, which the graph
// holds once, read as the ops a run would make (trace_builder.h says what the class is).
#include "exported/trace_builder.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "flopscope/errors.h"

namespace flopscope::exported::detail {

bool TraceBuilder::control_flow(const ex::Node& node, const std::string& hop, const std::string& module) {
  const auto& in = node.get_inputs();
  auto graph_at = [&](std::size_t i) -> const ex::GraphArgument* {
    return i < in.size() && in[i].get_arg().tag() == ex::Argument::Tag::AS_GRAPH ? &in[i].get_arg().get_as_graph()
                                                                                : nullptr;
  };
  auto names_at = [&](std::size_t i) {
    std::vector<std::string> out;
    if (i < in.size() && in[i].get_arg().tag() == ex::Argument::Tag::AS_TENSORS)
      for (const auto& t : in[i].get_arg().get_as_tensors()) out.push_back(t.get_name());
    return out;
  };
  auto append = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  const std::string where = module.empty() ? "the model" : "module '" + module + "'";
  if (hop == "cond") {  // cond(pred, true_graph, false_graph, operands)
    const ex::GraphArgument* yes = graph_at(1);
    const ex::GraphArgument* no = graph_at(2);
    if (yes == nullptr || no == nullptr) return false;
    const auto operands = names_at(3);
    if (const auto taken = predicate(in[0].get_arg())) {
      subgraph(*(*taken ? yes : no)->get_graph(), operands, module);
      return true;
    }
    const std::size_t start = m_trace.ops.size(), notes_start = notes_since();
    subgraph(*yes->get_graph(), operands, module);
    const std::size_t middle = m_trace.ops.size(), notes_middle = notes_since();
    subgraph(*no->get_graph(), operands, module);
    const std::int64_t if_true = cost(start, middle), if_false = cost(middle, m_trace.ops.size());
    const bool keep_true = if_true >= if_false;
    if (keep_true) {
      erase(middle, m_trace.ops.size());
      drop_notes(notes_middle, notes_since());
    } else {
      erase(start, middle);
      drop_notes(notes_start, notes_middle);
    }
    const std::string unit = m_cost ? " MACs" : " ops";
    note("a torch.cond in " + where + " chooses its branch by a tensor's value, which the graph does not hold: " +
         "the costlier is counted (" + (keep_true ? yes : no)->get_name() + ", " +
         std::to_string(keep_true ? if_true : if_false) + unit + "; " + (keep_true ? no : yes)->get_name() + ", " +
         std::to_string(keep_true ? if_false : if_true) + unit + "); run the program (--run, or run=True with "
         "the inputs) to count the branch they take");
    return true;
  }
  if (hop == "map_impl" || hop == "scan") {
    // map_impl(body, xs, additional): body(x slices..., additional...); scan(combine, init, xs, additional):
    // combine(carry..., x slices..., additional...). Both run once per slice of the xs' first dimension.
    const bool map = hop == "map_impl";
    const ex::GraphArgument* body = graph_at(0);
    const auto xs = names_at(map ? 1 : 2);
    if (body == nullptr || xs.empty()) return false;
    const Value first = tensor(xs.front());
    if (!first.is_tensor() || first.sizes.empty()) return false;
    const auto operands = map ? append(xs, names_at(2)) : append(append(names_at(1), xs), names_at(3));
    const std::size_t start = m_trace.ops.size();
    subgraph(*body->get_graph(), operands, module);
    repeat(start, first.sizes.front(), map ? "map" : "scan");
    return true;
  }
  if (hop == "invoke_subgraph") {  // invoke_subgraph(subgraph, identifier, operands...): one call of it
    const ex::GraphArgument* body = graph_at(0);
    if (body == nullptr) return false;
    std::vector<std::string> operands;
    for (std::size_t i = 2; i < in.size(); ++i)
      operands.push_back(in[i].get_arg().tag() == ex::Argument::Tag::AS_TENSOR ? in[i].get_arg().get_as_tensor().get_name()
                                                                              : std::string());
    subgraph(*body->get_graph(), operands, module);
    return true;
  }
  if (hop == "while_loop") {
    note("a while_loop in " + where + " runs its body as many times as its values decide, which the graph does "
         "not hold: its body is not counted; run the program (--run, or run=True with the inputs) to count it");
    return true;
  }
  return false;
}

std::vector<std::string> TraceBuilder::state_of(const ex::Node& node) {
  if (m_state.empty()) m_state = state_inputs(m_impl.program);
  std::vector<std::string> out;
  for (std::string name : tensor_inputs(node)) {
    for (auto a = m_aliases.rbegin(); a != m_aliases.rend(); ++a) {
      auto it = a->find(name);
      if (it != a->end()) name = it->second;
    }
    auto it = m_state.find(name);
    if (it != m_state.end()) out.push_back(it->second);
  }
  return out;
}

void TraceBuilder::subgraph(const ex::Graph& g, const std::vector<std::string>& operands, const std::string& module) {
  std::unordered_map<std::string, std::string> aliases;
  const auto& inputs = g.get_inputs();
  for (std::size_t k = 0; k < inputs.size() && k < operands.size(); ++k)
    if (inputs[k].tag() == ex::Argument::Tag::AS_TENSOR) aliases[inputs[k].get_as_tensor().get_name()] = operands[k];
  m_scopes.push_back(&g);
  m_aliases.push_back(std::move(aliases));
  ++m_control_depth;
  for (const auto& n : g.get_nodes()) add(n, module);
  --m_control_depth;
  m_aliases.pop_back();
  m_scopes.pop_back();
}

std::optional<bool> TraceBuilder::predicate(const ex::Argument& a) {
  if (a.tag() == ex::Argument::Tag::AS_BOOL) return a.get_as_bool();
  if (a.tag() != ex::Argument::Tag::AS_SYM_BOOL) return std::nullopt;
  const ex::SymBoolArgument& b = a.get_as_sym_bool();
  if (b.tag() == ex::SymBoolArgument::Tag::AS_BOOL) return b.get_as_bool();
  for (auto g = m_scopes.rbegin(); g != m_scopes.rend(); ++g) {
    const auto& values = (*g)->get_sym_bool_values();
    auto it = values.find(b.get_as_name());
    if (it == values.end()) continue;
    if (it->second.tag() == ex::SymBool::Tag::AS_BOOL) return it->second.get_as_bool();
    ex::SymInt as_int;  // the relation's value as size() reads an expression: 1 or 0
    as_int.set_as_expr(it->second.get_as_expr());
    return size(as_int) != 0;
  }
  return std::nullopt;
}

std::vector<OpRecord> TraceBuilder::ops_between(std::size_t from, std::size_t to) const {
  std::vector<OpRecord> out(m_trace.ops.begin() + static_cast<std::ptrdiff_t>(from),
                            m_trace.ops.begin() + static_cast<std::ptrdiff_t>(to));
  for (auto& op : out)
    if (op.parent >= 0) op.parent -= static_cast<std::int32_t>(from);
  return out;
}

std::int64_t TraceBuilder::cost(std::size_t from, std::size_t to) const {
  return m_cost ? m_cost(ops_between(from, to)) : static_cast<std::int64_t>(to - from);
}

void TraceBuilder::erase(std::size_t from, std::size_t to) {
  auto& ops = m_trace.ops;
  ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(from), ops.begin() + static_cast<std::ptrdiff_t>(to));
  for (std::size_t i = from; i < ops.size(); ++i)
    if (ops[i].parent >= static_cast<std::int32_t>(to)) ops[i].parent -= static_cast<std::int32_t>(to - from);
}

void TraceBuilder::repeat(std::size_t from, std::int64_t times, const std::string& hop) {
  const std::size_t n = m_trace.ops.size() - from;
  if (times <= 0) return erase(from, m_trace.ops.size());
  constexpr std::int64_t kMostOps = 1024 * 1024;  // half a GiB of records or so: a body of 250 ops 4,096 times
  if (n > 0 && times > kMostOps / static_cast<std::int64_t>(n))
    throw InvalidInput("a " + hop + " runs its body (" + std::to_string(n) + " op(s)) " + std::to_string(times) +
                       " times: more ops than flopscope lists from a graph (" + std::to_string(kMostOps) +
                       "); analyse it at a smaller size (--dim)");
  m_trace.ops.reserve(from + n * static_cast<std::size_t>(times));
  for (std::int64_t k = 1; k < times; ++k)
    for (std::size_t i = 0; i < n; ++i) {
      OpRecord op = m_trace.ops[from + i];
      if (op.parent >= 0) op.parent += static_cast<std::int32_t>(k * static_cast<std::int64_t>(n));
      m_trace.ops.push_back(std::move(op));
    }
}

void TraceBuilder::note(const std::string& line) {
  if (m_notes != nullptr) m_notes->push_back(line);
}

void TraceBuilder::drop_notes(std::size_t from, std::size_t to) {
  if (m_notes != nullptr && from < to && to <= m_notes->size())
    m_notes->erase(m_notes->begin() + static_cast<std::ptrdiff_t>(from), m_notes->begin() + static_cast<std::ptrdiff_t>(to));
}

}  // namespace flopscope::exported::detail
