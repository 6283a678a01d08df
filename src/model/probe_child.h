#pragma once
// The probe: a TorchScript archive is loaded once in a forked child before the real load, because LibTorch
// crashes outright on some corrupt archives (a segfault in its unpickler, found by model_fuzz). The child is a
// half-copy of the host process (the CLI, or a program embedding the library), so it is made disposable first:
// nothing of the host's may run in it, and nothing of its crash may leave it.
#include <string>

namespace flopscope {

/// Both loads (the probe's and the real one) skip the archive's debug records (`*.debug_pkl`: each code line's
/// original Python source range). LibTorch reads them only to highlight code in an error message, with no bounds
/// checks: an archive whose code does not parse and whose debug record is corrupt segfaulted inside the parse
/// error's message (model_libtorch_segfault.pt, in plain Python too). Nothing here reads source ranges, and the
/// forward's error line is the interpreter's last line, which does not come from them. The probe loads as the
/// real load does, so that what it survives predicts what the parent survives.
inline constexpr bool kLoadDebugFiles = false;

/// Loads `path` in a forked child and waits for it; throws InvalidInput ("... is a corrupt archive: LibTorch
/// crashed reading it (Segmentation fault)") when the child died. Load errors are left to the parent's own load.
/// Without fork (it failed) it returns, and the caller loads directly as it would without the probe.
void probe_in_child(const std::string& path);

/// What the probe's child does before it loads, in the child only: it dies with its parent; its output goes to
/// /dev/null (a crash report must not reach the user's terminal); a crash leaves no core file; and the deadly
/// signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) take their default action, so a host's handler does not run
/// in the copy: libFuzzer's would write the input out as a crash of its own, a crash reporter's would report a
/// crash the parent reads as an error. It makes only async-signal-safe calls, as the fork of a threaded process
/// should (the load after it is the one exception, and the reason the child exists).
void prepare_probe_child();

}  // namespace flopscope
