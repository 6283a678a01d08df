// The CUPTI activity tracer: kernels, copies, API calls and external correlations of one timing session.
// Every failure becomes a reason (cupti_reasons.h) rather than an error: no GPU is not an error.
#include <cupti_driver_cbid.h>
#include <cupti_runtime_cbid.h>

#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <atomic>
#include <iterator>

#include "activity_records.h"
#include "call_check.h"
#include "cupti_library.h"
#include "gpu/cupti_reasons.h"
#include "flopscope/errors.h"
#include "gpu/cuda_backend.h"
#include "launch_log.h"

namespace flopscope::cuda {

using gpu::ActivityLog;
using gpu::ActivityTracer;
using gpu::TracerOptions;
using gpu::TracerOrReason;

namespace {


constexpr CUpti_ActivityKind kKinds[] = {
    CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_MEMCPY,  CUPTI_ACTIVITY_KIND_MEMSET,
    CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION,
    // API records are what make correlation ids exist and external-correlation records appear (CUPTI guide 2.3.4);
    // both APIs, since cuBLAS, cuDNN and Triton launch through the driver. Recording every API call costs a record
    // per call: where the library can choose (api_ids below), only the calls that launch or copy are recorded, as
    // kineto does, and these two kinds are left off.
    CUPTI_ACTIVITY_KIND_RUNTIME,           CUPTI_ACTIVITY_KIND_DRIVER,
};
constexpr std::size_t kAlwaysKinds = 4;  // the kinds before RUNTIME and DRIVER

// The API calls whose records the join needs: every kernel launch (launch_log.h), every copy and set.
const std::vector<CUpti_CallbackId>& runtime_api_ids() {
  static const std::vector<CUpti_CallbackId> ids = [] {
    std::vector<CUpti_CallbackId> v = runtime_launch_ids();
    for (CUpti_CallbackId id :
         {CUPTI_RUNTIME_TRACE_CBID_cudaMemcpy_v3020, CUPTI_RUNTIME_TRACE_CBID_cudaMemcpyAsync_v3020,
          CUPTI_RUNTIME_TRACE_CBID_cudaMemcpy2D_v3020, CUPTI_RUNTIME_TRACE_CBID_cudaMemcpy2DAsync_v3020,
          CUPTI_RUNTIME_TRACE_CBID_cudaMemcpyPeer_v4000, CUPTI_RUNTIME_TRACE_CBID_cudaMemcpyPeerAsync_v4000,
          CUPTI_RUNTIME_TRACE_CBID_cudaMemset_v3020, CUPTI_RUNTIME_TRACE_CBID_cudaMemsetAsync_v3020,
          CUPTI_RUNTIME_TRACE_CBID_cudaMemcpy_ptds_v7000, CUPTI_RUNTIME_TRACE_CBID_cudaMemcpyAsync_ptsz_v7000,
          CUPTI_RUNTIME_TRACE_CBID_cudaMemset_ptds_v7000, CUPTI_RUNTIME_TRACE_CBID_cudaMemsetAsync_ptsz_v7000})
      v.push_back(id);
    return v;
  }();
  return ids;
}

const std::vector<CUpti_CallbackId>& driver_api_ids() {
  static const std::vector<CUpti_CallbackId> ids = [] {
    std::vector<CUpti_CallbackId> v = driver_launch_ids();
    for (CUpti_CallbackId id :
         {CUPTI_DRIVER_TRACE_CBID_cuMemcpy, CUPTI_DRIVER_TRACE_CBID_cuMemcpyAsync, CUPTI_DRIVER_TRACE_CBID_cuMemcpyHtoD_v2,
          CUPTI_DRIVER_TRACE_CBID_cuMemcpyDtoH_v2, CUPTI_DRIVER_TRACE_CBID_cuMemcpyDtoD_v2,
          CUPTI_DRIVER_TRACE_CBID_cuMemcpyHtoDAsync_v2, CUPTI_DRIVER_TRACE_CBID_cuMemcpyDtoHAsync_v2,
          CUPTI_DRIVER_TRACE_CBID_cuMemcpyDtoDAsync_v2, CUPTI_DRIVER_TRACE_CBID_cuMemsetD8_v2,
          CUPTI_DRIVER_TRACE_CBID_cuMemsetD32_v2, CUPTI_DRIVER_TRACE_CBID_cuMemsetD8Async,
          CUPTI_DRIVER_TRACE_CBID_cuMemsetD32Async})
      v.push_back(id);
    return v;
  }();
  return ids;
}

/// Whether only the launch and copy calls are recorded: the library can choose them, and
/// FLOPSCOPE_CUPTI_ALL_APIS (for diagnosing a join) does not ask for every call.
bool selected_apis(const CuptiLibrary& lib) {
  const char* all = std::getenv("FLOPSCOPE_CUPTI_ALL_APIS");
  return lib.cuptiActivityEnableRuntimeApi != nullptr && lib.cuptiActivityEnableDriverApi != nullptr &&
         (all == nullptr || *all == '\0' || std::string(all) == "0");
}

const char* kind_name(CUpti_ActivityKind kind) {
  switch (kind) {
    case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: return "cuptiActivityEnable(CONCURRENT_KERNEL)";
    case CUPTI_ACTIVITY_KIND_MEMCPY: return "cuptiActivityEnable(MEMCPY)";
    case CUPTI_ACTIVITY_KIND_MEMSET: return "cuptiActivityEnable(MEMSET)";
    case CUPTI_ACTIVITY_KIND_RUNTIME: return "cuptiActivityEnable(RUNTIME)";
    case CUPTI_ACTIVITY_KIND_DRIVER: return "cuptiActivityEnable(DRIVER)";
    default: return "cuptiActivityEnable(EXTERNAL_CORRELATION)";
  }
}

/// The reason for a failed call, with the library's own name for the code when it has one.
std::string failure(const CuptiLibrary& lib, const std::string& call, int code, const std::string& other = "") {
  const char* name = nullptr;
  const auto r = static_cast<CUptiResult>(code);
  std::string code_name = lib.cuptiGetResultString && lib.cuptiGetResultString(r, &name) == CUPTI_SUCCESS && name ? name : "";
  return gpu::cupti_failure_reason(call, code, code_name, other);
}

// CUPTI's buffer callbacks carry no user data and stay registered for the process, so the state they reach
// is process-wide. It is never destroyed: CUPTI may still deliver buffers while the process exits.
struct Collector {
  std::mutex mutex;
  CuptiLibrary lib;                  // a copy: its function pointers stay valid (the library is never closed)
  bool have_lib = false;
  std::size_t buffer_bytes = std::size_t{8} << 20;
  std::unordered_map<std::uint8_t*, std::size_t> sizes;  // every buffer handed out, with its size
  std::vector<std::uint8_t*> free_buffers;
  bool collecting = false;
  ActivityLog log;
};

Collector& collector() {
  static Collector* c = new Collector;
  return *c;
}

std::atomic<bool> g_tracer_open{false};

void CUPTIAPI on_buffer_requested(std::uint8_t** buffer, std::size_t* size, std::size_t* max_records) {
  Collector& c = collector();
  std::lock_guard<std::mutex> lock(c.mutex);
  *max_records = 0;  // as many as fit
  std::uint8_t* b = nullptr;
  while (b == nullptr && !c.free_buffers.empty()) {
    b = c.free_buffers.back();
    c.free_buffers.pop_back();
    if (c.sizes[b] < c.buffer_bytes) {  // left from a tracer with smaller buffers
      c.sizes.erase(b);
      std::free(b);
      b = nullptr;
    }
  }
  if (b == nullptr) {
    // Activity records need 8-byte alignment (CUPTI guide); the size is a multiple of it.
    std::size_t bytes = (c.buffer_bytes + 7) / 8 * 8;
    b = static_cast<std::uint8_t*>(std::aligned_alloc(8, bytes));
    if (b != nullptr) c.sizes[b] = bytes;
  }
  *buffer = b;
  *size = b != nullptr ? c.sizes[b] : 0;  // a null buffer makes CUPTI drop records, which it then counts
}

void CUPTIAPI on_buffer_completed(CUcontext context, std::uint32_t stream, std::uint8_t* buffer, std::size_t,
                                  std::size_t valid) {
  Collector& c = collector();
  std::lock_guard<std::mutex> lock(c.mutex);
  if (c.have_lib && c.collecting && buffer != nullptr) {
    CUpti_Activity* record = nullptr;
    while (c.lib.cuptiActivityGetNextRecord(buffer, valid, &record) == CUPTI_SUCCESS) convert_record(record, c.log);
    std::size_t dropped = 0;
    if (c.lib.cuptiActivityGetNumDroppedRecords(context, stream, &dropped) == CUPTI_SUCCESS) c.log.dropped += dropped;
  }
  if (buffer != nullptr) c.free_buffers.push_back(buffer);
}

void set_selected_apis(const CuptiLibrary& lib, std::uint8_t on) {
  for (CUpti_CallbackId id : runtime_api_ids()) FLOPSCOPE_CUPTI_CALL(lib, cuptiActivityEnableRuntimeApi, id, on);
  for (CUpti_CallbackId id : driver_api_ids()) FLOPSCOPE_CUPTI_CALL(lib, cuptiActivityEnableDriverApi, id, on);
}

std::size_t kinds_used(bool selected) { return selected ? kAlwaysKinds : std::size(kKinds); }

std::string enable_kinds(const CuptiLibrary& lib, bool selected) {
  const std::size_t n = kinds_used(selected);
  for (std::size_t i = 0; i < n; ++i) {
    try {
      FLOPSCOPE_CUPTI_CALL(lib, cuptiActivityEnable, kKinds[i]);
    } catch (const cuda::CallFailed& f) {
      for (std::size_t j = 0; j < i; ++j) lib.cuptiActivityDisable(kKinds[j]);
      return failure(lib, kind_name(kKinds[i]), f.code);
    }
  }
  if (n == kAlwaysKinds) {
    try {
      set_selected_apis(lib, 1);
    } catch (const cuda::CallFailed& f) {
      for (std::size_t j = 0; j < n; ++j) lib.cuptiActivityDisable(kKinds[j]);
      return failure(lib, f.call, f.code);
    }
  }
  return {};
}

void disable_kinds(const CuptiLibrary& lib, bool selected) {
  const std::size_t n = kinds_used(selected);
  for (std::size_t i = 0; i < n; ++i) lib.cuptiActivityDisable(kKinds[i]);
  if (n == kAlwaysKinds) {
    try {
      set_selected_apis(lib, 0);
    } catch (const cuda::CallFailed&) {  // disabling is best effort: the tracer is going away
    }
  }
}

void CUPTIAPI ignore_callback(void*, CUpti_CallbackDomain, CUpti_CallbackId, const void*) {}

class CuptiActivityTracer final : public ActivityTracer {
 public:
  CuptiActivityTracer(const CuptiLibrary& lib, CUpti_SubscriberHandle subscriber, bool selected)
      : lib_(lib), subscriber_(subscriber), selected_(selected) {}

