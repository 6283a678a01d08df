#pragma once
/// torch.export programs (`.pt2` archives written by torch.export.save), analysed in graph mode: no forward
/// runs, every op's shapes come from the graph, every op's module from its node's nn_module_stack, every
/// parameter from the graph signature. Symbolic dimensions (torch.export.Dim) can be bound to other values, so
/// one file gives the cost of a model at any sequence length.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "flopscope/complexity.h"

namespace flopscope {

namespace exported {
class Program;
}

/// A symbolic size of the export: a dimension made dynamic with torch.export.Dim.
struct ExportSymbol {
  std::string name;                     ///< as serialized ("s27"): torch.export keeps no Dim names in the archive
  std::optional<std::int64_t> min;      ///< the range the export allows; none: unbounded
  std::optional<std::int64_t> max;
  std::optional<std::int64_t> example;  ///< the value the export traced with
  std::vector<std::string> aliases;     ///< "INPUT.DIM" for each user input dimension that is this symbol ("x.1")

  /// A size only the graph's values decide (nonzero, an MoE's routing): torch.export names those u0, u1, ...
  bool data_dependent() const {
    return name.size() > 1 && name[0] == 'u' && name.find_first_not_of("0123456789", 1) == std::string::npos;
  }
};

/// `--dim NAME=VALUE`: a symbol (its name or an alias) and a value.
using DimBinding = std::pair<std::string, std::int64_t>;

/// An archive read once: its graph JSON parsed, its weights never read. Cheap to analyse many times (a sweep).
class ExportedModel {
 public:
  /// Throws InvalidInput with one line saying what is wrong: not a .pt2, an AOTInductor package, a truncated
  /// zip, no graph, an unknown schema major version, JSON that does not follow the schema.
  static ExportedModel load(const std::string& path);

  /// A program held in memory rather than in an archive (the Python package's torch.export.ExportedProgram):
  /// `graph_json` as torch's serializer writes it (an archive's models/model.json), `tied` the groups of parameter
  /// names that are one tensor (an archive's weights config says so), `tensors` what an execution runs with, by
  /// FQN: parameters, buffers and constants, the caller's own (none: the program can only be read). An execution
  /// moves them to its device; an op that writes into one (a training-mode batch norm's running statistics)
  /// writes into the caller's tensor, so pass copies of what must not change. Throws InvalidInput as load does.
  static ExportedModel from_memory(const std::string& graph_json, const std::vector<std::vector<std::string>>& tied = {},
                                   std::unordered_map<std::string, at::Tensor> tensors = {});

  /// The bindings under which the program's user inputs (the tensor ones, in the graph's order) have `shapes`:
  /// each symbol takes the size of the first input dimension it alone sizes. Throws InvalidInput, naming the
  /// input, for a count of inputs, a shape, a range or (where `dtypes`, c10::ScalarType values, are given) a
  /// dtype the program does not take.
  std::vector<DimBinding> dims_for(const std::vector<std::vector<std::int64_t>>& shapes,
                                   const std::vector<std::int8_t>& dtypes = {}) const;
  /// The names of the program's tensor user inputs, in the graph's order (the names "INPUT.DIM" aliases use).
  std::vector<std::string> input_names() const;

  const std::vector<ExportSymbol>& symbols() const;
  std::string schema_version() const;  ///< "8.17"
  std::string dialect() const;         ///< "TRAINING" (plain export()), "ATEN" (after run_decompositions()), ...
  std::string torch_version() const;   ///< of the torch that exported it
  /// SHA-256 of the graph JSON as stored in the archive: identifies the program without reading its weights
  /// (the report's model.sha256 for a .pt2).
  std::string graph_sha256() const;

  const exported::Program& program() const { return *m_program; }

 private:
  std::shared_ptr<const exported::Program> m_program;
};

/// Analyses an exported program. `dims` binds symbols (unbound ones keep their example value); a name that is no
/// symbol, a value outside its range, or a size expression the evaluator cannot read is an InvalidInput. The
/// inputs come from the graph (giving input shapes is an error). By default the program is analysed from its
/// graph and nothing runs; `execute` (always on a CUDA device, whose GPU passes need it) runs the graph op by op
/// through the dispatcher with its weights read from the archive and inputs made at `dims` (random normal
/// floats, zero integers), under the same capture as a TorchScript forward: the analytic report is the same.
/// `options.train_step` runs the graph (as `execute`) with autograd on: its parameters are leaves of flopscope's own
/// over the weights, requiring grad where the graph's metadata says they did when exported, so the step's
/// backward is autograd's through the graph's ATen ops, and a program in memory keeps its gradients.
ComplexityInfo analyze(const ExportedModel& model, const Options& options, const std::vector<DimBinding>& dims = {},
                       bool execute = false);

/// Analyses the program at the caller's inputs (one tensor per user input, in the graph's order): its symbols take
/// the inputs' sizes (dims_for), and `dims` binds those no input sizes alone. With `execute` (and always on a CUDA
/// device) the graph runs on these inputs rather than on made ones; without, it is read at their sizes.
ComplexityInfo analyze(const ExportedModel& model, const Options& options, const std::vector<at::Tensor>& inputs,
                       const std::vector<DimBinding>& dims = {}, bool execute = true);

}  // namespace flopscope
