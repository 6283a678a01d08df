#pragma once
/// The counting stage's vocabulary: which ops have a formula, which are ignored, and the formulas.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "flopscope/op_record.h"

namespace flopscope {

using Count = std::int64_t;

/// A formula from one op call to a count (MACs for flops, elements for activations).
using Formula = Count (*)(const OpRecord&);

/// A formula and the key its count is filed under (mmengine's op key: "linear", "conv", ...).
struct Handler {
  std::string key;
  Formula formula = nullptr;
  std::string description;  ///< the formula in one line, for `flopscope ops`
  /// Whether mmengine's formula returns a Python float for this call (einsum's numpy path), which changes
  /// how small totals print ("72.0"); nullptr: never.
  bool (*returns_float)(const OpRecord&) = nullptr;
};

/// The formula's count of one call. A call on nested tensors is counted as the sum of the same call on each
/// component, given as a batch of one (count/nested.cpp): a linear layer on a padding-free batch counts the tokens
/// there are, not the padded rectangle.
Count count_call(Formula formula, const OpRecord& r);

/// A named set of handlers, e.g. "mmengine" (exactly mmengine's handlers and ignore list).
struct OpSet {
  std::string name;
  std::unordered_map<std::string, Handler> flops;        ///< op name ("aten::linear") -> handler
  std::unordered_map<std::string, Handler> activations;  ///< op name -> handler
  std::unordered_set<std::string> ignored;               ///< ops counted as zero without a warning
  /// Ops with no formula of their own that are counted by the ops they call, as if the model had called those
  /// (all: ctc_loss, whose lengths may come as tensors, of which a record holds only the shapes, while the
  /// _ctc_loss it calls gets them as lists of numbers).
  std::unordered_set<std::string> counted_inside;
};

/// mmengine's `_DEFAULT_SUPPORTED_FLOP_OPS`, `_DEFAULT_SUPPORTED_ACT_OPS` and `_IGNORED_OPS`.
OpSet mmengine_op_set();

/// The op set of that name: "mmengine"; "default" (mmengine plus attention, RNNs, every convolution and
/// upsampling form, embeddings, Fourier transforms, triangular solves and the matmul-class ops mmengine misses); "all" (default plus pooling,
/// softmax, activation functions and elementwise arithmetic). Throws InvalidInput for an unknown name.
OpSet op_set_named(const std::string& name);

/// The ops whose calls counting with the named set looks inside for what to count (conv1d, whose convolution is
/// counted: the ops torch.jit.trace records through, and ops counted by the ops they call), sorted. Nothing inside
/// any other op is ever counted, so a shape-only forward may answer such a call without running what is inside it
/// (the Python package's fake tensors answer repeated calls from their cache). Throws InvalidInput for an unknown
/// name.
std::vector<std::string> ops_looked_inside(const std::string& op_set);

/// Raised by a formula whose op does not have the shapes it assumes.
struct FormulaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Raised when a count does not fit in a Count (int64): a formula's product, or a sum over ops or modules.
/// Never wrapped, never counted as 0: the analysis fails with InvalidInput naming the op and its module.
struct CountOverflow : std::overflow_error {
  using std::overflow_error::overflow_error;
};

}  // namespace flopscope
