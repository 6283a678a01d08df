// A stand-in for libcupti.so.13 that the CUPTI tracer opens through TracerOptions::cupti_paths, so the
// tracer's whole life (subscribe, enable, buffers, flush, external ids, every failure) is tested on a
// machine without a GPU. The test steers it through the fake_cupti_* functions.
#include <cupti.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct State {
  std::uint32_t version = CUPTI_API_VERSION;
  CUptiResult subscribe_result = CUPTI_SUCCESS;
  std::string other_subscriber;
  CUpti_ActivityKind failing_kind = CUPTI_ACTIVITY_KIND_INVALID;
  CUptiResult enable_result = CUPTI_SUCCESS;
  std::string subscriber_name;
  std::size_t subscriber_struct_size = 0;
  std::vector<int> enabled;  // currently enabled kinds
  std::vector<int> enable_log;
  std::vector<int> runtime_apis, driver_apis;  // the API calls currently recorded (cuptiActivityEnable*Api)
  int subscribed = 0, unsubscribed = 0;
  CUpti_BuffersCallbackRequestFunc request = nullptr;
  CUpti_BuffersCallbackCompleteFunc complete = nullptr;
  std::vector<std::vector<std::uint8_t>> pending;  // records to deliver at the next flush
  std::vector<std::size_t> offsets;                // of the records in the buffer being read
  std::size_t dropped = 0;
  std::vector<std::uint64_t> external_stack;
  std::vector<std::uint64_t> pushed;
  std::uint64_t clock = 5000;
  int flushes = 0;
};

State& state() {
  static State s;
  return s;
}

}  // namespace

