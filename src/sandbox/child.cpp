// The confined child and the parent that waits for it: see flopscope/confined_run.h.
#include "flopscope/confined_run.h"

#include "sandbox/memory_limit.h"
#include "sandbox/confine.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <exception>
#include <string>

namespace flopscope::sandbox {
namespace {

// Messages are [type: 1 byte][length: 8 bytes, little endian][payload]. An output's payload starts with its
// slot (4 bytes); the final message's with the exit status (4 bytes), then the error line.
enum Type : char { kPhase = 'P', kOutput = 'O', kNote = 'N', kFinal = 'X' };

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(2);  // the parent is gone: nobody is left to tell
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void send(int fd, Type type, const std::string& payload) {
  std::string head(1, type);
  const std::uint64_t n = payload.size();
  for (int i = 0; i < 8; ++i) head.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  write_all(fd, head.data(), head.size());
  write_all(fd, payload.data(), payload.size());
}

// The child being waited for, for the parent's signal handlers: a parent told to stop takes the child with it.
volatile sig_atomic_t g_child = 0;

extern "C" void stop_child_and_die(int sig) {
  if (g_child > 0) kill(static_cast<pid_t>(g_child), SIGKILL);
  signal(sig, SIG_DFL);
  raise(sig);
}

struct ParentSignals {
  static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  struct sigaction previous[4] = {};
  ParentSignals() {
    struct sigaction sa {};
    sa.sa_handler = stop_child_and_die;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 4; ++i) sigaction(kSignals[i], &sa, &previous[i]);
  }
  ~ParentSignals() {
    for (int i = 0; i < 4; ++i) sigaction(kSignals[i], &previous[i], nullptr);
  }
};

[[noreturn]] void run_child(int fd, pid_t parent, const ChildLimits& limits, const ChildWork& work) {
  // Die with the parent, even if it was killed before this line ran.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(2);
  // Nothing the model does reaches the user's terminal; only the pipe leads out.
  const int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0)
    for (int std_fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) dup2(null, std_fd);
  if (fd != 3) {
    dup2(fd, 3);
    fd = 3;
  }
  syscall(SYS_close_range, 4u, ~0u, 0u);  // the parent's output files, the model's nothing
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);  // a crash leaves no core file behind
  SandboxInfo info;
#if defined(__SANITIZE_ADDRESS__)
  constexpr bool kSanitized = true;  // its shadow memory is one huge private mapping: any data limit is already hit
#else
  constexpr bool kSanitized = false;
#endif
  info.memory_limit = "none";
  if (limits.memory_limit_bytes > 0 && kSanitized) {
    info.memory_limit = "none (an AddressSanitizer build)";  // stated in the report: a test build, not a user's
  } else if (limits.memory_limit_bytes > 0) {
    rlimit data{limits.memory_limit_bytes, limits.memory_limit_bytes};
    if (setrlimit(RLIMIT_DATA, &data) == 0) {
      info.memory_limit_bytes = limits.memory_limit_bytes;
      info.memory_limit = limits.memory_limit_text;
    } else {
      info.not_applied.push_back(std::string("memory limit: ") + std::strerror(errno));
    }
  }
  info.load_timeout_s = limits.load_timeout_s;
  info.timeout_s = limits.timeout_s;
  confine_this_process(limits.confine, info);
  ChildChannel channel(fd);
  std::string error;
  int status = 2;
  try {
    status = work(channel, info, error);
  } catch (const std::exception& e) {
    error = e.what();
    error = error.substr(0, error.find('\n'));
  } catch (...) {
    error = "the analysis failed without a reason";
  }
  std::string final_message;
  put_u32(final_message, static_cast<std::uint32_t>(status));
  final_message += status == 0 ? std::string() : error;
  send(fd, kFinal, final_message);
  _exit(status == 0 ? 0 : 2);  // no static destructors: LibTorch's may run into the confinement
}

std::string signal_name(int sig) {
  const char* name = sigabbrev_np(sig);
  return name ? std::string("SIG") + name : "signal " + std::to_string(sig);
}

}  // namespace

std::uint64_t free_memory_bytes() {
  const double bytes = sandbox::memory_room().bytes;
  return bytes > 0 ? static_cast<std::uint64_t>(bytes) : 0;
}

void ChildChannel::phase(const std::string& what) { send(m_fd, kPhase, what); }

