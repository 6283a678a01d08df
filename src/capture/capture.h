#pragma once
// The capture stage: the only code that touches the dispatcher. A Session registers a thread-local
// at::RecordFunction callback, so only the analysing thread's ops are seen, and removes it on every path.
//
// The callback runs for every op of the forward, so it does as little as it can: an op's name is copied
// from a per-operator cache (looked up by the schema's stable name pointer), argument values are recorded
// only for ops a formula will read, and the module is resolved once per top-level op.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <ATen/record_function.h>

#include "flopscope/op_record.h"

namespace flopscope::capture {

/// Names the module that runs a top-level op (nested ops inherit their parent's module).
class ModuleResolver {
 public:
  virtual ~ModuleResolver() = default;
  /// Canonical dotted path of the module running `fn`, "" for the root.
  virtual std::string resolve(const at::RecordFunction& fn) = 0;
};

/// Told about tensors an op is about to receive, before the op runs, so that the model's state can be
/// saved just before it may change (model::StateGuard).
class StateWatch {
 public:
  virtual ~StateWatch() = default;
  /// Whether every tensor argument must be reported, not only those the schema marks as written (some ops
  /// write buffers without saying so: batch norm's running statistics).
  virtual bool wants_reads() const = 0;
  /// `t` is an argument of the op about to run; `written`: its schema says the op writes it.
  virtual void before_use(const at::Tensor& t, bool written) = 0;
};

/// Which ops get their argument values (shapes, scalars) recorded; the others keep only name, parent and
/// module. Ops nested inside an op that has values never get any: counting stops at the outermost op with
/// a formula.
using ValuesWanted = std::function<bool(const std::string& op_name)>;

class Session {
 public:
  /// `wanted` empty: every op's values, nested ones included. `watch` may be null.
  explicit Session(ModuleResolver& resolver, ValuesWanted wanted = {}, StateWatch* watch = nullptr);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// The ops recorded so far; the session stops recording.
  Trace finish();

  /// The top-level op that contains the last op started, or nullptr before any op: where a forward that
  /// threw was when it failed.
  const OpRecord* last_top_level_op() const;

  /// The last op started and the ops it ran inside, innermost first: the call chain a failure happened in.
  std::vector<const OpRecord*> last_op_chain() const;

 public:
  struct State;  // defined in capture.cpp

 private:
  std::unique_ptr<State> m_state;
  State* m_previous;
  at::CallbackHandle m_handle;
};

}  // namespace flopscope::capture
