#include "counters_cupti_loader.h"

#include "cupti_library.h"

#include <dlfcn.h>

namespace flopscope::gpu::cupti {
namespace {

template <class F>
bool bind(void* handle, const char* name, F& out, std::string& missing) {
  out = reinterpret_cast<F>(dlsym(handle, name));
  if (out == nullptr && missing.empty()) missing = name;
  return out != nullptr;
}

CounterLibrary open_library() {
  CounterLibrary lib;
  // libcupti is opened in one place, cuda/cupti_library.cpp, with the activity tracer's search ($FLOPSCOPE_CUPTI_
  // LIBRARY, the loader, the torch wheel, the toolkit) and version rule, so both passes use one CUPTI; the
  // profiler's entry points are then looked up on the same handle.
  const cuda::CuptiLoad load = cuda::load_cupti(cuda::default_cupti_paths());
  lib.path = load.library.path;
  lib.version = load.library.version;
  if (!load.reason.empty()) {
    lib.reason = load.reason;
    return lib;
  }
  void* handle = load.library.handle;
  std::string missing;
  bool ok = bind(handle, "cuptiGetResultString", lib.result_string, missing) &
            bind(handle, "cuptiGetVersion", lib.get_version, missing) &
            bind(handle, "cuptiProfilerInitialize", lib.profiler_initialize, missing) &
            bind(handle, "cuptiProfilerDeInitialize", lib.profiler_deinitialize, missing) &
            bind(handle, "cuptiDeviceGetChipName", lib.device_chip_name, missing) &
            bind(handle, "cuptiProfilerGetCounterAvailability", lib.counter_availability, missing) &
            bind(handle, "cuptiProfilerDeviceSupported", lib.device_supported, missing) &
            bind(handle, "cuptiRangeProfilerEnable", lib.range_enable, missing) &
            bind(handle, "cuptiRangeProfilerDisable", lib.range_disable, missing) &
            bind(handle, "cuptiRangeProfilerGetCounterDataSize", lib.range_counter_data_size, missing) &
            bind(handle, "cuptiRangeProfilerCounterDataImageInitialize", lib.range_counter_data_init, missing) &
            bind(handle, "cuptiRangeProfilerSetConfig", lib.range_set_config, missing) &
            bind(handle, "cuptiRangeProfilerStart", lib.range_start, missing) &
            bind(handle, "cuptiRangeProfilerStop", lib.range_stop, missing) &
            bind(handle, "cuptiRangeProfilerDecodeData", lib.range_decode, missing) &
            bind(handle, "cuptiRangeProfilerGetCounterDataInfo", lib.range_counter_data_info, missing) &
            bind(handle, "cuptiSubscribe", lib.subscribe, missing) &
            bind(handle, "cuptiUnsubscribe", lib.unsubscribe, missing) &
            bind(handle, "cuptiEnableCallback", lib.enable_callback, missing) &
            bind(handle, "cuptiProfilerHostInitialize", lib.host_initialize, missing) &
            bind(handle, "cuptiProfilerHostDeinitialize", lib.host_deinitialize, missing) &
            bind(handle, "cuptiProfilerHostGetSupportedChips", lib.host_supported_chips, missing) &
            bind(handle, "cuptiProfilerHostGetBaseMetrics", lib.host_base_metrics, missing) &
            bind(handle, "cuptiProfilerHostConfigAddMetrics", lib.host_add_metrics, missing) &
            bind(handle, "cuptiProfilerHostGetConfigImageSize", lib.host_config_size, missing) &
            bind(handle, "cuptiProfilerHostGetConfigImage", lib.host_config_image, missing) &
            bind(handle, "cuptiProfilerHostGetNumOfPasses", lib.host_passes, missing) &
            bind(handle, "cuptiProfilerHostEvaluateToGpuValues", lib.host_evaluate, missing);
  if (!ok) {
    lib.reason = lib.path + " lacks " + missing + " (CUPTI older than 13.0?)";
    return lib;  // the handle stays open: unloading CUPTI is never safe once it has been used
  }
  lib.loaded = true;
  return lib;
}

}  // namespace

std::string CounterLibrary::error_name(CUptiResult r) const {
  const char* text = nullptr;
  std::string name = result_string && result_string(r, &text) == CUPTI_SUCCESS && text ? text : "CUPTI error";
  return name + " (" + std::to_string(static_cast<int>(r)) + ")";
}

const CounterLibrary& counter_library() {
  static const CounterLibrary lib = open_library();
  return lib;
}

}  // namespace flopscope::gpu::cupti
