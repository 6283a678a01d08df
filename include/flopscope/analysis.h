#pragma once
/// The counting stage's result: counts per module and per op, unsupported ops, uncalled modules.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "flopscope/counters.h"
#include "flopscope/gpu.h"
#include "flopscope/module_tree.h"
#include "flopscope/op_set.h"

namespace flopscope {

/// A Counter that remembers first-insertion order, like Python's.
class OrderedCounter {
 public:
  void add(const std::string& key, Count n);
  /// Where `key` is kept, added with 0 if new (first-insertion order as add's): add_at(slot(key), n) is
  /// add(key, n), for a caller that adds to the same key many times without looking it up each time.
  std::size_t slot(const std::string& key);
  void add_at(std::size_t slot, Count n);
  Count get(const std::string& key) const;
  Count total() const;
  const std::vector<std::pair<std::string, Count>>& items() const { return m_items; }
  bool empty() const { return m_items.empty(); }

 private:
  std::vector<std::pair<std::string, Count>> m_items;
  std::unordered_map<std::string, std::size_t> m_index;
};

/// One statistic (flops or activations) over a trace.
struct StatResult {
  std::unordered_map<std::string, OrderedCounter> by_module_and_op;  ///< module path -> op key -> count
  OrderedCounter unsupported;     ///< ops with no formula ("aten::max_pool2d" -> calls), first-seen order
  std::vector<std::string> formula_errors;  ///< ops whose formula rejected their shapes
  std::unordered_set<std::string> float_modules;  ///< modules whose mmengine total is a Python float

  Count total(const std::string& module = "") const;
  /// Totals by op key over the whole model (mmengine's `by_operator`).
  const OrderedCounter& by_operator(const std::string& module = "") const;
};

/// How the analysis was run: what the machine-readable reports say about it besides the counts.
/// How a model file was confined while it ran (docs/security.md). Filled by the command line, which runs model
/// files in a confined child process; the C++ API runs models in the caller's process and leaves it empty.
struct SandboxInfo {
  bool confined = false;          ///< the model ran in a confined child process
  std::string why_not;            ///< when not confined: why ("--trust-model")
  std::string filesystem;         ///< "read-only (Landlock ABI 7)", "no opening for write (seccomp)", ...
  bool network_refused = false;   ///< sockets (and with Landlock, TCP) refused
  bool exec_refused = false;      ///< execve refused
  std::uint64_t memory_limit_bytes = 0;  ///< the child's data limit (RLIMIT_DATA); 0: none
  std::string memory_limit;       ///< the limit as the report states it: "the memory free at the start", "4 GiB", "none"
  double load_timeout_s = 0;      ///< 0: none
  double timeout_s = 0;           ///< for the whole analysis; 0: none
  std::vector<std::string> not_applied;  ///< each part that could not be applied, and why
  /// Whether there is anything to report (a confined run, or a model file run unconfined on purpose).
  bool reported() const { return confined || !why_not.empty(); }
};

/// What a report says of a torch.export program analysed from its graph.
struct ExportInfo {
  std::string schema_version;  ///< of the archive's graph, "8.17"
  std::string dialect;         ///< "TRAINING" (plain export()), "ATEN" (after run_decompositions())
  std::string torch_version;   ///< of the torch that exported it
  std::vector<std::pair<std::string, std::int64_t>> dims;  ///< every symbol with the value analysed, by name
  bool executed = false;       ///< the graph was run (--run, or on CUDA), not only read
};

struct RunInfo {
  std::string model;          ///< the model file's path, or the built-in's name
  std::string model_kind;     ///< "torchscript", "exported", "builtin" or "cpp"
  std::string model_sha256;   ///< of the model file; "" when there is no file
  std::vector<std::vector<std::int64_t>> input_shapes;  ///< full shapes, batch dimension included
  std::vector<std::string> input_dtypes;               ///< "float32", ...
  std::string device = "cpu";
  std::string op_set = "mmengine";
  std::string mode;           ///< "training" or "eval": the root module's flag when the forward ran
  bool frozen = false;        ///< a frozen TorchScript module (no training flag left: eval, by freezing's rule)
  std::string cuda;           ///< the CUDA environment the analysis saw: "CUDA: 1 device (...)" or "no CUDA device: ..."
  SandboxInfo sandbox;
  std::optional<ExportInfo> exported;  ///< set for a torch.export program
};

/// Everything the reporters need.
struct Analysis {
  RunInfo run;
  ModuleTree tree;
  StatResult flops;
  StatResult activations;
  std::vector<std::string> uncalled;  ///< canonical paths of modules no op was attributed to, sorted
  bool train_step = false;            ///< a training step was analysed (Options::train_step)
  /// A training step's parameters, each once: what it holds and what its step keeps.
  struct StepParam {
    std::string name;                 ///< canonical dotted name, as in tree.params
    std::int64_t numel = 0;
    std::int64_t element_bytes = 0;
    bool gradient = false;            ///< the backward gave it a gradient: the optimizer updates it
  };
  std::vector<StepParam> step_params;
  std::string optimizer;              ///< "" (none), "sgd", "adamw"
  std::int64_t optimizer_ops_per_element = 0;
  std::int64_t optimizer_state_per_element = 0;
  /// A training step's forward: the bytes each module's own ops allocated and still held when it ended, the
  /// activations saved for the backward (capture/held_memory.h).
  struct SavedActivations {
    std::map<std::string, std::int64_t> bytes;  ///< module ("" = the root, and what no op allocated) -> bytes
    bool measured = false;
    std::string why_not;                          ///< when not measured: the allocators' reports could not be had
  };
  SavedActivations saved_activations;
  /// The step's backward, per module (each node placed on the module whose forward made it); empty otherwise.
  StatResult backward;
  gpu::GpuReport gpu;                 ///< the timing pass (CUDA only); gpu.ran false otherwise
  gpu::CounterReport counters;        ///< the counter pass (CUDA, when asked for); counters.ran false otherwise
  /// The timing pass's records, when GpuOptions::chrome_trace asked for them (shared: copies stay cheap).
  std::shared_ptr<const gpu::KernelTimeline> timeline;
};

}  // namespace flopscope