extern "C" {

// ---- Steering, for the test ------------------------------------------------------------------------------
__attribute__((visibility("default"))) void fake_cupti_reset() { state() = State{}; }
__attribute__((visibility("default"))) void fake_cupti_set_version(std::uint32_t v) { state().version = v; }
__attribute__((visibility("default"))) void fake_cupti_set_subscribe(int result, const char* other) {
  state().subscribe_result = static_cast<CUptiResult>(result);
  state().other_subscriber = other ? other : "";
}
__attribute__((visibility("default"))) void fake_cupti_fail_enable(int kind, int result) {
  state().failing_kind = static_cast<CUpti_ActivityKind>(kind);
  state().enable_result = static_cast<CUptiResult>(result);
}
__attribute__((visibility("default"))) void fake_cupti_queue_record(const void* record, std::size_t size) {
  const auto* p = static_cast<const std::uint8_t*>(record);
  state().pending.emplace_back(p, p + size);
}
__attribute__((visibility("default"))) void fake_cupti_set_dropped(std::size_t n) { state().dropped = n; }
__attribute__((visibility("default"))) const char* fake_cupti_subscriber_name() { return state().subscriber_name.c_str(); }
__attribute__((visibility("default"))) std::size_t fake_cupti_subscriber_struct_size() { return state().subscriber_struct_size; }
__attribute__((visibility("default"))) int fake_cupti_enable_log(int* out, int max) {
  int n = 0;
  for (int k : state().enable_log)
    if (n < max) out[n++] = k;
  return n;
}
__attribute__((visibility("default"))) int fake_cupti_api_count(int driver) {
  return static_cast<int>((driver ? state().driver_apis : state().runtime_apis).size());
}
__attribute__((visibility("default"))) int fake_cupti_api_recorded(int driver, int cbid) {
  const auto& v = driver ? state().driver_apis : state().runtime_apis;
  return std::find(v.begin(), v.end(), cbid) != v.end();
}
__attribute__((visibility("default"))) int fake_cupti_enabled_count() { return static_cast<int>(state().enabled.size()); }
__attribute__((visibility("default"))) int fake_cupti_subscribed() { return state().subscribed - state().unsubscribed; }
__attribute__((visibility("default"))) int fake_cupti_external_depth() { return static_cast<int>(state().external_stack.size()); }
__attribute__((visibility("default"))) int fake_cupti_pushed(std::uint64_t* out, int max) {
  int n = 0;
  for (std::uint64_t id : state().pushed)
    if (n < max) out[n++] = id;
  return n;
}
__attribute__((visibility("default"))) int fake_cupti_flushes() { return state().flushes; }

// ---- The CUPTI entry points flopscope resolves -------------------------------------------------------------
CUptiResult cuptiGetVersion(uint32_t* version) {
  *version = state().version;
  return CUPTI_SUCCESS;
}

CUptiResult cuptiGetResultString(CUptiResult result, const char** str) {
  switch (result) {
    case CUPTI_SUCCESS: *str = "CUPTI_SUCCESS"; return CUPTI_SUCCESS;
    case CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED: *str = "CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED"; return CUPTI_SUCCESS;
    case CUPTI_ERROR_INSUFFICIENT_PRIVILEGES: *str = "CUPTI_ERROR_INSUFFICIENT_PRIVILEGES"; return CUPTI_SUCCESS;
    default: return CUPTI_ERROR_INVALID_PARAMETER;  // flopscope must then name the code itself
  }
}

CUptiResult cuptiGetTimestamp(uint64_t* t) {
  *t = state().clock;
  state().clock += 100;
  return CUPTI_SUCCESS;
}

CUptiResult cuptiSubscribe(CUpti_SubscriberHandle* subscriber, CUpti_CallbackFunc, void*) {
  if (state().subscribe_result != CUPTI_SUCCESS) return state().subscribe_result;
  *subscriber = reinterpret_cast<CUpti_SubscriberHandle>(&state());
  ++state().subscribed;
  return CUPTI_SUCCESS;
}

CUptiResult cuptiSubscribe_v2(CUpti_SubscriberHandle* subscriber, CUpti_CallbackFunc callback, void* userdata,
                              CUpti_SubscriberParams* params) {
  if (params != nullptr) {
    state().subscriber_struct_size = params->structSize;
    if (params->structSize != CUpti_SubscriberParams_STRUCT_SIZE) return CUPTI_ERROR_INVALID_PARAMETER;
    state().subscriber_name = params->subscriberName ? params->subscriberName : "";
    if (state().subscribe_result == CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED && params->oldSubscriberName &&
        params->oldSubscriberSize > 0) {
      std::strncpy(params->oldSubscriberName, state().other_subscriber.c_str(), params->oldSubscriberSize - 1);
      params->oldSubscriberName[params->oldSubscriberSize - 1] = '\0';
    }
  }
  return cuptiSubscribe(subscriber, callback, userdata);
}

CUptiResult cuptiUnsubscribe(CUpti_SubscriberHandle) {
  ++state().unsubscribed;
  return CUPTI_SUCCESS;
}

CUptiResult cuptiActivityEnable(CUpti_ActivityKind kind) {
  if (kind == state().failing_kind) return state().enable_result;
  state().enabled.push_back(kind);
  state().enable_log.push_back(kind);
  return CUPTI_SUCCESS;
}

static void set_api(std::vector<int>& apis, CUpti_CallbackId cbid, uint8_t enable) {
  auto it = std::find(apis.begin(), apis.end(), static_cast<int>(cbid));
  if (enable && it == apis.end()) apis.push_back(static_cast<int>(cbid));
  if (!enable && it != apis.end()) apis.erase(it);
}

CUptiResult cuptiActivityEnableRuntimeApi(CUpti_CallbackId cbid, uint8_t enable) {
  set_api(state().runtime_apis, cbid, enable);
  return CUPTI_SUCCESS;
}

CUptiResult cuptiActivityEnableDriverApi(CUpti_CallbackId cbid, uint8_t enable) {
  set_api(state().driver_apis, cbid, enable);
  return CUPTI_SUCCESS;
}

CUptiResult cuptiActivityDisable(CUpti_ActivityKind kind) {
  auto& e = state().enabled;
  for (auto it = e.begin(); it != e.end(); ++it)
    if (*it == kind) {
      e.erase(it);
      break;
    }
  return CUPTI_SUCCESS;
}

CUptiResult cuptiActivityRegisterCallbacks(CUpti_BuffersCallbackRequestFunc request,
                                           CUpti_BuffersCallbackCompleteFunc complete) {
  state().request = request;
  state().complete = complete;
  return CUPTI_SUCCESS;
}

CUptiResult cuptiActivityFlushAll(uint32_t) {
  State& s = state();
  ++s.flushes;
  if (s.pending.empty() || !s.request || !s.complete) return CUPTI_SUCCESS;
  std::uint8_t* buffer = nullptr;
  std::size_t size = 0, max_records = 1;
  s.request(&buffer, &size, &max_records);
  if (buffer == nullptr || reinterpret_cast<std::uintptr_t>(buffer) % 8 != 0) return CUPTI_ERROR_INVALID_PARAMETER;
  std::size_t used = 0;
  s.offsets.clear();
  for (const auto& r : s.pending) {
    if (used + r.size() > size) break;
    std::memcpy(buffer + used, r.data(), r.size());
    s.offsets.push_back(used);
    used += (r.size() + 7) / 8 * 8;
  }
  s.pending.clear();
  s.complete(nullptr, 0, buffer, size, used);
  return CUPTI_SUCCESS;
}

CUptiResult cuptiActivityGetNextRecord(uint8_t* buffer, size_t, CUpti_Activity** record) {
  const auto& offsets = state().offsets;
  std::size_t next = 0;
  if (*record != nullptr) {
    std::size_t at = reinterpret_cast<std::uint8_t*>(*record) - buffer;
    while (next < offsets.size() && offsets[next] <= at) ++next;
  }
  if (next >= offsets.size()) return CUPTI_ERROR_MAX_LIMIT_REACHED;
  *record = reinterpret_cast<CUpti_Activity*>(buffer + offsets[next]);
  return CUPTI_SUCCESS;
}

CUptiResult cuptiActivityGetNumDroppedRecords(CUcontext, uint32_t, size_t* dropped) {
  *dropped = state().dropped;
  return CUPTI_SUCCESS;
}

CUptiResult cuptiActivityPushExternalCorrelationId(CUpti_ExternalCorrelationKind kind, uint64_t id) {
  if (kind != CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0) return CUPTI_ERROR_INVALID_KIND;
  state().external_stack.push_back(id);
  state().pushed.push_back(id);
  return CUPTI_SUCCESS;
}

CUptiResult cuptiActivityPopExternalCorrelationId(CUpti_ExternalCorrelationKind kind, uint64_t* last) {
  if (kind != CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0 || state().external_stack.empty()) return CUPTI_ERROR_QUEUE_EMPTY;
  *last = state().external_stack.back();
  state().external_stack.pop_back();
  return CUPTI_SUCCESS;
}

}  // extern "C"
