#pragma once
// Confining the process that runs an untrusted model (docs/security.md). Applied in the child, after its
// limits and before the model file is opened; never undone. Linux only: Landlock makes the file system
// read-only and refuses TCP, seccomp-bpf refuses running programs, opening sockets and the calls that would
// get around the rest, and stands in for Landlock's file rules on kernels without it.
#include <string>
#include <vector>

#include "flopscope/analysis.h"
#include "flopscope/confined_run.h"

namespace flopscope::sandbox {


/// Confines the calling process (and every thread it starts afterwards) as far as the kernel allows.
/// Fills `info`'s filesystem, network, exec and not_applied; never throws. Call it single-threaded: seccomp
/// and Landlock apply to the calling thread and what it creates.
void confine_this_process(const ConfineRequest& request, SandboxInfo& info);

/// The Landlock ABI version the kernel offers, 0 without Landlock.
int landlock_abi();

}  // namespace flopscope::sandbox
