// Landlock and seccomp-bpf, by raw system calls: glibc wraps neither, and the kernel headers of a build machine
// may be older than the kernel the tool runs on (Landlock's structures only grow), so the few constants and
// structures used are spelt out here with the ABI version that brought each.
#include "sandbox/confine.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>

namespace flopscope::sandbox {
namespace {

// ---- Landlock (Documentation/userspace-api/landlock.rst) ---------------------------------------------------
constexpr long kCreateRuleset = 444, kAddRule = 445, kRestrictSelf = 446;  // the same on every architecture
constexpr std::uint32_t kRulesetVersion = 1u << 0;
constexpr int kRulePathBeneath = 1;

constexpr std::uint64_t kExecute = 1ull << 0, kWriteFile = 1ull << 1, kRemoveDir = 1ull << 4,
                        kRemoveFile = 1ull << 5, kMakeChar = 1ull << 6, kMakeDir = 1ull << 7, kMakeReg = 1ull << 8,
                        kMakeSock = 1ull << 9, kMakeFifo = 1ull << 10, kMakeBlock = 1ull << 11,
                        kMakeSym = 1ull << 12;
constexpr std::uint64_t kRefer = 1ull << 13;     // ABI 2
constexpr std::uint64_t kTruncate = 1ull << 14;  // ABI 3
constexpr std::uint64_t kIoctlDev = 1ull << 15;  // ABI 5
constexpr std::uint64_t kBindTcp = 1ull << 0, kConnectTcp = 1ull << 1;             // ABI 4 (network)
constexpr std::uint64_t kScopeAbstractUnix = 1ull << 0, kScopeSignal = 1ull << 1;  // ABI 6

struct RulesetAttr {
  std::uint64_t handled_access_fs;
  std::uint64_t handled_access_net;  // ABI 4
  std::uint64_t scoped;              // ABI 6
};

struct __attribute__((packed)) PathBeneathAttr {
  std::uint64_t allowed_access;
  std::int32_t parent_fd;
};

/// Every right that changes the file system, as far as `abi` knows them. Reading and executing stay allowed
/// (they are simply not handled), so the libraries, Python-free LibTorch and the model file load as before.
std::uint64_t write_rights(int abi) {
  std::uint64_t rights = kWriteFile | kRemoveDir | kRemoveFile | kMakeChar | kMakeDir | kMakeReg | kMakeSock |
                         kMakeFifo | kMakeBlock | kMakeSym;
  if (abi >= 2) rights |= kRefer;
  if (abi >= 3) rights |= kTruncate;
  if (abi >= 5) rights |= kIoctlDev;
  return rights;
}

/// Allows `rights` on one existing file; a file that is not there is skipped.
bool allow_file(int ruleset, const std::string& path, std::uint64_t rights) {
  const int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) return false;
  PathBeneathAttr rule{rights, fd};
  const bool ok = syscall(kAddRule, ruleset, kRulePathBeneath, &rule, 0) == 0;
  close(fd);
  return ok;
}

/// Returns "" when applied, else why not.
std::string apply_landlock(int abi, bool gpu, SandboxInfo& info) {
  if (abi <= 0) return "the kernel has no Landlock (Linux 5.13+ with Landlock enabled)";
  RulesetAttr attr{};
  attr.handled_access_fs = write_rights(abi);
  std::size_t size = sizeof attr.handled_access_fs;
  if (abi >= 4) {
    attr.handled_access_net = kBindTcp | kConnectTcp;  // no rule follows: every TCP bind and connect is refused
    size = offsetof(RulesetAttr, scoped);
  }
  if (abi >= 6) {
    attr.scoped = kScopeAbstractUnix | kScopeSignal;  // no abstract sockets or signals outside the child
    size = sizeof attr;
  }
  const int ruleset = static_cast<int>(syscall(kCreateRuleset, &attr, size, 0));
  if (ruleset < 0) return std::string("Landlock refused the ruleset (") + std::strerror(errno) + ")";
  // /dev/null stays writable (libraries write to it); the GPU driver's device files when the GPU is used.
  allow_file(ruleset, "/dev/null", kWriteFile);
  if (gpu) {
    const std::uint64_t device_rights = kWriteFile | (abi >= 5 ? kIoctlDev : 0);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/dev", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("nvidia", 0) == 0) allow_file(ruleset, entry.path().string(), device_rights);
    }
    if (std::filesystem::is_directory("/dev/nvidia-caps", ec))
      for (const auto& entry : std::filesystem::directory_iterator("/dev/nvidia-caps", ec))
        allow_file(ruleset, entry.path().string(), device_rights);
  }
  const long restricted = syscall(kRestrictSelf, ruleset, 0);
  const int saved = errno;
  close(ruleset);
  if (restricted != 0) return std::string("Landlock refused to restrict the process (") + std::strerror(saved) + ")";
  info.filesystem = "read-only (Landlock ABI " + std::to_string(abi) + ")" + (gpu ? "; the GPU's device files writable" : "");
  if (abi < 4) info.not_applied.push_back("TCP not refused by Landlock (ABI " + std::to_string(abi) + " < 4): seccomp refuses sockets");
  if (abi < 6) info.not_applied.push_back("abstract sockets and signals not scoped (Landlock ABI " + std::to_string(abi) + " < 6)");
  return {};
}