  ~CuptiActivityTracer() override {
    if (running_) stop();
    lib_.cuptiUnsubscribe(subscriber_);
    Collector& c = collector();
    {
      std::lock_guard<std::mutex> lock(c.mutex);
      for (std::uint8_t* b : c.free_buffers) {
        c.sizes.erase(b);
        std::free(b);
      }
      c.free_buffers.clear();
    }
    g_tracer_open = false;
  }

  void start() override {
    if (running_) return;
    Collector& c = collector();
    {
      std::lock_guard<std::mutex> lock(c.mutex);
      c.log = ActivityLog{};
      c.collecting = true;
    }
    if (std::string reason = enable_kinds(lib_, selected_); !reason.empty()) {
      std::lock_guard<std::mutex> lock(c.mutex);
      c.collecting = false;
      throw CudaUnavailable("CUPTI tracing could not start: " + reason);
    }
    running_ = true;
  }

  void push(std::uint64_t external_id) override {
    lib_.cuptiActivityPushExternalCorrelationId(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, external_id);
  }

  void pop() override {
    std::uint64_t last = 0;
    lib_.cuptiActivityPopExternalCorrelationId(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, &last);
  }

  std::uint64_t now_ns() override {
    std::uint64_t t = 0;
    lib_.cuptiGetTimestamp(&t);
    return t;
  }

