// The probe's child is disposable (src/model/probe_child.h): a handler the host process installed for a deadly
// signal does not run in it, the signal ends it (which the parent reads as LibTorch's crash), and it leaves no core.
#include "model/probe_child.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace {

int g_said = -1;  // the pipe the forked child tells the test on

// A host's crash handler as libFuzzer's or a crash reporter's: it records the crash and exits normally, so a
// child that ran it would look like a clean load to the probe and leave a crash file behind.
extern "C" void host_crash_handler(int) {
  const char mark = 'H';
  (void)!write(g_said, &mark, 1);
  _exit(0);
}

}  // namespace

TEST(ProbeChild, DeadlySignalsSkipTheHostsHandlerAndLeaveNoCore) {
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      g_said = fds[1];
      struct sigaction host {};
      host.sa_handler = host_crash_handler;
      sigemptyset(&host.sa_mask);
      sigaction(sig, &host, nullptr);
      rlimit core{RLIM_INFINITY, RLIM_INFINITY};  // a host that allows core files (where this process may)
      setrlimit(RLIMIT_CORE, &core);
      flopscope::prepare_probe_child();
      getrlimit(RLIMIT_CORE, &core);
      const char limit = core.rlim_cur == 0 && core.rlim_max == 0 ? '0' : 'C';  // '0': no core file can be written
      (void)!write(g_said, &limit, 1);
      raise(sig);
      _exit(0);  // not reached: the signal's default action ends the child
    }
    close(fds[1]);
    std::string said;
    char c = 0;
    while (read(fds[0], &c, 1) == 1) said += c;
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig)
        << strsignal(sig) << ": the child " << (WIFEXITED(status) ? "exited " + std::to_string(WEXITSTATUS(status))
                                                                  : "died of " + std::string(strsignal(WTERMSIG(status))));
    EXPECT_EQ(said, "0") << strsignal(sig) << ": 'C' = a core limit left, 'H' = the host's handler ran";
  }
}
