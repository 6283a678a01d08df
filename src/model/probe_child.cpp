// Loading an archive once in a disposable child: see probe_child.h.
#include "model/probe_child.h"

#include <torch/csrc/jit/serialization/import.h>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "flopscope/errors.h"

namespace flopscope {

void prepare_probe_child() {
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // no orphan if flopscope is stopped while a load hangs
  const int null = open("/dev/null", O_WRONLY);
  if (null >= 0) {
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
  }
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) sigaction(sig, &default_action, nullptr);
}

void probe_in_child(const std::string& path) {
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) return;  // cannot fork: load directly, as without the probe
  if (pid == 0) {
    prepare_probe_child();
    try {
      (void)torch::jit::load(path, c10::nullopt, kLoadDebugFiles);
    } catch (...) {
    }
    _exit(0);  // errors are reported by the parent's own load
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // The child always exits 0; anything else is a crash (a signal, or a sanitizer's or abort's exit status).
  if (WIFSIGNALED(status))
    throw InvalidInput("'" + path + "' is a corrupt archive: LibTorch crashed reading it (" +
                       strsignal(WTERMSIG(status)) + ")");
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
    throw InvalidInput("'" + path + "' is a corrupt archive: LibTorch crashed reading it (exit status " +
                       std::to_string(WEXITSTATUS(status)) + ")");
}

}  // namespace flopscope
