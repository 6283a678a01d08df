// Joining device records to ops: correlation id -> external id -> (forward, op) -> owner op -> module.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "gpu/join.h"
#include "gpu/statistics.h"
#include "support/gpu_fixture.h"

namespace {

using namespace flopscope;
using namespace flopscope::gpu;

std::unordered_set<std::string> formulas() { return {"aten::linear", "aten::addmm", "aten::_convolution"}; }

TEST(GpuJoin, OwnerIsTheOutermostOpWithAFormulaElseTheTopLevelOp) {
  const auto t = gpu_fixture::trace();
  // linear owns itself, aten::t and its addmm; relu, conv2d, convolution and view have no formula above
  // them and own themselves (top level) or fall to their top-level op; _convolution owns cudnn_convolution.
  const std::vector<std::int32_t> expected = {0, 0, 0, 3, 4, 4, 6, 6, 8, 9};
  EXPECT_EQ(owner_ops(t, formulas()), expected);
}

TEST(GpuJoin, WithoutTheOuterFormulaTheInnerOpOwnsItsKernels) {
  const auto t = gpu_fixture::trace();
  // With linear lacking a formula, addmm (op 2) is the outermost op that has one.
  const std::vector<std::int32_t> expected = {0, 0, 2, 3, 4, 4, 6, 6, 8, 9};
  EXPECT_EQ(owner_ops(t, {"aten::addmm", "aten::_convolution"}), expected);
}

TEST(GpuJoin, AnIgnoredOpHidesTheFormulasBelowIt) {
  Trace t;
  t.ops = {gpu_fixture::op("aten::dropout", -1, "drop"), gpu_fixture::op("aten::addmm", 0, "drop")};
  EXPECT_EQ(owner_ops(t, formulas(), {"aten::dropout"}), (std::vector<std::int32_t>{0, 0}));
  EXPECT_EQ(owner_ops(t, formulas()), (std::vector<std::int32_t>{0, 1}));
}

TEST(GpuJoin, MalformedParentsAreReadAsTopLevel) {
  Trace t;
  t.ops = {gpu_fixture::op("aten::relu", 5, "a"), gpu_fixture::op("aten::addmm", 1, "b"),
           gpu_fixture::op("aten::t", -7, "c")};
  EXPECT_EQ(owner_ops(t, formulas()), (std::vector<std::int32_t>{0, 1, 2}));
}

TEST(GpuJoin, KernelsGoToTheirOwnerOpsModules) {
  const auto t = gpu_fixture::trace();
  const auto rec = gpu_fixture::recording();
  const auto owners = owner_ops(t, formulas());
  const auto a = attribute_activity(rec.activity, t, owners, rec.forwards.size());
  ASSERT_EQ(a.kernels.size(), rec.activity.kernels.size());
  // Forward 0's kernels in the fixture's order: linear, driver conv, runtime conv, relu, head, mystery.
  const std::int32_t launchers[] = {2, 7, 7, 3, 9, -1};
  const std::int32_t owner_of[] = {0, 6, 6, 3, 9, -1};
  const char* modules[] = {"fc1", "block.conv", "block.conv", "act", "head", nullptr};
  for (int k = 0; k < 6; ++k) {
    SCOPED_TRACE(k);
    EXPECT_EQ(a.kernels[k].launcher, launchers[k]);
    EXPECT_EQ(a.kernels[k].owner, owner_of[k]);
    const std::string* m = module_of(a.kernels[k], t);
    if (modules[k] == nullptr) {
      EXPECT_FALSE(a.kernels[k].attributed);
      EXPECT_EQ(m, nullptr);
    } else {
      ASSERT_NE(m, nullptr);
      EXPECT_EQ(*m, modules[k]);
      EXPECT_EQ(a.kernels[k].forward, 0u);
    }
  }
  // Forward 1 (no mystery kernel) starts at index 6 and names forward 1.
  EXPECT_EQ(a.kernels[6].forward, 1u);
  EXPECT_EQ(a.kernels[6].owner, 0);
  EXPECT_EQ(a.kernels[11].forward, 2u);
  // Two mystery kernels (forwards 0 and 2) have no external id.
  EXPECT_EQ(a.unattributed_kernels, 2u);
  EXPECT_EQ(a.bad_external_ids, 0u);
  // Memory: memset under linear, memcpy under head, in forward 0.
  ASSERT_EQ(a.memory.size(), 4u);
  EXPECT_EQ(a.memory[0].owner, 0);
  EXPECT_EQ(a.memory[1].owner, 9);
  EXPECT_EQ(a.unattributed_memory, 0u);
}

TEST(GpuJoin, OpsThatLaunchNothingGetNothing) {
  const auto t = gpu_fixture::trace();
  const auto rec = gpu_fixture::recording();
  const auto a = attribute_activity(rec.activity, t, owner_ops(t, formulas()), rec.forwards.size());
  for (const auto& k : a.kernels) {
    EXPECT_NE(k.launcher, 8);  // aten::view
    EXPECT_NE(k.launcher, 1);  // aten::t
  }
}

TEST(GpuJoin, BadExternalIdsAreUnattributedNotFatal) {
  const auto t = gpu_fixture::trace();
  ActivityLog log;
  log.kernels = {gpu_fixture::kernel("a", 1, 0, 10), gpu_fixture::kernel("b", 2, 0, 10),
                 gpu_fixture::kernel("c", 3, 0, 10), gpu_fixture::kernel("d", 4, 0, 10)};
  log.external = {{1, external_id(0, 10)},  // op 10: one past the trace's 10 ops
                  {2, external_id(3, 0)},   // forward 3 of 3 recorded
                  {3, 0},                   // never pushed
                  {4, external_id(2, 9)}};  // fine: forward 2, op 9
  const auto a = attribute_activity(log, t, owner_ops(t, formulas()), 3);
  EXPECT_FALSE(a.kernels[0].attributed);
  EXPECT_FALSE(a.kernels[1].attributed);
  EXPECT_FALSE(a.kernels[2].attributed);
  EXPECT_TRUE(a.kernels[3].attributed);
  EXPECT_EQ(a.kernels[3].forward, 2u);
  EXPECT_EQ(a.bad_external_ids, 3u);
  EXPECT_EQ(a.unattributed_kernels, 3u);
  // Owners shorter than the trace (a caller's mistake) are checked too.
  const auto b = attribute_activity(log, t, {0, 0}, 3);
  EXPECT_FALSE(b.kernels[3].attributed);
}

TEST(GpuJoin, ExternalIdRoundTrip) {
  EXPECT_EQ(forward_of(external_id(0, 0)), 0u);
  EXPECT_EQ(op_of(external_id(0, 0)), 0u);
  EXPECT_NE(external_id(0, 0), 0u);
  EXPECT_EQ(forward_of(external_id(7, 123456)), 7u);
  EXPECT_EQ(op_of(external_id(7, 123456)), 123456u);
}

TEST(GpuJoin, BufferOrderDoesNotMatter) {
  const auto t = gpu_fixture::trace();
  const auto rec = gpu_fixture::recording();
  const auto owners = owner_ops(t, formulas());
  auto key = [&](const ActivityLog& log, const Attribution& a) {
    std::map<std::uint32_t, std::tuple<bool, std::uint32_t, std::int32_t, std::int32_t>> out;
    for (std::size_t i = 0; i < log.kernels.size(); ++i)
      out[log.kernels[i].correlation] = {a.kernels[i].attributed, a.kernels[i].forward, a.kernels[i].launcher,
                                         a.kernels[i].owner};
    return out;
  };
  const auto expected = key(rec.activity, attribute_activity(rec.activity, t, owners, 3));
  std::mt19937 rng(12345);
  for (int round = 0; round < 5; ++round) {
    ActivityLog log = rec.activity;
    std::shuffle(log.kernels.begin(), log.kernels.end(), rng);
    std::shuffle(log.external.begin(), log.external.end(), rng);
    std::shuffle(log.memory.begin(), log.memory.end(), rng);
    EXPECT_EQ(key(log, attribute_activity(log, t, owners, 3)), expected);
  }
}

TEST(GpuJoin, ConflictingExternalIdsResolveTheSameWayInAnyOrder) {
  const auto t = gpu_fixture::trace();
  ActivityLog log;
  log.kernels = {gpu_fixture::kernel("k", 5, 0, 10)};
  log.external = {{5, external_id(0, 0)}, {5, external_id(0, 2)}};
  const auto owners = owner_ops(t, {"aten::addmm"});
  const auto a = attribute_activity(log, t, owners, 1);
  std::reverse(log.external.begin(), log.external.end());
  const auto b = attribute_activity(log, t, owners, 1);
  EXPECT_EQ(a.kernels[0].launcher, 2);  // the larger id: the nested op
  EXPECT_EQ(b.kernels[0].launcher, 2);
}

}  // namespace