// ---- seccomp-bpf ---------------------------------------------------------------------------------------------
#if defined(__x86_64__)
constexpr std::uint32_t kArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr std::uint32_t kArch = AUDIT_ARCH_AARCH64;
#else
constexpr std::uint32_t kArch = 0;
#endif

constexpr std::uint32_t kErrno = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
constexpr std::uint32_t kNoSys = SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA);

/// A BPF program built instruction by instruction: "if the call is N, return R", and the argument tests.
class Filter {
 public:
  Filter() {
    load(offsetof(seccomp_data, arch));
    // Another architecture's calls (x32, i386 on x86_64) would have other numbers: refuse them all.
    jump_unless_equal(kArch, 1);
    add(BPF_STMT(BPF_JMP | BPF_JA, 1));
    ret(SECCOMP_RET_KILL_PROCESS);
    load_nr();
#if defined(__x86_64__)
    // x32 calls carry the same architecture with bit 30 set in the number: none of them matches a number below,
    // so each would pass. flopscope makes none; refuse them all.
    add(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1));
    ret(kErrno);
#endif
  }
  /// Refuse call `nr` with `result`.
  void refuse(long nr, std::uint32_t result = kErrno) {
    jump_unless_equal(static_cast<std::uint32_t>(nr), 1);
    ret(result);
  }
  /// Refuse call `nr` when (argument `arg` & `mask`) != 0 (the low 32 bits: flags).
  void refuse_if_any(long nr, int arg, std::uint32_t mask) {
    jump_unless_equal(static_cast<std::uint32_t>(nr), 4);
    load(arg_offset(arg));
    add(BPF_STMT(BPF_ALU | BPF_AND | BPF_K, mask));
    add(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0));  // no bit set: allowed, reload below
    ret(kErrno);
    load_nr();
  }
  /// mmap of a file, shared and writable: refused (anonymous shared memory stays allowed).
  void refuse_shared_writable_mapping(long nr) {
    jump_unless_equal(static_cast<std::uint32_t>(nr), 8);
    load(arg_offset(3));                                                       // flags
    add(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MAP_ANONYMOUS, 5, 0));           // anonymous: allowed
    add(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MAP_SHARED, 0, 4));  // private: allowed
    load(arg_offset(2));                                                       // prot
    add(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_WRITE, 0, 2));              // read-only: allowed
    ret(kErrno);
    add(BPF_STMT(BPF_JMP | BPF_JA, 0));
    load_nr();
  }
  /// Installs the program with everything not refused allowed; "" when applied, else why not.
  std::string install() {
    ret(SECCOMP_RET_ALLOW);
    sock_fprog prog{static_cast<unsigned short>(m_code.size()), m_code.data()};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) == 0) return {};
    return std::string("seccomp refused the filter (") + std::strerror(errno) + ")";
  }

 private:
  static std::uint32_t arg_offset(int arg) {
    return static_cast<std::uint32_t>(offsetof(seccomp_data, args) + sizeof(std::uint64_t) * arg);  // low half
  }
  void add(sock_filter f) { m_code.push_back(f); }
  void load(std::uint32_t offset) { add(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset)); }
  void load_nr() { load(offsetof(seccomp_data, nr)); }
  void ret(std::uint32_t value) { add(BPF_STMT(BPF_RET | BPF_K, value)); }
  /// Skips the next `skip` instructions unless the accumulator equals `value`.
  void jump_unless_equal(std::uint32_t value, unsigned char skip) {
    add(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, 0, skip));
  }
  std::vector<sock_filter> m_code;
};

