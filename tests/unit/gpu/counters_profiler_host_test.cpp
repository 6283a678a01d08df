// CUPTI's profiler host API for a named chip, without a GPU: metrics validate, an unknown metric is named,
// and pass counts match the table measured with CUPTI 13.0 for GH100 (cupti-notes §2).
#include <gtest/gtest.h>

#ifdef FLOPSCOPE_TEST_CUPTI_HOST
#include <algorithm>

#include "flopscope/counters.h"
#include "gpu/metric_plan.h"
#include "profiler_host.h"

using namespace flopscope::gpu;
using flopscope::cuda::ConfigImage;
using flopscope::cuda::ProfilerHost;

namespace {

// CUPTI opens libnvperf_host with RTLD_DEEPBIND, which AddressSanitizer's runtime refuses by aborting the
// process (google/sanitizers#611): under ASan these tests of CUPTI's own library skip instead.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUnderAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kUnderAsan = true;
#else
constexpr bool kUnderAsan = false;
#endif
#else
constexpr bool kUnderAsan = false;
#endif

// nullptr when CUPTI cannot be loaded here: the tests then skip with the reason.
ProfilerHost* gh100_host(std::string& why) {
  static std::unique_ptr<ProfilerHost> host;
  static std::string reason;
  if (kUnderAsan && reason.empty())
    reason = "under AddressSanitizer: CUPTI loads libnvperf_host with RTLD_DEEPBIND, which ASan cannot run";
  if (!host && reason.empty()) {
    try {
      host = std::make_unique<ProfilerHost>("GH100");
    } catch (const CounterUnavailable& e) {
      reason = e.what();
    }
  }
  why = reason;
  return host.get();
}

#define GH100_OR_SKIP(h)            \
  std::string why_;                 \
  ProfilerHost* h = gh100_host(why_);    \
  if (h == nullptr) GTEST_SKIP() << why_

std::vector<std::string> cat(std::initializer_list<std::vector<std::string>> parts) {
  std::vector<std::string> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const std::vector<std::string> kDramTime = {"dram__bytes_read.sum", "dram__bytes_write.sum", "gpu__time_duration.sum"};
const std::string kBf16 = "sm__ops_path_tensor_src_bf16_dst_fp32.sum";
const std::string kFp16 = "sm__ops_path_tensor_src_fp16.sum";

}  // namespace

TEST(ProfilerHostGH100, KnowsTheChipAndItsMetrics) {
  GH100_OR_SKIP(h);
  auto chips = ProfilerHost::supported_chips();
  EXPECT_NE(std::find(chips.begin(), chips.end(), "GH100"), chips.end());
  EXPECT_TRUE(h->has_metric(kBf16));
  EXPECT_TRUE(h->has_metric("dram__bytes_read.sum"));
  // GH100 has only the fp16 aggregate, not the per-accumulator split (cupti-notes §3).
  EXPECT_TRUE(h->has_metric(kFp16));
  EXPECT_FALSE(h->has_metric("sm__ops_path_tensor_src_fp16_dst_fp32.sum"));
}

TEST(ProfilerHostGH100, PassCountsMatchTheMeasuredTable) {
  GH100_OR_SKIP(h);
  EXPECT_EQ(h->configure(sass_flop_metrics()).passes, 1u);                      // the 9 SASS counters
  EXPECT_EQ(h->configure(kDramTime).passes, 1u);                                // DRAM bytes + duration
  EXPECT_EQ(h->configure({kBf16}).passes, 1u);
  EXPECT_EQ(h->configure({kFp16}).passes, 2u);
  EXPECT_EQ(h->configure({kBf16, kFp16}).passes, 3u);
  EXPECT_EQ(h->configure(cat({{kBf16}, kDramTime, sass_flop_metrics()})).passes, 2u);
  EXPECT_EQ(h->configure(cat({{kBf16}, kDramTime})).passes, 1u);  // configuration 1 stays replay-free
}

TEST(ProfilerHostGH100, PlansForEveryDtypeValidate) {
  GH100_OR_SKIP(h);
  MetricPlan plan = plan_metrics(tensor_dtype_names(), [&](const std::string& m) { return h->has_metric(m); });
  EXPECT_TRUE(plan.notes.empty()) << plan.notes.front();
  ASSERT_EQ(plan.configs().size(), 2u);
  ConfigImage first = h->configure(plan.configs()[0]);
  EXPECT_EQ(first.passes, 1u);
  EXPECT_FALSE(first.image.empty());
  EXPECT_GE(h->configure(plan.configs()[1]).passes, 1u);
}

// The metrics that settle FLOPs per tensor op exist on GH100 and keep configuration 1 a single pass.
TEST(ProfilerHostGH100, TensorFactorMetricsFitTheFirstPass) {
  GH100_OR_SKIP(h);
  MetricPlan plan = plan_metrics({"bf16"}, [&](const std::string& m) { return h->has_metric(m); });
  ASSERT_EQ(plan.factor_metrics.size(), 2u);
  EXPECT_EQ(plan.factor_metrics[0], "sm__ops_path_tensor_src_bf16_dst_fp32.sum.peak_sustained");
  std::vector<std::string> first = plan.single_pass;
  first.insert(first.end(), plan.factor_metrics.begin(), plan.factor_metrics.end());
  ConfigImage config = h->configure(first);
  EXPECT_EQ(config.passes, 1u);
  EXPECT_TRUE(config.host_object != nullptr);  // the object ranges are evaluated with
}

TEST(ProfilerHostGH100, UnknownMetricsAreNamed) {
  GH100_OR_SKIP(h);
  try {
    h->configure({kBf16, "sm__ops_path_tensor_src_fp16_dst_fp32.sum"});
    FAIL() << "GH100 has no fp16_dst_fp32 aggregate";
  } catch (const CounterUnavailable& e) {
    EXPECT_STREQ(e.what(), "metric sm__ops_path_tensor_src_fp16_dst_fp32.sum does not exist on GH100");
  }
  try {
    h->configure({"dram__bytes_read.no_such_rollup"});
    FAIL() << "bad rollup accepted";
  } catch (const CounterUnavailable& e) {
    EXPECT_NE(std::string(e.what()).find("metric dram__bytes_read.no_such_rollup is not valid on GH100"),
              std::string::npos) << e.what();
  }
}

TEST(ProfilerHost, UnknownChipIsAClearError) {
  std::string why;
  if (gh100_host(why) == nullptr) GTEST_SKIP() << why;
  try {
    ProfilerHost bogus("XY999");
    FAIL() << "accepted a made-up chip";
  } catch (const CounterUnavailable& e) {
    EXPECT_NE(std::string(e.what()).find("does not accept chip 'XY999'"), std::string::npos) << e.what();
  }
}

#else
TEST(ProfilerHost, NotBuilt) { GTEST_SKIP() << "built without the CUDA toolkit: no CUPTI profiler host"; }
#endif
