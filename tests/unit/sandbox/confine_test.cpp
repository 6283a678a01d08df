// Confinement, tried from inside: a forked child confines itself and attempts what a hostile model would. Each
// attempt's outcome comes back as its exit status; the parent checks that nothing appeared on disk.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "flopscope/confined_run.h"
#include "sandbox/confine.h"

namespace flopscope {
namespace {

namespace fs = std::filesystem;

/// Runs `attempt` in a confined child; its result (0: refused as it should be, 1: it succeeded) is the exit status.
int in_confined_child(const sandbox::ConfineRequest& request, const std::function<bool()>& refused) {
  const pid_t pid = fork();
  if (pid == 0) {
    SandboxInfo info;
    sandbox::confine_this_process(request, info);
    _exit(refused() ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("flopscope_confine_" + std::to_string(getpid()));
  Scratch() {
    fs::create_directories(dir);
    std::ofstream(dir / "existing.bin") << "unchanged";
  }
  ~Scratch() { fs::remove_all(dir); }
  std::string read(const std::string& name) const {
    std::ifstream in(dir / name);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

void expect_writes_refused(const sandbox::ConfineRequest& request) {
  Scratch s;
  const std::string created = (s.dir / "created.txt").string(), existing = (s.dir / "existing.bin").string();
  EXPECT_EQ(in_confined_child(request, [&] { return open(created.c_str(), O_WRONLY | O_CREAT, 0644) < 0; }), 0);
  EXPECT_EQ(in_confined_child(request, [&] { return open(existing.c_str(), O_RDWR) < 0; }), 0);
  EXPECT_EQ(in_confined_child(request, [&] { return open(existing.c_str(), O_WRONLY | O_TRUNC) < 0; }), 0);
  EXPECT_EQ(in_confined_child(request, [&] { return unlink(existing.c_str()) != 0; }), 0);
  EXPECT_EQ(in_confined_child(request, [&] { return rename(existing.c_str(), created.c_str()) != 0; }), 0);
  EXPECT_EQ(in_confined_child(request, [&] { return mkdir((s.dir / "d").c_str(), 0755) != 0; }), 0);
  // Reading stays allowed: the model file and LibTorch's libraries must load.
  EXPECT_EQ(in_confined_child(request, [&] { return open(existing.c_str(), O_RDONLY) < 0; }), 1);
  EXPECT_FALSE(fs::exists(created));
  EXPECT_EQ(s.read("existing.bin"), "unchanged");
}

TEST(Confine, LandlockMakesTheFileSystemReadOnly) {
  if (sandbox::landlock_abi() == 0) GTEST_SKIP() << "no Landlock on this kernel";
  expect_writes_refused({});
}

TEST(Confine, SeccompStandsInWithoutLandlock) {
  sandbox::ConfineRequest request;
  request.landlock = false;
  expect_writes_refused(request);
  Scratch s;
  // A shared writable mapping of a file opened for reading is refused by the filter, and anonymous shared
  // memory is not.
  const std::string existing = (s.dir / "existing.bin").string();
  EXPECT_EQ(in_confined_child(request,
                              [&] {
                                const int fd = open(existing.c_str(), O_RDONLY);
                                return mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED;
                              }),
            0);
  EXPECT_EQ(in_confined_child(request,
                              [&] {
                                return mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0) ==
                                       MAP_FAILED;
                              }),
            1);
}

TEST(Confine, NoProgramsNoSockets) {
  EXPECT_EQ(in_confined_child({}, [] { return socket(AF_INET, SOCK_STREAM, 0) < 0 && errno == EPERM; }), 0);
  EXPECT_EQ(in_confined_child({}, [] { return socket(AF_UNIX, SOCK_STREAM, 0) < 0; }), 0);
  EXPECT_EQ(in_confined_child({},
                              [] {
                                char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
                                execv("/bin/true", argv);
                                return errno == EPERM;
                              }),
            0);
}

#if defined(__x86_64__)
// x32 system calls share x86_64's architecture value: the filter refuses them all rather than let one through.
TEST(Confine, NoX32Calls) {
  EXPECT_EQ(in_confined_child({}, [] { return syscall(0x40000000L | SYS_getpid) == -1 && errno == EPERM; }), 0);
}
#endif

TEST(Confine, SaysWhatApplied) {
  const pid_t pid = fork();
  if (pid == 0) {
    SandboxInfo info;
    sandbox::confine_this_process({}, info);
    const bool landlock = sandbox::landlock_abi() > 0;
    const bool ok = info.confined && info.exec_refused && info.network_refused &&
                    (landlock ? info.filesystem.rfind("read-only (Landlock ABI ", 0) == 0
                              : info.filesystem.find("seccomp") != std::string::npos);
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace flopscope
