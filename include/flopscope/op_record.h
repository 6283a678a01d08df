#pragma once
/// The capture stage's output: every ATen op the forward ran, with its arguments' shapes and scalars.
/// Plain values with no LibTorch types, so the counting stage can be tested on hand-built records.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace flopscope {

/// One argument or result of an op, reduced to what the formulas need.
struct Value {
  enum class Kind : std::uint8_t { None, Tensor, Int, Double, Bool, IntList, TensorList, String, Other };
  Kind kind = Kind::None;
  std::vector<std::int64_t> sizes;  ///< tensor shape, or the elements of an int list
  double number = 0;                ///< value of an Int, Double or Bool
  /// Shapes of a tensor list (RNN weights, cat inputs), or a nested tensor's components, whose `sizes` are then
  /// its padded shape: the number of components, then each dimension's largest.
  std::vector<std::vector<std::int64_t>> shapes;
  std::string text;                               ///< a string argument (einsum's equation)
  std::int8_t dtype = -1;  ///< a tensor's c10::ScalarType as its integer value, -1 = unknown (hand-built records)

  static Value none() { return {}; }
  static Value tensor(std::vector<std::int64_t> shape) { return {Kind::Tensor, std::move(shape), 0, {}, {}}; }
  static Value integer(std::int64_t v) { return {Kind::Int, {}, static_cast<double>(v), {}, {}}; }
  static Value real(double v) { return {Kind::Double, {}, v, {}, {}}; }
  static Value boolean(bool v) { return {Kind::Bool, {}, v ? 1.0 : 0.0, {}, {}}; }
  static Value int_list(std::vector<std::int64_t> v) { return {Kind::IntList, std::move(v), 0, {}, {}}; }
  static Value tensor_list(std::vector<std::vector<std::int64_t>> v) {
    return {Kind::TensorList, {}, 0, std::move(v), {}};
  }
  static Value string(std::string s) { return {Kind::String, {}, 0, {}, std::move(s)}; }
  static Value other() { return {Kind::Other, {}, 0, {}, {}}; }

  bool is_tensor() const { return kind == Kind::Tensor; }
  /// A nested tensor (torch.nested: a batch of tensors of different lengths, nn.TransformerEncoder's padding-free
  /// path): a tensor with components.
  bool is_nested() const { return kind == Kind::Tensor && !shapes.empty(); }
  bool is_none() const { return kind == Kind::None; }
  /// Product of the shape (1 for a 0-d tensor).
  std::int64_t numel() const {
    std::int64_t n = 1;
    for (auto s : sizes) n *= s;
    return n;
  }
};

/// One ATen op call as the RecordFunction callback saw it.
struct OpRecord {
  std::string name;             ///< schema name with namespace, e.g. "aten::linear"
  std::vector<Value> inputs;    ///< one per schema argument
  std::vector<Value> outputs;   ///< one per schema return
  std::int32_t parent = -1;     ///< index of the op this one ran inside, -1 for a top-level op
  std::string module;           ///< canonical dotted path of the module that ran it, "" = the root
  /// The autograd sequence number the dispatcher gave it (-1: none, e.g. under no_grad). A forward op's equals
  /// that of the backward node it created, which is how backward work finds its module.
  std::int64_t sequence_nr = -1;
  /// Ran in autograd's backward: a node ("autograd::engine::evaluate_function: AddmmBackward0") or an op in one.
  bool backward = false;
  /// Ran after a training step's forward and outside its backward: the loss flopscope makes (the sum of the
  /// outputs) and autograd's seed gradient. Timed with the step, counted in neither direction.
  bool loss = false;
  /// Ended by an exception that the model's code caught and went on from (torch.utils.checkpoint stopping its
  /// recomputation once it has what the backward needs, a fallback after a failed attempt): it produced nothing,
  /// so neither it nor the ops inside it count. It stays in the trace, where the GPU timing pass joins by position.
  bool aborted = false;
  /// A training step's forward, on a top-level op: the bytes it (and the ops inside it) allocated that were still
  /// held when the forward ended, the forward's outputs left out: what autograd saved for the backward
  /// (capture/held_memory.h). 0 otherwise.
  std::int64_t saved_bytes = 0;
};

/// Every op of one forward, in call order (parents before their children).
struct Trace {
  std::vector<OpRecord> ops;
  /// A training step's forward: whether its held bytes were measured (OpRecord::saved_bytes), or why not, and
  /// those allocated outside any op. A function that rebuilds a trace carries this over.
  struct SavedMemory {
    bool measured = false;
    std::int64_t outside_ops = 0;
    std::string why_not;
  };
  SavedMemory saved;
  /// The capture left out no call on a wrapper tensor (capture/wrapper_call.h): the GPU passes' op observers,
  /// which leave out what the capture left out to keep their sequence aligned with this trace, need not read each
  /// op's inputs to find such calls (boxing them costs every op of the timed forwards). False for a hand-built
  /// trace: the observers then read inputs, which is always right.
  bool without_wrapper_calls = false;
  /// A training step's calls of custom autograd functions (torch.autograd.Function.apply: a fused kernel's, a
  /// straight-through estimator's, eager torch.cond's): each is recorded under its class's name with the sequence
  /// number of the node it makes, and is no op, so it is not in `ops`. Here with the module each ran in: its
  /// backward node goes there (capture::place_backward), as an ATen op's goes to its op's module.
  std::vector<std::pair<std::int64_t, std::string>> function_nodes;
};

}  // namespace flopscope
