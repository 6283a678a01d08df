// The memory an analysis may take: the least of free memory, each cgroup level's limit minus its usage (v1 and
// v2, containers whose /proc/self/cgroup names a host path) and RLIMIT_AS minus the address space in use. Read
// from fake /proc and /sys trees.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "sandbox/memory_limit.h"

namespace flopscope {
namespace {

constexpr double kKiB = 1024, kGiB = 1024.0 * 1024 * 1024;

class FakeRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    root = std::filesystem::temp_directory_path() /
           ("flopscope-memroom-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root);
    write("proc/meminfo", "MemTotal:       33554432 kB\nMemAvailable:   16777216 kB\nBuffers: 1 kB\n");  // 16 GiB free
    write("proc/self/status", "Name:\tflopscope\nVmSize:\t 1048576 kB\nVmRSS:\t 1000 kB\n");               // 1 GiB mapped
  }
  void TearDown() override { std::filesystem::remove_all(root); }
  void write(const std::string& rel, const std::string& text) {
    const auto path = root / rel;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  // No RLIMIT_AS unless given (the test process's own is never read).
  sandbox::MemoryRoom room(double rlimit = std::numeric_limits<double>::infinity()) {
    return sandbox::memory_room(root.string(), rlimit);
  }
  std::filesystem::path root;
};

TEST_F(FakeRoot, FreeMemoryAlone) {
  const auto r = room();
  EXPECT_DOUBLE_EQ(r.bytes, 16 * kGiB);
  EXPECT_EQ(r.source, "free memory");
}

TEST_F(FakeRoot, CgroupV2LimitMinusUsageAtTheTightestLevel) {
  write("proc/self/cgroup", "0::/ci/job\n");
  write("sys/fs/cgroup/ci/job/memory.max", "max\n");                   // no limit of its own
  write("sys/fs/cgroup/ci/job/memory.current", "100\n");
  write("sys/fs/cgroup/ci/memory.max", "4294967296\n");                // 4 GiB
  write("sys/fs/cgroup/ci/memory.current", "1073741824\n");             // 1 GiB used
  const auto r = room();
  EXPECT_DOUBLE_EQ(r.bytes, 4 * kGiB - 1 * kGiB);
  EXPECT_EQ(r.source, "the cgroup's limit (memory.max of /ci)");
}

TEST_F(FakeRoot, CgroupV1MemoryController) {
  write("proc/self/cgroup", "5:devices:/\n4:memory:/process_api/abc\n0::/\n");
  write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");  // v1's "no limit"
  write("sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes", "2147483648\n");  // 2 GiB
  write("sys/fs/cgroup/memory/process_api/abc/memory.usage_in_bytes", "536870912\n");   // 0.5 GiB used
  const auto r = room();
  EXPECT_DOUBLE_EQ(r.bytes, 2 * kGiB - 0.5 * kGiB);
  EXPECT_EQ(r.source, "the cgroup's limit (memory.limit_in_bytes of /process_api/abc)");
}

TEST_F(FakeRoot, ContainerSeesItsCgroupAsTheMountsRoot) {
  // /proc/self/cgroup names the host's path, which the container's mount does not have.
  write("proc/self/cgroup", "0::/system.slice/docker-1234.scope\n");
  write("sys/fs/cgroup/memory.max", "2147483648\n");
  write("sys/fs/cgroup/memory.current", "0\n");
  EXPECT_DOUBLE_EQ(room().bytes, 2 * kGiB);
}

TEST_F(FakeRoot, UsageOverTheLimitLeavesNothing) {
  write("proc/self/cgroup", "0::/\n");
  write("sys/fs/cgroup/memory.max", "1000\n");
  write("sys/fs/cgroup/memory.current", "4096\n");
  EXPECT_DOUBLE_EQ(room().bytes, 0);
}

TEST_F(FakeRoot, AddressSpaceLimitMinusWhatIsMapped) {
  const auto r = room(3 * kGiB);  // ulimit -v 3145728
  EXPECT_DOUBLE_EQ(r.bytes, 3 * kGiB - 1048576 * kKiB);
  EXPECT_EQ(r.source, "RLIMIT_AS (ulimit -v)");
}

TEST_F(FakeRoot, NothingReadableMeansUnknown) {
  std::filesystem::remove_all(root / "proc");
  EXPECT_DOUBLE_EQ(room().bytes, 0);
}

TEST(Gib, OneDecimal) { EXPECT_EQ(sandbox::gib(1.5 * kGiB), "1.5 GiB"); }

}  // namespace
}  // namespace flopscope
