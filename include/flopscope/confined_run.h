#pragma once
// Running an untrusted model file in a confined child process (docs/security.md). The parent never loads the
// file: it forks before LibTorch has run anything (no threads, no CUDA context yet), and the child limits itself,
// confines itself, then loads, analyses and renders, sending each finished report back over a pipe. The parent
// writes every output, enforces the time limits, kills the child on a signal of its own, and turns a crash,
// a kill or a timeout into one line naming the phase the child was in.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "flopscope/analysis.h"

namespace flopscope::sandbox {

struct ConfineRequest {
  /// The GPU driver opens /dev/nvidia* for writing and maps them shared: those files stay writable, and the
  /// seccomp stand-in for Landlock cannot be applied (it cannot tell a device from a file).
  bool gpu = false;
  /// false: leave Landlock out and use the seccomp stand-in, as on a kernel without it (for tests).
  bool landlock = true;
};

/// The child's side of the pipe.
class ChildChannel {
 public:
  explicit ChildChannel(int fd) : m_fd(fd) {}
  /// What the child is doing now ("loading", "forward", "GPU timing pass", ...): timeouts and crashes name it.
  void phase(const std::string& what);
  /// A finished product (a report, a trace): the command decides what each slot is.
  void output(int slot, const std::string& bytes);
  /// A line for stderr, without the "flopscope: " prefix.
  void note(const std::string& line);

 private:
  int m_fd;
};

/// What came back, in the order it was sent.
struct ChildResult {
  std::map<int, std::string> outputs;
  std::vector<std::string> notes;
  int status = 2;      ///< the command's exit status; 2 for a crash, a kill or a timeout
  std::string error;   ///< the one-line error when status != 0 (no "flopscope: error: " prefix)
};

struct ChildLimits {
  double load_timeout_s = 0;  ///< while the phase is "loading"; 0: none
  double timeout_s = 0;       ///< from the fork to the end; 0: none
  std::uint64_t memory_limit_bytes = 0;  ///< the child's RLIMIT_DATA; 0: none
  std::string memory_limit_text;         ///< how the report states it (the bytes differ run to run when it is the free memory)
  ConfineRequest confine;
};

/// The memory free for a child now (the least of MemAvailable, the cgroups' room and the address-space limit),
/// the default memory limit; 0 when it cannot be told.
std::uint64_t free_memory_bytes();

/// What the child runs once it is confined: returns the command's exit status; when not 0, `error` is the
/// one line to print. `sandbox` says how it was confined (for the reports).
using ChildWork = std::function<int(ChildChannel& channel, const SandboxInfo& sandbox, std::string& error)>;

/// Forks, confines and runs `work` in the child; waits for it within the limits. `on_phase` (may be empty)
/// is called in the parent with each phase the child reports (for progress). Never throws for what the child
/// does: a crash, kill or timeout is a ChildResult with status 2 and its error.
ChildResult run_confined(const ChildLimits& limits, const ChildWork& work,
                         const std::function<void(const std::string&)>& on_phase = {});

}  // namespace flopscope::sandbox
