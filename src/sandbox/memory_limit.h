#pragma once
// How much memory an analysis may take before the kernel kills it: the least of what the machine has free, what
// the process's cgroup still allows (containers, CI runners, Slurm jobs) and what RLIMIT_AS leaves.
#include <string>

namespace flopscope::sandbox {

struct MemoryRoom {
  double bytes = 0;    ///< free bytes; 0 when nothing could be read
  std::string source;  ///< what sets it: "free memory", "the cgroup's limit (memory.max of /ci/job)", "RLIMIT_AS"
};

/// The room left now. `root` prefixes /proc and /sys (a fake tree in tests); `address_space_limit` is
/// RLIMIT_AS's soft limit in bytes: negative to read the process's own (getrlimit), infinite for none.
MemoryRoom memory_room(const std::string& root = "", double address_space_limit = -1);

/// "22.9 GiB".
std::string gib(double bytes);

}  // namespace flopscope::sandbox
