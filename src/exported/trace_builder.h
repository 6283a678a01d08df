#pragma once
// The graph as a trace: an exported program's nodes read, at one binding of its symbols, as the OpRecords a
// forward's capture would have made, so that the counting, the attribution and the reports need not know where
// a trace came from. Plain ops are read in trace_builder.cpp; control flow (torch.cond, map, scan, while_loop,
// invoke_subgraph), whose subgraphs the graph holds once, in control_flow.cpp.
#include <c10/core/ScalarType.h>
#include <torch/csrc/utils/generated_serialization_types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "exported/program.h"
#include "exported/program_impl.h"
#include "flopscope/op_record.h"

namespace c10 {
struct FunctionSchema;
}

namespace flopscope::exported::detail {

class TraceBuilder {
 public:
  /// `cost` weighs a torch.cond's branches when the graph cannot settle its predicate (the costlier is kept);
  /// without it, the one with more ops. `notes` receives what the graph could not settle.
  TraceBuilder(const Program::Impl& impl, const Bindings& bindings, const Program::BranchCost& cost = {},
               std::vector<std::string>* notes = nullptr)
      : m_impl(impl), m_bindings(bindings), m_cost(cost), m_notes(notes) {
    m_scopes.push_back(&impl.program.get_graph_module().get_graph());
    m_aliases.emplace_back();
    for (const auto& s : impl.symbols)
      if (!s.example || bindings.count(s.name) == 0 || bindings.at(s.name) != *s.example) m_at_examples = false;
  }

  /// The whole graph's ops, in order.
  Trace build();
  /// A size at the bindings; InvalidInput naming the symbol that has no value.
  std::int64_t size(const ex::SymInt& s);
  /// A tensor of the graph (innermost scope first) with its sizes at the bindings.
  Value tensor(const std::string& name);

 private:
  // ---- Plain ops (trace_builder.cpp) ----
  std::int64_t sym_int(const ex::SymIntArgument& a);
  Value value(const ex::Argument& a);
  const c10::FunctionSchema* schema(const std::string& name, const std::string& overload);
  void add(const ex::Node& node, const std::string& enclosing_module);
  // A forward's trace has what a convolution calls (aten::_convolution) below it, and mmengine counts that
  // (count/attribute.h, traced_through). The graph keeps the call the model made, so the call below is made
  // here, with the arguments ATen passes it (aten/src/ATen/native/Convolution.cpp).
  void add_traced_call(std::int32_t parent);

  // ---- Control flow (control_flow.cpp) ----

  // torch.cond, map, scan and invoke_subgraph (torch.compiler.nested_compile_region's repeated layers) read as the
  // ops they run; a while_loop as none, with a note. False for any other higher-order op, or one whose arguments
  // are not as torch 2.11 writes them.
  bool control_flow(const ex::Node& node, const std::string& hop, const std::string& module);
  // The graph inputs of a node that are parameters or buffers, by FQN, in order: each name followed out through
  // the subgraphs it was passed into.
  std::vector<std::string> state_of(const ex::Node& node);
  // The ops of subgraph `g` called with `operands` (outer names, in the order of its inputs).
  void subgraph(const ex::Graph& g, const std::vector<std::string>& operands, const std::string& module);
  // A cond's predicate when the graph settles it: a constant, or a relation of sizes (x.shape[0] > 4, at the
  // bound sizes). A tensor's value (x.sum() > 0) it does not.
  std::optional<bool> predicate(const ex::Argument& a);
  // The ops [from, to) as a list of their own, parents indexed within it.
  std::vector<OpRecord> ops_between(std::size_t from, std::size_t to) const;
  // What the ops [from, to) cost by m_cost, else how many they are.
  std::int64_t cost(std::size_t from, std::size_t to) const;
  // The ops [from, to) removed, later ops' parents moved down.
  void erase(std::size_t from, std::size_t to);
  // The ops from `from` to the end, the body of a loop read once, made `times` runs of it.
  void repeat(std::size_t from, std::int64_t times, const std::string& hop);
  // Each choice the graph could not settle, in order; repeats are dropped once the trace is built (build()), so
  // that a branch dropped later takes its own notes with it (notes_since, drop_notes).
  void note(const std::string& line);
  std::size_t notes_since() const { return m_notes != nullptr ? m_notes->size() : 0; }
  void drop_notes(std::size_t from, std::size_t to);

  const Program::Impl& m_impl;
  const Bindings& m_bindings;
  Program::BranchCost m_cost;  // a copy: the constructor's default is a temporary
  std::vector<std::string>* m_notes;
  std::unordered_map<std::string, std::string> m_state;  // graph input name -> parameter or buffer FQN
  // For each scope of m_scopes: its inputs' names -> the names they were passed as outside it.
  std::vector<std::unordered_map<std::string, std::string>> m_aliases;
  int m_control_depth = 0;  // inside how many control-flow subgraphs (as the graph runner counts them)
  bool m_at_examples = true;
  std::vector<const ex::Graph*> m_scopes;
  std::unordered_map<std::string, const c10::FunctionSchema*> m_schemas;
  Trace m_trace;
};

}  // namespace flopscope::exported::detail
