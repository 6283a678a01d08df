// Every reason the counter pass gives for not running (issue #6 item 5), from CUPTI result codes.
#include <gtest/gtest.h>

#include "gpu/cupti_reasons.h"

using namespace flopscope::gpu;

TEST(CounterErrors, PrivilegesSayWhatToDo) {
  std::string r = counter_error_reason(35, "cuptiProfilerGetCounterAvailability", true);
  EXPECT_NE(r.find("restricts profiling to admin users (NVreg_RestrictProfilingToAdminUsers=1"), std::string::npos) << r;
  EXPECT_NE(r.find("RmProfilingAdminOnly: 1"), std::string::npos) << r;
  EXPECT_NE(r.find("run as root / CAP_PERFMON or set the option to 0"), std::string::npos) << r;
  EXPECT_NE(r.find("CUPTI_ERROR_INSUFFICIENT_PRIVILEGES (35) from cuptiProfilerGetCounterAvailability"),
            std::string::npos) << r;
  EXPECT_EQ(r.find('\n'), std::string::npos);
}

TEST(CounterErrors, EachEnvironmentHasItsReason) {
  EXPECT_NE(counter_error_reason(26, "cuptiRangeProfilerStart").find("another profiler holds the counters (DCGM, ncu, nsys"),
            std::string::npos);
  EXPECT_NE(counter_error_reason(15, "cuptiProfilerInitialize").find("sandboxed driver"), std::string::npos);
  EXPECT_NE(counter_error_reason(15, "cuptiProfilerInitialize").find("libnvperf"), std::string::npos);
  EXPECT_NE(counter_error_reason(43, "cuptiRangeProfilerEnable").find("MIG"), std::string::npos);
  EXPECT_NE(counter_error_reason(33, "cuptiProfilerInitialize").find("vGPU"), std::string::npos);
  EXPECT_NE(counter_error_reason(39, "cuptiSubscribe").find("another CUPTI client"), std::string::npos);
  EXPECT_NE(counter_error_reason(1, "cuptiProfilerHostConfigAddMetrics").find("metric does not exist"),
            std::string::npos);
  EXPECT_NE(counter_error_reason(46, "cuptiProfilerHostInitialize").find("does not support"), std::string::npos);
  EXPECT_NE(counter_error_reason(12345, "x").find("CUPTI error (12345) from x"), std::string::npos);
}

TEST(CounterErrors, DriverParamsFile) {
  EXPECT_EQ(parse_profiling_admin_only("ResmanDebugLevel: 4294967295\nRmProfilingAdminOnly: 1\nEnableMSI: 1\n"),
            std::optional<bool>(true));
  EXPECT_EQ(parse_profiling_admin_only("RmProfilingAdminOnly: 0\n"), std::optional<bool>(false));
  EXPECT_EQ(parse_profiling_admin_only("EnableMSI: 1\n"), std::nullopt);
  EXPECT_EQ(parse_profiling_admin_only("RmProfilingAdminOnly: x\n"), std::nullopt);
}

#include "gpu/cuda_backend.h"

TEST(CounterPass, WithoutADeviceItSaysWhyAndNeverRunsTheForward) {
  flopscope::CudaStatus none;
  none.reason = "no CUDA driver (libcuda.so.1 cannot be loaded)";
  bool ran = false;
  CounterReport r = flopscope::cuda::run_range_profiler(none, [&](const std::function<void()>&) { ran = true; }, {});
  EXPECT_FALSE(r.ran);
  EXPECT_FALSE(ran);
  EXPECT_TRUE(r.kernels.empty());
  EXPECT_EQ(r.skipped_reason.rfind("hardware counters unavailable: ", 0), 0u) << r.skipped_reason;
  EXPECT_NE(r.skipped_reason.find(none.reason), std::string::npos) << r.skipped_reason;
}
