#pragma once
// The capture stage: the only code that touches the dispatcher. A Session registers a thread-local
// at::RecordFunction callback, so only the analysing thread's ops are seen, and removes it on every path. A
// training step's session also sees the ops autograd's device threads run for this thread's backward (the engine
// hands them this thread's callbacks), each thread's nested in its own.
//
// The callback runs for every op of the forward, so it does as little as it can: an op's name comes from a
// per-operator cache (looked up by the schema's stable name pointer), argument values are recorded only for
// ops a formula will read, and the module is resolved once per top-level op. What it keeps is stored
// compactly in pools of its own pages, never on malloc's heap between the forward's activations
// (capture.cpp says why), and becomes a Trace when the session finishes.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <ATen/record_function.h>

#include "capture/forward_tensors.h"
#include "flopscope/op_record.h"

namespace flopscope::capture {

/// Names the module that runs a top-level op (nested ops inherit their parent's module).
class ModuleResolver {
 public:
  virtual ~ModuleResolver() = default;
  /// Canonical dotted path of the module running `fn`, "" for the root. The reference need only stay valid
  /// until the next call: the capture copies it at once.
  virtual const std::string& resolve(const at::RecordFunction& fn) = 0;
};

/// Told about tensors an op is about to write, before the op runs, so that the model's state can be saved
/// just before it changes (model::StateGuard).
class StateWatch {
 public:
  virtual ~StateWatch() = default;
  /// `t` is an argument that the op about to run writes (its schema marks it `a!`). Called inside the capture's
  /// callback with recording on: ops the watch runs (a copy of `t`) must switch it off around themselves
  /// (at::RecordFunctionGuard), or they would be recorded as the model's.
  virtual void before_write(const at::Tensor& t) = 0;
};

/// Which ops get their argument values (shapes, scalars) recorded; the others keep only name, parent and
/// module. Ops nested inside an op that has values never get any: counting stops at the outermost op with
/// a formula.
using ValuesWanted = std::function<bool(const std::string& op_name)>;

class Session {
 public:
  /// `wanted` empty: every op's values, nested ones included. `watch` may be null. The records take at most
  /// `budget` bytes, and at most what `lazy_budget` says once they pass 64 MiB (asked then, once): past it
  /// (or when memory runs out) the session fails.
  /// `with_backward`: autograd's backward nodes too (a training step), each with the ops it ran nested in it, and
  /// the memory the forward allocates, until forward_ended() says which of it the backward holds.
  explicit Session(ModuleResolver& resolver, ValuesWanted wanted = {}, StateWatch* watch = nullptr,
                   std::size_t budget = static_cast<std::size_t>(-1), std::function<std::size_t()> lazy_budget = {},
                   bool with_backward = false);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// From now on, an op whose values are recorded runs with RecordFunction switched off on this thread: the ops
  /// inside it are not recorded at all (nothing counts them: counting stops at the outermost op with a formula),
  /// and their arguments are not boxed for the callback, most of the capture's cost on an eager model. Not for a
  /// trace that must list every op as the dispatcher ran it (the GPU timing pass joins by position), nor for a
  /// training step (a composite op's autograd node carries its inner op's sequence number), nor for a guard that
  /// must see writes inside such ops (the buffers batch norm updates are saved up front: model::StateGuard).
  void skip_inside_valued_ops();

  /// The forward runs on meta tensors, or under a FakeTensorMode of its own (shape-only): their ops are the model's.
  /// In every forward, an op run while torch traces a function inside it (capture/torch_tracing.h: an eager
  /// torch.cond or scan building its autograd function on fake tensors, or compiled the first time) is no work of
  /// the model and is not recorded.
  void shape_only_forward(ForwardTensors tensors = ForwardTensors::meta);

  /// A session with_backward that does not measure what the forward holds for the backward (a recording: the
  /// caller's code has no end of forward to tell): the memory listener goes, and the trace says `why`.
  void without_saved_memory(std::string why);

  /// The ops recorded so far; the session stops recording.
  Trace finish();

  /// Why the session failed ("the capture ran out of memory, at aten::add after 1048576 ops"), or nullopt. A
  /// failed session records nothing more and stops the forward: every op after the failure throws, until the
  /// session finishes or ends. Its trace is incomplete, never a result.
  std::optional<std::string> failure() const;

  /// Whether that failure was the records' memory: their budget spent, or an allocation refused.
  bool failed_for_memory() const;
  /// The records' budget as it stands (bytes).
  std::size_t budget() const;

  /// The top-level op that contains the last op started (name, parent and module; no values), or nullopt
  /// before any op: where a forward that threw was when it failed.
  std::optional<OpRecord> last_top_level_op() const;

  /// The last op started and the ops it ran inside, innermost first, without values: the call chain a
  /// failure happened in.
  std::vector<OpRecord> last_op_chain() const;

 public:
  struct State;  // defined in capture.cpp

 private:
  std::unique_ptr<State> m_state;
  State* m_previous;
  at::CallbackHandle m_handle;
};

/// A training step's forward has returned `outputs` on this thread and its backward is next: the session of this
/// thread (one with_backward) keeps, per top-level op, the bytes its forward allocated and still holds
/// (OpRecord::saved_bytes). Does nothing without such a session.
void forward_ended(const std::vector<at::Tensor>& outputs);

}  // namespace flopscope::capture
