#pragma once
// The capture stage: the only code that touches the dispatcher. A Session registers a thread-local
// at::RecordFunction callback, so only the analysing thread's ops are seen, and removes it on every path.
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

class Session {
 public:
  explicit Session(ModuleResolver& resolver);
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