void ChildChannel::output(int slot, const std::string& bytes) {
  std::string payload;
  put_u32(payload, static_cast<std::uint32_t>(slot));
  send(m_fd, kOutput, payload + bytes);
}

void ChildChannel::note(const std::string& line) { send(m_fd, kNote, line); }

ChildResult run_confined(const ChildLimits& limits, const ChildWork& work,
                         const std::function<void(const std::string&)>& on_phase) {
  ChildResult result;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    result.error = std::string("cannot start the confined analysis: ") + std::strerror(errno);
    return result;
  }
  std::fflush(nullptr);
  const pid_t parent = getpid();
  ParentSignals signals;
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    result.error = std::string("cannot start the confined analysis: ") + std::strerror(errno);
    return result;
  }
  if (pid == 0) {
    close(fds[0]);
    run_child(fds[1], parent, limits, work);
  }
  g_child = pid;
  close(fds[1]);

  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  auto load_start = start;
  std::string phase = "starting", buffer, chunk(1 << 16, '\0');
  bool final_seen = false, timed_out = false;
  std::string limit_hit;
  for (;;) {
    // The nearest deadline: the whole run's, and the load's while loading.
    double wait_s = -1;
    auto remaining = [&](double limit, clock::time_point from) {
      return limit - std::chrono::duration<double>(clock::now() - from).count();
    };
    if (limits.timeout_s > 0) wait_s = remaining(limits.timeout_s, start);
    if (limits.load_timeout_s > 0 && phase == "loading") {
      const double w = remaining(limits.load_timeout_s, load_start);
      if (wait_s < 0 || w < wait_s) wait_s = w;
    }
    if (wait_s != -1 && wait_s <= 0) {
      timed_out = true;
      const bool loading = phase == "loading" && limits.load_timeout_s > 0 &&
                           remaining(limits.load_timeout_s, load_start) <= 0;
      limit_hit = loading ? "loading the model took longer than --load-timeout " + std::to_string(static_cast<long>(limits.load_timeout_s)) + " s"
                          : "the analysis took longer than --timeout " + std::to_string(static_cast<long>(limits.timeout_s)) + " s, while " + phase;
      kill(pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = poll(&p, 1, wait_s < 0 ? -1 : static_cast<int>(wait_s * 1000) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;  // a deadline passed: checked above
    const ssize_t n = read(fds[0], chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the child is done, or gone
    buffer.append(chunk.data(), static_cast<std::size_t>(n));
    // Every complete message in the buffer.
    std::size_t at = 0;
    while (buffer.size() - at >= 9) {
      std::uint64_t len = 0;
      for (int i = 0; i < 8; ++i) len |= static_cast<std::uint64_t>(static_cast<unsigned char>(buffer[at + 1 + i])) << (8 * i);
      if (buffer.size() - at - 9 < len) break;
      const char type = buffer[at];
      std::string payload = buffer.substr(at + 9, len);
      at += 9 + len;
      if (type == kPhase) {
        phase = payload;
        if (phase == "loading") load_start = clock::now();
        if (on_phase) on_phase(phase);
      } else if (type == kOutput && payload.size() >= 4) {
        result.outputs[static_cast<int>(get_u32(payload.data()))] = payload.substr(4);
      } else if (type == kNote) {
        result.notes.push_back(payload);
      } else if (type == kFinal && payload.size() >= 4) {
        result.status = static_cast<int>(get_u32(payload.data()));
        result.error = payload.substr(4);
        final_seen = true;
      }
    }
    buffer.erase(0, at);
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_child = 0;
  if (timed_out) {
    result.status = 2;
    result.error = limit_hit;
  } else if (!final_seen) {
    result.status = 2;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      result.error = "the analysis process was killed while " + phase + " (SIGKILL: out of memory, or killed from outside)";
    else if (WIFSIGNALED(status) && phase == "loading")
      result.error = "the model file is a corrupt archive: LibTorch crashed reading it (" + signal_name(WTERMSIG(status)) + ")";
    else if (WIFSIGNALED(status))
      result.error = "the model crashed the analysis while " + phase + " (" + signal_name(WTERMSIG(status)) + ")";
    else if (phase == "loading")  // a sanitizer or abort() turns a crash into an exit status
      result.error = "the model file is a corrupt archive: LibTorch crashed reading it (exit status " +
                     std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")";
    else
      result.error = "the analysis process ended unexpectedly while " + phase + " (exit status " +
                     std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")";
  }
  return result;
}

}  // namespace flopscope::sandbox
