#pragma once
// A torch.export program read for graph mode: the archive's graph JSON parsed once (weight bytes are never
// read), then, for each binding of its symbols, the trace of ops the graph would run and the module tree it
// names. No Python, no forward: every op's input shapes are in the graph, every node's module in its
// nn_module_stack, every parameter in the graph signature (modules the forward never calls included).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "flopscope/exported.h"
#include "flopscope/module_tree.h"
#include "flopscope/op_record.h"

namespace flopscope::exported {

using Symbol = ExportSymbol;

/// Symbol name -> value.
using Bindings = std::map<std::string, std::int64_t>;

/// The export graph targets that the formula of `op` ("aten::linear") counts in graph mode: its overloads as
/// LibTorch registers them ("torch.ops.aten.linear.default"), then the targets that reach it through another op
/// (a conv2d node's aten::_convolution call, a library's stand-in), each marked "via".
std::vector<std::string> export_targets(const std::string& op);

/// Export's bookkeeping ops (size queries, assertions on sizes, alias, lift_fresh_copy): no forward runs them as
/// work, so neither mode counts them.
bool is_bookkeeping(const std::string& op);

class Program {
 public:
  /// Reads a torch.export.save archive (models/*.json only). Throws InvalidInput for what is not one: an
  /// AOTInductor package, a missing or unparsable graph, an unknown schema major version.
  static Program read(const std::string& path);
  /// Parses a serialized ExportedProgram (the graph JSON itself); `origin` names it in errors.
  static Program parse(const std::string& json, const std::string& origin);
  /// A program held in memory rather than in an archive (ExportedModel::from_memory): its graph JSON, the groups of
  /// parameter names that are one tensor (what an archive's weights config says), and the tensors an execution
  /// runs with, by FQN (none: it can only be read).
  static Program from_memory(const std::string& json, const std::vector<std::vector<std::string>>& tied,
                             std::unordered_map<std::string, at::Tensor> tensors);

  Program(Program&&) noexcept;
  Program& operator=(Program&&) noexcept;
  ~Program();

  /// SHA-256 of the graph JSON as stored: what identifies the program (its weights are never read).
  const std::string& graph_sha256() const;
  /// "8.17": the schema version the archive was written with.
  std::string schema_version() const;
  /// "TRAINING" for plain export(), "ATEN" after run_decompositions(), ... (the verifier dialects).
  std::string dialect() const;
  std::string torch_version() const;

  const std::vector<Symbol>& symbols() const;
  /// Resolves `--dim NAME=VALUE` pairs (a symbol's name or an alias) into bindings; unbound symbols keep their
  /// example value. Throws InvalidInput for a name that is no symbol (listing those there are), a value outside
  /// the symbol's range, or a symbol bound twice.
  Bindings bind(const std::vector<std::pair<std::string, std::int64_t>>& dims) const;

  /// The bindings under which the user inputs have `shapes` and, where given, `dtypes` (ExportedModel::dims_for).
  std::vector<std::pair<std::string, std::int64_t>> dims_for(const std::vector<std::vector<std::int64_t>>& shapes,
                                                             const std::vector<std::int8_t>& dtypes = {}) const;
  /// The names of the user inputs that are tensors, in the graph's order ("input_ids", "attention_mask").
  std::vector<std::string> tensor_input_names() const;

  /// Modules from the graph signature's parameters, the module call graph and the nodes' nn_module_stack.
  ModuleTree module_tree() const;
  /// The MACs of a list of ops (a torch.cond branch's, parents indexed within the list), by the analysis's op set.
  using BranchCost = std::function<std::int64_t(const std::vector<OpRecord>& ops)>;

  /// The ops of the graph in order, with inputs in their schema's order (defaults filled in) and sizes evaluated
  /// for `bindings`; each on the module of its nn_module_stack. Control flow (control_flow.cpp):
  /// torch.cond's branch where its predicate is a constant or a relation of sizes, else the costlier by
  /// `cost` (without one, the one with more ops); a map's or scan's body once per slice; a while_loop's body not
  /// at all, its trip count being a value. `notes` (when given) gets a line for each choice the graph could not
  /// settle.
  Trace trace(const Bindings& bindings, const BranchCost& cost = {}, std::vector<std::string>* notes = nullptr) const;
  /// The user inputs' shapes, evaluated for `bindings`, and dtypes (c10::ScalarType values, -1: unknown).
  std::vector<std::pair<std::vector<std::int64_t>, std::int8_t>> user_inputs(const Bindings& bindings) const;

  struct Impl;

 private:
  friend class GraphRunner;
  Program();
  ModuleTree build_module_tree() const;
  /// The settings each module's line of an arch tree prints (extra_repr), from its ops and tensors.
  void describe_modules(ModuleTree& tree, const std::unordered_map<std::string, std::string>& qualified) const;
  std::vector<std::pair<std::vector<std::int64_t>, std::int8_t>> read_user_inputs(const Bindings& bindings) const;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace flopscope::exported