std::string apply_seccomp(bool landlock_applied, bool gpu, SandboxInfo& info) {
  if (kArch == 0) return "seccomp filters are written for x86_64 and aarch64 only";
  Filter f;
  // Running programs, and the ways around a filter.
  f.refuse(SYS_execve);
  f.refuse(SYS_execveat);
  f.refuse(SYS_ptrace);
  f.refuse(SYS_process_vm_writev);
  f.refuse(SYS_process_vm_readv);
  f.refuse(SYS_io_uring_setup);  // io_uring's operations are not system calls: a filter would not see them
  // No network: no socket at all (the result pipe was made before).
  f.refuse(SYS_socket);
  f.refuse(SYS_socketpair);
  const bool files_by_seccomp = !landlock_applied && !gpu;
  if (files_by_seccomp) {
    // Landlock's stand-in: no opening for writing, creating, renaming, linking or removing.
    const std::uint32_t write_flags = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND;
#ifdef SYS_open
    f.refuse_if_any(SYS_open, 1, write_flags);
#endif
    f.refuse_if_any(SYS_openat, 2, write_flags);
    f.refuse(SYS_openat2, kNoSys);  // its flags are behind a pointer a filter cannot read: libc falls back to openat
#ifdef SYS_creat
    f.refuse(SYS_creat);
#endif
    for (long nr : {static_cast<long>(SYS_renameat), static_cast<long>(SYS_renameat2), static_cast<long>(SYS_unlinkat),
                    static_cast<long>(SYS_mkdirat), static_cast<long>(SYS_linkat), static_cast<long>(SYS_symlinkat),
                    static_cast<long>(SYS_mknodat), static_cast<long>(SYS_truncate), static_cast<long>(SYS_fchmodat),
                    static_cast<long>(SYS_fchownat)})
      f.refuse(nr);
#ifdef SYS_rename
    for (long nr : {static_cast<long>(SYS_rename), static_cast<long>(SYS_unlink), static_cast<long>(SYS_mkdir),
                    static_cast<long>(SYS_rmdir), static_cast<long>(SYS_link), static_cast<long>(SYS_symlink),
                    static_cast<long>(SYS_mknod), static_cast<long>(SYS_chmod), static_cast<long>(SYS_chown)})
      f.refuse(nr);
#endif
    f.refuse_shared_writable_mapping(SYS_mmap);
  }
  if (std::string why = f.install(); !why.empty()) return why;
  info.exec_refused = true;
  info.network_refused = true;
  if (files_by_seccomp) info.filesystem = "no opening for write, creating, renaming or removing (seccomp)";
  return {};
}

}  // namespace

int landlock_abi() {
  const long abi = syscall(kCreateRuleset, nullptr, 0, kRulesetVersion);
  return abi < 0 ? 0 : static_cast<int>(abi);
}

void confine_this_process(const ConfineRequest& request, SandboxInfo& info) {
  info.confined = true;
  // Without it an unprivileged process may not install a seccomp filter; it also keeps set-uid programs from
  // gaining anything.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    info.not_applied.push_back(std::string("no_new_privs refused (") + std::strerror(errno) + ")");
  const std::string landlock =
      request.landlock ? apply_landlock(landlock_abi(), request.gpu, info) : "left out on request";
  if (!landlock.empty()) info.not_applied.push_back("read-only file system: " + landlock);
  const std::string seccomp = apply_seccomp(landlock.empty(), request.gpu, info);
  if (!seccomp.empty()) info.not_applied.push_back("no exec, no sockets: " + seccomp);
  if (info.filesystem.empty()) {
    info.filesystem = "not confined";
    if (!landlock.empty() && request.gpu && seccomp.empty())
      info.not_applied.push_back("file writes: seccomp cannot stand in for Landlock when the GPU is used (the driver "
                                 "opens its devices for writing)");
  }
}

}  // namespace flopscope::sandbox
