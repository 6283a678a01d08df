// The CUPTI backend on a machine without a GPU: reasons instead of crashes, record conversion from records
// laid out as cupti_activity.h documents them, the tracer's whole life against a fake libcupti, the NVTX
// string cache, and the module-range nesting.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "activity_records.h"
#include "call_check.h"
#include "launch_log.h"
#include "cupti_library.h"
#include "gpu/cupti_reasons.h"
#include "flopscope/errors.h"
#include "support/fake_tracer.h"
#include "gpu/ranges.h"
#include "gpu/cuda_backend.h"
#include "nvtx_ranges.h"

namespace flopscope {
namespace {

using gpu::ActivityLog;

CudaStatus pretend_gpu() {
  CudaStatus s;
  s.available = true;
  s.devices.push_back({0, "pretend H100", 9, 0, 132, 80LL << 30});
  return s;
}

// ---- No driver, no library --------------------------------------------------------------------------------

TEST(CuptiBackend, NoDriverGivesReasonNamingTheDriver) {
  if (probe_cuda().available) GTEST_SKIP() << "this machine has a CUDA device";
  gpu::TracerOrReason t = cuda::open_activity_tracer();
  EXPECT_EQ(t.tracer, nullptr);
  EXPECT_NE(t.reason.find("driver"), std::string::npos) << t.reason;
  // The refusal leaves nothing held: a second try gives the same reason, not "already open".
  EXPECT_EQ(cuda::open_activity_tracer().reason, t.reason);
}

TEST(CuptiBackend, MissingLibraryIsNamed) {
  gpu::TracerOptions options;
  options.probe = pretend_gpu;
  options.cupti_paths = {"/nonexistent/flopscope/libcupti.so.13"};
  gpu::TracerOrReason t = cuda::open_activity_tracer(options);
  EXPECT_EQ(t.tracer, nullptr);
  EXPECT_NE(t.reason.find("CUPTI library missing"), std::string::npos) << t.reason;
  EXPECT_NE(t.reason.find("/nonexistent/flopscope/libcupti.so.13"), std::string::npos) << t.reason;
}

TEST(CuptiBackend, ProbeThatThrowsIsAReason) {
  gpu::TracerOptions options;
  options.probe = []() -> CudaStatus { throw std::runtime_error("probe exploded"); };
  gpu::TracerOrReason t = cuda::open_activity_tracer(options);
  EXPECT_EQ(t.tracer, nullptr);
  EXPECT_NE(t.reason.find("probe exploded"), std::string::npos) << t.reason;
}

TEST(CuptiBackend, RealLibraryLoadsWithoutDriver) {
  // cuptiGetVersion is host-only, so loading and version-checking the toolkit's CUPTI is safe here.
  cuda::CuptiLoad load = cuda::load_cupti(cuda::default_cupti_paths());
  if (!load.reason.empty()) GTEST_SKIP() << load.reason;
  EXPECT_TRUE(cuda::cupti_version_compatible(load.library.version, CUPTI_API_VERSION));
  EXPECT_GE(load.library.version, 130000u);
  EXPECT_NE(load.library.cuptiSubscribe_v2, nullptr);  // present since CUDA 13.0
  EXPECT_EQ(load.library.describe(CUPTI_ERROR_NOT_INITIALIZED), "CUPTI_ERROR_NOT_INITIALIZED (15)");
}

TEST(CuptiBackend, OneCuptiPerProcess) {
  cuda::CuptiLoad load = cuda::load_cupti(cuda::default_cupti_paths());
  if (!load.reason.empty()) GTEST_SKIP() << load.reason;
  // Loaded now: the override may not bring in a second copy.
  setenv("FLOPSCOPE_CUPTI_LIBRARY", "/elsewhere/libcupti.so.13", 1);
  EXPECT_EQ(cuda::default_cupti_paths(), std::vector<std::string>{"libcupti.so.13"});
  unsetenv("FLOPSCOPE_CUPTI_LIBRARY");
}

TEST(CuptiBackend, VersionRule) {
  EXPECT_TRUE(cuda::cupti_version_compatible(130001, 130001));
  EXPECT_TRUE(cuda::cupti_version_compatible(130000, 130001));  // same 13.0, older CUPTI patch
  EXPECT_TRUE(cuda::cupti_version_compatible(130200, 130001));  // 13.2 serves 13.0 code
  EXPECT_FALSE(cuda::cupti_version_compatible(28, 130001));     // CUDA 12.9 numbering
  EXPECT_FALSE(cuda::cupti_version_compatible(140000, 130001));
  EXPECT_FALSE(cuda::cupti_version_compatible(130100, 130200));
}

// ---- Reasons ------------------------------------------------------------------------------------------------

TEST(CuptiReasons, EveryCauseNamedWithCodeAndName) {
  using gpu::cupti_failure_reason;
  EXPECT_EQ(cupti_failure_reason("cuptiSubscribe_v2", 39, "", "Nsight Systems"),
            "another CUPTI client is attached to this process (Nsight Systems): run without it: cuptiSubscribe_v2 returned "
            "CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED (39)");
  EXPECT_NE(cupti_failure_reason("cuptiSubscribe", 39, "").find("the PyTorch profiler"), std::string::npos);
  EXPECT_EQ(cupti_failure_reason("cuptiSubscribe_v2", 15, "CUPTI_ERROR_NOT_INITIALIZED"),
            "CUPTI could not initialise: a sandboxed driver (gVisor nvproxy without the profiling capability?), a "
            "driver older than CUDA 13, or libnvperf_host.so/libnvperf_target.so not found next to libcupti: "
            "cuptiSubscribe_v2 returned CUPTI_ERROR_NOT_INITIALIZED (15)");
  std::string priv = cupti_failure_reason("cuptiActivityEnable(CONCURRENT_KERNEL)", 35, "");
  EXPECT_NE(priv.find("insufficient privileges"), std::string::npos) << priv;
  EXPECT_NE(priv.find("CUPTI_ERROR_INSUFFICIENT_PRIVILEGES (35)"), std::string::npos) << priv;
  EXPECT_NE(cupti_failure_reason("x", 33, "").find("virtualized"), std::string::npos);
  EXPECT_NE(cupti_failure_reason("x", 40, "").find("CUPTI_ERROR_VIRTUALIZED_DEVICE_INSUFFICIENT_PRIVILEGES (40)"),
            std::string::npos);
  EXPECT_NE(cupti_failure_reason("x", 41, "").find("confidential computing"), std::string::npos);
  EXPECT_NE(cupti_failure_reason("x", 43, "").find("MIG"), std::string::npos);
  EXPECT_NE(cupti_failure_reason("x", 26, "").find("busy"), std::string::npos);
  EXPECT_EQ(cupti_failure_reason("cuptiActivityFlushAll", 999, ""),
            "CUPTI failed without a reason (no usable driver, or a sandbox that blocks the profiling ioctls): "
            "cuptiActivityFlushAll returned CUPTI_ERROR_UNKNOWN (999)");
  EXPECT_EQ(cupti_failure_reason("x", 123, ""), "CUPTI failed: x returned CUPTI error (123)");
}

// ---- Record conversion ----------------------------------------------------------------------------------------

TEST(ActivityRecords, Kernel10LayoutIsTheDocumentedOne) {
  // cupti_activity.h (CUDA 13.0): kind 4 B, cacheConfig 1, sharedMemoryConfig 1, registersPerThread 2,
  // two partitioned-cache configs 4 + 4 = 16 B before start; then start, end, completed (8 each) = 40;
  // deviceId, contextId, streamId (4 each) = 52; grid x3, block x3 (4 each) = 76; static and dynamic shared
  // memory, localMemoryPerThread, localMemoryTotal (4 each) = 92; correlationId 4 = 96; gridId 8 = 104; name.
  EXPECT_EQ(offsetof(CUpti_ActivityKernel10, start), 16u);
  EXPECT_EQ(offsetof(CUpti_ActivityKernel10, deviceId), 40u);
  EXPECT_EQ(offsetof(CUpti_ActivityKernel10, gridX), 52u);
  EXPECT_EQ(offsetof(CUpti_ActivityKernel10, correlationId), 92u);
  EXPECT_EQ(offsetof(CUpti_ActivityKernel10, gridId), 96u);
  EXPECT_EQ(offsetof(CUpti_ActivityKernel10, name), 104u);
  // CUpti_ActivityAPI: kind 4, cbid 4, start 8, end 8, processId 4, threadId 4, correlationId 4.
  EXPECT_EQ(offsetof(CUpti_ActivityAPI, start), 8u);
  EXPECT_EQ(offsetof(CUpti_ActivityAPI, correlationId), 32u);
  // CUpti_ActivityExternalCorrelation: kind 4, externalKind 4, externalId 8, correlationId 4.
  EXPECT_EQ(offsetof(CUpti_ActivityExternalCorrelation, externalId), 8u);
  EXPECT_EQ(offsetof(CUpti_ActivityExternalCorrelation, correlationId), 16u);
  // CUpti_ActivityMemcpy6: kind 4, four uint8 kinds/flags 4, bytes 8, start 8, end 8 -> deviceId at 32.
  EXPECT_EQ(offsetof(CUpti_ActivityMemcpy6, bytes), 8u);
  EXPECT_EQ(offsetof(CUpti_ActivityMemcpy6, deviceId), 32u);
  // CUpti_ActivityMemset4: kind 4, value 4, bytes 8, start 8, end 8 -> deviceId at 32.
  EXPECT_EQ(offsetof(CUpti_ActivityMemset4, deviceId), 32u);
}

CUpti_ActivityKernel10 kernel_record() {
  CUpti_ActivityKernel10 k{};
  k.kind = CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL;
  k.start = 1'000'000'123;
  k.end = 1'000'004'456;
  k.deviceId = 1;
  k.contextId = 7;
  k.streamId = 13;
  k.gridX = 49, k.gridY = 3, k.gridZ = 1;
  k.blockX = 256, k.blockY = 1, k.blockZ = 2;
  k.correlationId = 4242;
  k.name = "_Z10ampere_sgemm";
  return k;
}

TEST(ActivityRecords, Kernel) {
  CUpti_ActivityKernel10 k = kernel_record();
  ActivityLog log;
  ASSERT_TRUE(cuda::convert_record(reinterpret_cast<const CUpti_Activity*>(&k), log));
  ASSERT_EQ(log.kernels.size(), 1u);
  const gpu::KernelRecord& r = log.kernels[0];
  EXPECT_EQ(r.name, "_Z10ampere_sgemm");
  EXPECT_EQ(r.start_ns, 1'000'000'123u);
  EXPECT_EQ(r.end_ns, 1'000'004'456u);
  EXPECT_EQ(r.correlation, 4242u);
  EXPECT_EQ(r.device, 1u);
  EXPECT_EQ(r.context, 7u);
  EXPECT_EQ(r.stream, 13u);
  EXPECT_EQ(r.grid[0], 49);
  EXPECT_EQ(r.grid[1], 3);
  EXPECT_EQ(r.grid[2], 1);
  EXPECT_EQ(r.block[0], 256);
  EXPECT_EQ(r.block[2], 2);
  // Serialised kernels (KERNEL) use the same record.
  k.kind = CUPTI_ACTIVITY_KIND_KERNEL;
  k.name = nullptr;
  ASSERT_TRUE(cuda::convert_record(reinterpret_cast<const CUpti_Activity*>(&k), log));
  EXPECT_EQ(log.kernels[1].name, "");
}

TEST(ActivityRecords, RuntimeAndDriverApi) {
  CUpti_ActivityAPI a{};
  a.kind = CUPTI_ACTIVITY_KIND_RUNTIME;
  a.cbid = 211;  // cudaLaunchKernel_v7000 in cupti_runtime_cbid.h
  a.start = 900;
  a.end = 950;
  a.threadId = 31337;
  a.correlationId = 4242;
  ActivityLog log;
  ASSERT_TRUE(cuda::convert_record(reinterpret_cast<const CUpti_Activity*>(&a), log));
  a.kind = CUPTI_ACTIVITY_KIND_DRIVER;
  a.cbid = 307;  // cuLaunchKernel in cupti_driver_cbid.h
  a.correlationId = 4243;
  ASSERT_TRUE(cuda::convert_record(reinterpret_cast<const CUpti_Activity*>(&a), log));
  ASSERT_EQ(log.api.size(), 2u);
  EXPECT_FALSE(log.api[0].driver);
  EXPECT_EQ(log.api[0].cbid, 211u);
  EXPECT_EQ(log.api[0].correlation, 4242u);
  EXPECT_EQ(log.api[0].start_ns, 900u);
  EXPECT_EQ(log.api[0].end_ns, 950u);
  EXPECT_EQ(log.api[0].thread, 31337u);
  EXPECT_TRUE(log.api[1].driver);
  EXPECT_EQ(log.api[1].cbid, 307u);
}

TEST(ActivityRecords, MemcpyAndMemset) {
  CUpti_ActivityMemcpy6 c{};
  c.kind = CUPTI_ACTIVITY_KIND_MEMCPY;
  c.copyKind = CUPTI_ACTIVITY_MEMCPY_KIND_HTOD;
  c.bytes = 3 * 224 * 224 * 4;  // one fp32 image
  c.start = 10, c.end = 60;
  c.deviceId = 0, c.streamId = 7, c.correlationId = 99;
  CUpti_ActivityMemset4 s{};
  s.kind = CUPTI_ACTIVITY_KIND_MEMSET;
  s.bytes = 4096;
  s.start = 70, s.end = 75;
  s.deviceId = 2, s.streamId = 8, s.correlationId = 100;
  ActivityLog log;
  ASSERT_TRUE(cuda::convert_record(reinterpret_cast<const CUpti_Activity*>(&c), log));
  ASSERT_TRUE(cuda::convert_record(reinterpret_cast<const CUpti_Activity*>(&s), log));
  ASSERT_EQ(log.memory.size(), 2u);
  EXPECT_EQ(log.memory[0].kind, gpu::MemoryRecord::Kind::Memcpy);
  EXPECT_EQ(log.memory[0].bytes, 602112u);
  EXPECT_EQ(log.memory[0].copy_kind, 1u);  // HtoD
  EXPECT_EQ(log.memory[0].correlation, 99u);
  EXPECT_EQ(log.memory[0].stream, 7u);
  EXPECT_EQ(log.memory[0].end_ns - log.memory[0].start_ns, 50u);
  EXPECT_EQ(log.memory[1].kind, gpu::MemoryRecord::Kind::Memset);
  EXPECT_EQ(log.memory[1].bytes, 4096u);
  EXPECT_EQ(log.memory[1].device, 2u);
  EXPECT_EQ(log.memory[1].correlation, 100u);
}

TEST(ActivityRecords, ExternalCorrelationOnlyCustom0) {
  CUpti_ActivityExternalCorrelation e{};
  e.kind = CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION;
  e.externalKind = CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0;
  e.externalId = gpu::external_id(2, 17);  // (2 + 1) << 32 | 17
  e.correlationId = 4242;
  ActivityLog log;
  ASSERT_TRUE(cuda::convert_record(reinterpret_cast<const CUpti_Activity*>(&e), log));
  ASSERT_EQ(log.external.size(), 1u);
  EXPECT_EQ(log.external[0].external_id, 3ull * 4294967296ull + 17);
  EXPECT_EQ(log.external[0].correlation, 4242u);
  e.externalKind = CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM1;  // PyTorch's user scopes: not ours
  EXPECT_FALSE(cuda::convert_record(reinterpret_cast<const CUpti_Activity*>(&e), log));
  CUpti_Activity other{};
  other.kind = CUPTI_ACTIVITY_KIND_OVERHEAD;
  EXPECT_FALSE(cuda::convert_record(&other, log));
  EXPECT_FALSE(cuda::convert_record(nullptr, log));
  EXPECT_EQ(log.external.size(), 1u);
}

// ---- The tracer against a fake libcupti ---------------------------------------------------------------------

struct FakeCupti {
  void* handle = dlopen(FLOPSCOPE_FAKE_CUPTI, RTLD_NOW | RTLD_LOCAL);
  template <class F>
  F fn(const char* name) {
    return reinterpret_cast<F>(dlsym(handle, name));
  }
  FakeCupti() { fn<void (*)()>("fake_cupti_reset")(); }
  gpu::TracerOptions options() const {
    gpu::TracerOptions o;
    o.probe = pretend_gpu;
    o.cupti_paths = {FLOPSCOPE_FAKE_CUPTI};
    o.buffer_bytes = 1 << 16;
    return o;
  }
};

// ---- The counter pass's launch log: every launch path of CUDA 13, fed as CUPTI would --------------------------

struct Params {  // the leading fields every runtime launch's parameters share: func, gridDim
  const void* func = nullptr;
  unsigned grid[3];
};

CUpti_CallbackData callback(CUpti_ApiCallbackSite site, const char* symbol, const void* params) {
  CUpti_CallbackData cb{};
  cb.callbackSite = site;
  cb.symbolName = symbol;
  cb.functionParams = params;
  return cb;
}

TEST(LaunchLog, EveryLaunchPathOnceInLaunchOrder) {
  cuda::LaunchLog log;
  auto runtime = [&](CUpti_CallbackId id, const char* name, unsigned gx, bool with_driver) {
    Params p{nullptr, {gx, 2, 3}};
    log.record(CUPTI_CB_DOMAIN_RUNTIME_API, id, callback(CUPTI_API_ENTER, name, &p));
    if (with_driver) {  // the runtime's own driver call, on the same thread: not a second launch
      struct { CUfunction f; unsigned x, y, z; } d{nullptr, gx, 2, 3};
      log.record(CUPTI_CB_DOMAIN_DRIVER_API, CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, callback(CUPTI_API_ENTER, name, &d));
      log.record(CUPTI_CB_DOMAIN_DRIVER_API, CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, callback(CUPTI_API_EXIT, name, &d));
    }
    log.record(CUPTI_CB_DOMAIN_RUNTIME_API, id, callback(CUPTI_API_EXIT, name, &p));
  };
  // <<<>>> in libtorch_cuda.so arrives as __cudaLaunchKernel (505) and its per-thread-stream twin (506).
  runtime(CUPTI_RUNTIME_TRACE_CBID___cudaLaunchKernel_v13000, "elementwise_kernel", 7, true);
  runtime(CUPTI_RUNTIME_TRACE_CBID___cudaLaunchKernel_ptsz_v13000, "reduce_kernel", 11, true);
  runtime(CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000, "gemm", 13, true);
  // A driver launch made directly (no runtime call open) is logged.
  struct { CUfunction f; unsigned x, y, z; } d{nullptr, 17, 1, 1};
  log.record(CUPTI_CB_DOMAIN_DRIVER_API, CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, callback(CUPTI_API_ENTER, "triton_k", &d));
  log.record(CUPTI_CB_DOMAIN_DRIVER_API, CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, callback(CUPTI_API_EXIT, "triton_k", &d));
  const auto launches = log.launches();
  ASSERT_EQ(launches.size(), 4u);
  const char* names[] = {"elementwise_kernel", "reduce_kernel", "gemm", "triton_k"};
  const int grids[] = {7, 11, 13, 17};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(launches[i].name, names[i]);
    EXPECT_EQ(launches[i].grid[0], grids[i]);
    EXPECT_EQ(launches[i].range, i);
  }
  EXPECT_EQ(launches[0].grid[1], 2);
  EXPECT_EQ(launches[0].grid[2], 3);
  const auto& ids = cuda::runtime_launch_ids();
  EXPECT_NE(std::find(ids.begin(), ids.end(), CUPTI_RUNTIME_TRACE_CBID___cudaLaunchKernel_v13000), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), CUPTI_RUNTIME_TRACE_CBID___cudaLaunchKernel_ptsz_v13000), ids.end());
  log.clear();
  EXPECT_EQ(log.size(), 0u);
}

// The access layer: a library without the profiler's entry points still serves the tracer, and says which one
// the counter pass lacks; a failed call names its entry point and code.
TEST(CuptiAccess, ProfilerEntryPointsMissingIsAReasonNotAFailure) {
  FakeCupti fake;
  cuda::CuptiLoad load = cuda::load_cupti({FLOPSCOPE_FAKE_CUPTI});
  ASSERT_EQ(load.reason, "");
  EXPECT_NE(load.library.cuptiActivityEnable, nullptr);
  // The first of FLOPSCOPE_CUPTI_PROFILER_API, which the fake does not define.
  EXPECT_EQ(load.library.profiler_reason, std::string(FLOPSCOPE_FAKE_CUPTI) + " lacks cuptiEnableCallback (CUPTI older than 13.0?)");
}

TEST(CuptiAccess, CallCheckNamesTheEntryPointAndCode) {
  struct {
    CUptiResult (*cuptiActivityFlushAll)(std::uint32_t) = [](std::uint32_t) { return CUPTI_ERROR_HARDWARE_BUSY; };
    CUptiResult (*cuptiGetTimestamp)(std::uint64_t*) = [](std::uint64_t* t) { *t = 7; return CUPTI_SUCCESS; };
  } lib;
  std::uint64_t t = 0;
  EXPECT_NO_THROW(FLOPSCOPE_CUPTI_CALL(lib, cuptiGetTimestamp, &t));
  EXPECT_EQ(t, 7u);
  try {
    FLOPSCOPE_CUPTI_CALL(lib, cuptiActivityFlushAll, 0);
    ADD_FAILURE() << "no throw";
  } catch (const cuda::CallFailed& f) {
    EXPECT_STREQ(f.call, "cuptiActivityFlushAll");
    EXPECT_EQ(f.code, 26);
  }
}

// FLOPSCOPE_CUPTI_ALL_APIS records every API call (RUNTIME and DRIVER kinds), for diagnosing a join.
TEST(CuptiTracer, EveryApiCallOnRequest) {
  FakeCupti fake;
  setenv("FLOPSCOPE_CUPTI_ALL_APIS", "1", 1);
  gpu::TracerOrReason t = cuda::open_activity_tracer(fake.options());  // decided here, once
  unsetenv("FLOPSCOPE_CUPTI_ALL_APIS");
  ASSERT_NE(t.tracer, nullptr) << t.reason;
  t.tracer->start();
  EXPECT_EQ(fake.fn<int (*)()>("fake_cupti_enabled_count")(), 6);
  EXPECT_EQ(fake.fn<int (*)(int)>("fake_cupti_api_count")(0), 0);
  t.tracer->stop();
  EXPECT_EQ(fake.fn<int (*)()>("fake_cupti_enabled_count")(), 0);
}

TEST(CuptiTracer, WholeSessionAgainstFakeCupti) {
  FakeCupti fake;
  ASSERT_NE(fake.handle, nullptr) << dlerror();
  gpu::TracerOrReason t = cuda::open_activity_tracer(fake.options());
  ASSERT_NE(t.tracer, nullptr) << t.reason;
  EXPECT_STREQ(fake.fn<const char* (*)()>("fake_cupti_subscriber_name")(), "flopscope");
  EXPECT_EQ(fake.fn<std::size_t (*)()>("fake_cupti_subscriber_struct_size")(), 4 * sizeof(void*));
  EXPECT_EQ(fake.fn<int (*)()>("fake_cupti_subscribed")(), 1);
  // Only one tracer per process.
  EXPECT_EQ(cuda::open_activity_tracer(fake.options()).reason, "an activity tracer is already open in this process");

  t.tracer->start();
  int kinds[16] = {};
  int n = fake.fn<int (*)(int*, int)>("fake_cupti_enable_log")(kinds, 16);
  // Tried once at open, then enabled for real: the same four kinds twice. Not every API call: only the launches,
  // copies and sets are recorded (as kineto does), __cudaLaunchKernel and the driver's launches among them.
  ASSERT_EQ(n, 8);
  std::vector<int> want = {CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_MEMCPY,
                           CUPTI_ACTIVITY_KIND_MEMSET, CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION};
  EXPECT_EQ(std::vector<int>(kinds + 4, kinds + 8), want);
  EXPECT_EQ(fake.fn<int (*)()>("fake_cupti_enabled_count")(), 4);
  auto recorded = fake.fn<int (*)(int, int)>("fake_cupti_api_recorded");
  EXPECT_TRUE(recorded(0, CUPTI_RUNTIME_TRACE_CBID___cudaLaunchKernel_v13000));
  EXPECT_TRUE(recorded(0, CUPTI_RUNTIME_TRACE_CBID_cudaMemcpyAsync_v3020));
  EXPECT_TRUE(recorded(1, CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel));
  EXPECT_FALSE(recorded(0, CUPTI_RUNTIME_TRACE_CBID_cudaGetDevice_v3020));  // not a launch, copy or set

  t.tracer->push(gpu::external_id(0, 5));
  t.tracer->push(gpu::external_id(0, 6));
  EXPECT_EQ(fake.fn<int (*)()>("fake_cupti_external_depth")(), 2);
  t.tracer->pop();
  t.tracer->pop();
  EXPECT_EQ(fake.fn<int (*)()>("fake_cupti_external_depth")(), 0);
  std::uint64_t first = t.tracer->now_ns(), second = t.tracer->now_ns();
  EXPECT_EQ(first, 5000u);
  EXPECT_EQ(second, 5100u);

  // Records the "device" produced, delivered at the forced flush.
  CUpti_ActivityKernel10 k = kernel_record();
  CUpti_ActivityExternalCorrelation e{};
  e.kind = CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION;
  e.externalKind = CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0;
  e.externalId = gpu::external_id(0, 6);
  e.correlationId = 4242;
  CUpti_ActivityAPI a{};
  a.kind = CUPTI_ACTIVITY_KIND_RUNTIME;
  a.correlationId = 4242;
  auto queue = fake.fn<void (*)(const void*, std::size_t)>("fake_cupti_queue_record");
  queue(&e, sizeof e);
  queue(&a, sizeof a);
  queue(&k, sizeof k);
  fake.fn<void (*)(std::size_t)>("fake_cupti_set_dropped")(3);

  ActivityLog log = t.tracer->stop();
  EXPECT_EQ(fake.fn<int (*)()>("fake_cupti_enabled_count")(), 0);
  ASSERT_EQ(log.kernels.size(), 1u);
  EXPECT_EQ(log.kernels[0].name, "_Z10ampere_sgemm");
  ASSERT_EQ(log.external.size(), 1u);
  EXPECT_EQ(log.external[0].external_id, gpu::external_id(0, 6));
  ASSERT_EQ(log.api.size(), 1u);
  EXPECT_EQ(log.dropped, 3u);

  // A second session starts empty.
  t.tracer->start();
  EXPECT_TRUE(t.tracer->stop().kernels.empty());
  t.tracer.reset();
  EXPECT_EQ(fake.fn<int (*)()>("fake_cupti_subscribed")(), 0);
  // Closed: a new tracer may open.
  gpu::TracerOrReason again = cuda::open_activity_tracer(fake.options());
  EXPECT_NE(again.tracer, nullptr) << again.reason;
}

TEST(CuptiTracer, AnotherClientIsNamed) {
  FakeCupti fake;
  fake.fn<void (*)(int, const char*)>("fake_cupti_set_subscribe")(CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED,
                                                                   "CUPTI for Nsight Systems");
  gpu::TracerOrReason t = cuda::open_activity_tracer(fake.options());
  EXPECT_EQ(t.tracer, nullptr);
  EXPECT_EQ(t.reason,
            "another CUPTI client is attached to this process (CUPTI for Nsight Systems): run without it: "
            "cuptiSubscribe_v2 "
            "returned CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED (39)");
}

TEST(CuptiTracer, SandboxedDriver) {
  FakeCupti fake;
  fake.fn<void (*)(int, const char*)>("fake_cupti_set_subscribe")(CUPTI_ERROR_NOT_INITIALIZED, nullptr);
  gpu::TracerOrReason t = cuda::open_activity_tracer(fake.options());
  EXPECT_EQ(t.tracer, nullptr);
  // The fake cannot name code 15, so flopscope names it.
  EXPECT_EQ(t.reason,
            "CUPTI could not initialise: a sandboxed driver (gVisor nvproxy without the profiling capability?), a "
            "driver older than CUDA 13, or libnvperf_host.so/libnvperf_target.so not found next to libcupti: "
            "cuptiSubscribe_v2 returned CUPTI_ERROR_NOT_INITIALIZED (15)");
}

TEST(CuptiTracer, RefusedKindUnsubscribes) {
  FakeCupti fake;
  fake.fn<void (*)(int, int)>("fake_cupti_fail_enable")(CUPTI_ACTIVITY_KIND_MEMSET, CUPTI_ERROR_INSUFFICIENT_PRIVILEGES);
  gpu::TracerOrReason t = cuda::open_activity_tracer(fake.options());
  EXPECT_EQ(t.tracer, nullptr);
  EXPECT_NE(t.reason.find("cuptiActivityEnable(MEMSET) returned CUPTI_ERROR_INSUFFICIENT_PRIVILEGES (35)"),
            std::string::npos)
      << t.reason;
  EXPECT_EQ(fake.fn<int (*)()>("fake_cupti_subscribed")(), 0);
  EXPECT_EQ(fake.fn<int (*)()>("fake_cupti_enabled_count")(), 0);  // the kinds enabled before it, undone
}

TEST(CuptiTracer, VersionMismatch) {
  FakeCupti fake;
  fake.fn<void (*)(std::uint32_t)>("fake_cupti_set_version")(28);  // CUDA 12.9's CUPTI
  gpu::TracerOrReason t = cuda::open_activity_tracer(fake.options());
  EXPECT_EQ(t.tracer, nullptr);
  EXPECT_NE(t.reason.find("CUPTI version mismatch"), std::string::npos) << t.reason;
  EXPECT_NE(t.reason.find("API version 28"), std::string::npos) << t.reason;
}

// ---- The recording double ------------------------------------------------------------------------------------

TEST(FakeTracer, RecordsCalls) {
  gpu::FakeTracer fake;
  fake.log.kernels.push_back({});
  gpu::ActivityTracer& t = fake;
  t.start();
  t.push(7);
  t.pop();
  t.pop();
  EXPECT_EQ(t.now_ns(), 1000u);
  EXPECT_EQ(t.stop().kernels.size(), 1u);
  EXPECT_EQ(fake.calls, (std::vector<std::string>{"start", "push 7", "pop", "pop (empty)", "now", "stop"}));
}

// ---- NVTX ------------------------------------------------------------------------------------------------------

TEST(NvtxRanges, EachNameRegisteredOnce) {
  cuda::NvtxRanges ranges;  // no tool attached here: the NVTX calls are no-ops, the cache is still exercised
  const char* mm = "aten::mm";
  std::string copy = "aten::mm";
  ranges.push_op(mm, 1);
  ranges.push_op(mm, 2);
  ranges.push_op(copy.c_str(), 3);
  EXPECT_EQ(ranges.registered_strings(), 1u);
  char reused[16] = "aten::add";
  ranges.push_op(reused, 4);
  std::strcpy(reused, "aten::mul");  // same pointer, new text: must not be taken for aten::add
  ranges.push_op(reused, 5);
  EXPECT_EQ(ranges.registered_strings(), 3u);
  ranges.push_module("layer1.0");
  ranges.push_module("layer1.0");
  EXPECT_EQ(ranges.registered_strings(), 4u);
  for (int i = 0; i < 7; ++i) ranges.pop();
}

// ---- Module-range nesting --------------------------------------------------------------------------------------

struct RecordingSink : gpu::RangeSink {
  std::vector<std::string> events;
  void push_module(const std::string& p) override { events.push_back("+m " + p); }
  void push_op(const char* n, std::uint64_t id) override { events.push_back("+o " + std::string(n) + " " + std::to_string(id)); }
  void pop() override { events.push_back("-"); }
};

TEST(RangeNester, ModulesNestAroundOps) {
  RecordingSink sink;
  {
    gpu::RangeNester nest(sink);
    nest.op_enter("", "aten::flatten", 1);  // root op: no module range
    nest.op_exit();
    nest.op_enter("layer1.0.conv1", "aten::conv2d", 2);
    nest.op_enter("layer1.0.conv1", "aten::convolution", 3);  // nested op: pushed as is
    nest.op_exit();
    nest.op_exit();
    nest.op_enter("layer1.0.bn1", "aten::batch_norm", 4);
    nest.op_exit();
    nest.op_enter("layer10", "aten::relu", 5);  // not inside "layer1"
    EXPECT_EQ(nest.open_modules(), (std::vector<std::string>{"layer10"}));
    EXPECT_EQ(nest.open_ops(), 1);
  }  // destruction closes the op and the module
  EXPECT_EQ(sink.events, (std::vector<std::string>{
                             "+o aten::flatten 1", "-",
                             "+m layer1", "+m layer1.0", "+m layer1.0.conv1", "+o aten::conv2d 2",
                             "+o aten::convolution 3", "-", "-",
                             "-", "+m layer1.0.bn1", "+o aten::batch_norm 4", "-",
                             "-", "-", "-", "+m layer10", "+o aten::relu 5",
                             "-", "-"}));
}

TEST(RangeNester, ModuleChangeInsideAnOpWaits) {
  RecordingSink sink;
  gpu::RangeNester nest(sink);
  nest.op_enter("a", "aten::linear", 1);
  nest.op_enter("b", "aten::addmm", 2);  // an NVTX stack cannot close "a" under an open op
  EXPECT_EQ(nest.open_modules(), (std::vector<std::string>{"a"}));
  nest.op_exit();
  nest.op_exit();
  nest.op_exit();  // one too many: ignored
  nest.op_enter("a.b", "aten::mm", 3);
  nest.finish();
  EXPECT_EQ(sink.events, (std::vector<std::string>{"+m a", "+o aten::linear 1", "+o aten::addmm 2", "-", "-",
                                                   "+m a.b", "+o aten::mm 3", "-", "-", "-"}));
  EXPECT_TRUE(nest.open_modules().empty());
}

}  // namespace
}  // namespace flopscope