  ActivityLog stop() override {
    if (!running_) return {};
    // Forced: hand over partly filled buffers too. Flushing does not synchronise the device, which the
    // caller has done. Flush again after disabling for anything recorded in between.
    lib_.cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
    disable_kinds(lib_, selected_);
    lib_.cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
    running_ = false;
    Collector& c = collector();
    std::lock_guard<std::mutex> lock(c.mutex);
    c.collecting = false;
    ActivityLog out = std::move(c.log);
    c.log = ActivityLog{};
    return out;
  }

 private:
  CuptiLibrary lib_;
  CUpti_SubscriberHandle subscriber_;
  bool selected_;  // only the launch and copy API calls are recorded (decided once, at open)
  bool running_ = false;
};

/// Subscribes as "flopscope", which is how CUPTI tells that another client is attached and, with
/// cuptiSubscribe_v2, which one. Returns a reason on failure.
std::string subscribe(const CuptiLibrary& lib, CUpti_SubscriberHandle& subscriber) {
  if (lib.cuptiSubscribe_v2 != nullptr) {
    char other[CUPTI_OLD_SUBSCRIBER_NAME_MIN_LEN + 64] = {};
    CUpti_SubscriberParams params{};
    params.structSize = CUpti_SubscriberParams_STRUCT_SIZE;
    params.subscriberName = "flopscope";
    params.oldSubscriberName = other;
    params.oldSubscriberSize = sizeof other;
    try {
      FLOPSCOPE_CUPTI_CALL(lib, cuptiSubscribe_v2, &subscriber, ignore_callback, nullptr, &params);
    } catch (const cuda::CallFailed& f) {
      other[sizeof other - 1] = '\0';
      return failure(lib, f.call, f.code, other);
    }
    return {};
  }
  try {
    FLOPSCOPE_CUPTI_CALL(lib, cuptiSubscribe, &subscriber, ignore_callback, nullptr);
  } catch (const cuda::CallFailed& f) {
    return failure(lib, f.call, f.code);
  }
  return {};
}

TracerOrReason open_tracer(const TracerOptions& options) {
  TracerOrReason out;
  // The driver first: without one, CUPTI's device-side calls fail or crash (cuptiDeviceGetChipName).
  CudaStatus status = options.probe ? options.probe() : probe_cuda();
  if (!status.available) {
    out.reason = status.reason.empty() ? "no CUDA device" : status.reason;
    return out;
  }
  CuptiLoad load = load_cupti(options.cupti_paths.empty() ? default_cupti_paths() : options.cupti_paths);
  if (!load.reason.empty()) {
    out.reason = load.reason;
    return out;
  }
  const CuptiLibrary& lib = load.library;
  CUpti_SubscriberHandle subscriber = nullptr;
  if (std::string reason = subscribe(lib, subscriber); !reason.empty()) {
    out.reason = reason;
    return out;
  }
  // Only after subscribing: if another client holds CUPTI, its buffer callbacks must stay in place.
  try {
    FLOPSCOPE_CUPTI_CALL(lib, cuptiActivityRegisterCallbacks, on_buffer_requested, on_buffer_completed);
  } catch (const cuda::CallFailed& f) {
    out.reason = failure(lib, f.call, f.code);
    lib.cuptiUnsubscribe(subscriber);
    return out;
  }
  // Try the kinds once so that a refusal is a reason now rather than an exception from start().
  const bool selected = selected_apis(lib);
  if (std::string reason = enable_kinds(lib, selected); !reason.empty()) {
    out.reason = reason;
    lib.cuptiUnsubscribe(subscriber);
    return out;
  }
  disable_kinds(lib, selected);
  {
    Collector& c = collector();
    std::lock_guard<std::mutex> lock(c.mutex);
    c.lib = lib;
    c.have_lib = true;
    c.buffer_bytes = options.buffer_bytes < 4096 ? 4096 : options.buffer_bytes;
  }
  out.tracer = std::make_unique<CuptiActivityTracer>(lib, subscriber, selected);
  return out;
}

}  // namespace

TracerOrReason open_activity_tracer(const TracerOptions& options) {
  if (g_tracer_open.exchange(true)) return {nullptr, "an activity tracer is already open in this process"};
  TracerOrReason out;
  try {
    out = open_tracer(options);
  } catch (const std::exception& e) {  // e.g. bad_alloc, or a throwing injected probe
    out = {nullptr, std::string("CUPTI tracing could not be set up: ") + e.what()};
  }
  if (!out.tracer) g_tracer_open = false;
  return out;
}

}  // namespace flopscope::cuda
