#include "sandbox/memory_limit.h"

#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

namespace flopscope::sandbox {
namespace {

// cgroup v1 writes "no limit" as a page-rounded LLONG_MAX; anything from 2^60 up is taken for it.
constexpr double kNoLimit = 1152921504606846976.0;

// The "Key:  N kB" line of a /proc file, in bytes; 0 when absent. Other lines may hold text ("Name:\tflopscope").
double proc_kib(const std::string& file, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size(), key) != 0) continue;
    try {
      return std::stod(line.substr(key.size())) * 1024;
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

// A cgroup file's number; negative when missing or "max".
double cgroup_number(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string text;
  if (!(in >> text) || text == "max") return -1;
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    return used == text.size() && v >= 0 ? v : -1;
  } catch (const std::exception&) {
    return -1;
  }
}

// The process's cgroup path for v2 ("0::/ci/job") or the v1 memory controller ("4:memory:/ci/job").
std::string cgroup_path(const std::string& root, bool v2) {
  std::ifstream in(root + "/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    const auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    const bool match = v2 ? line.compare(0, a, "0") == 0 && controllers.empty()
                          : ("," + controllers + ",").find(",memory,") != std::string::npos;
    if (match) return line.substr(b + 1);
  }
  return {};
}

// The least room any cgroup from the process's own up to the hierarchy's root leaves: limit minus usage at each
// level. A container sees its own cgroup as the mount's root while /proc/self/cgroup may name the host's path;
// then the mount's root is the process's cgroup.
void cgroup_room(const std::string& root, bool v2, MemoryRoom& best) {
  const std::string mount = root + (v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory");
  const char* limit_file = v2 ? "memory.max" : "memory.limit_in_bytes";
  const char* usage_file = v2 ? "memory.current" : "memory.usage_in_bytes";
  std::error_code ec;
  if (!std::filesystem::is_directory(mount, ec)) return;
  std::string path = cgroup_path(root, v2);
  if (path.empty() && !v2) return;
  if (!std::filesystem::is_directory(mount + path, ec)) path = "/";
  for (std::filesystem::path rel = path;; rel = rel.parent_path()) {
    const std::filesystem::path dir = std::filesystem::path(mount) / rel.relative_path();
    const double limit = cgroup_number(dir / limit_file);
    const double usage = cgroup_number(dir / usage_file);
    if (limit >= 0 && limit < kNoLimit) {
      const double room = usage >= 0 && usage < limit ? limit - usage : (usage >= 0 ? 0 : limit);
      if (best.bytes <= 0 || room < best.bytes) {
        best.bytes = room;
        best.source = "the cgroup's limit (" + std::string(limit_file) + " of " + rel.string() + ")";
      }
    }
    if (rel == rel.parent_path() || rel.empty()) break;
  }
}

}  // namespace

std::string gib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", bytes / 1073741824.0);
  return text;
}

MemoryRoom memory_room(const std::string& root, double address_space_limit) {
  MemoryRoom best;
  if (const double free = proc_kib(root + "/proc/meminfo", "MemAvailable:"); free > 0) {
    best.bytes = free;
    best.source = "free memory";
  }
  cgroup_room(root, /*v2=*/true, best);
  cgroup_room(root, /*v2=*/false, best);
  if (address_space_limit < 0) {
    rlimit r{};
    if (getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur != RLIM_INFINITY) address_space_limit = static_cast<double>(r.rlim_cur);
  }
  if (address_space_limit >= 0 && std::isfinite(address_space_limit)) {
    const double used = proc_kib(root + "/proc/self/status", "VmSize:");
    const double room = address_space_limit > used ? address_space_limit - used : 0;
    if (best.bytes <= 0 || room < best.bytes) {
      best.bytes = room;
      best.source = "RLIMIT_AS (ulimit -v)";
    }
  }
  return best;
}

}  // namespace flopscope::sandbox
