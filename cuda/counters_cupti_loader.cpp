#include "counters_cupti_loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <vector>

namespace flopscope::gpu::cupti {
namespace {

template <class F>
bool bind(void* handle, const char* name, F& out, std::string& missing) {
  out = reinterpret_cast<F>(dlsym(handle, name));
  if (out == nullptr && missing.empty()) missing = name;
  return out != nullptr;
}

// The SONAME first (ldconfig or LD_LIBRARY_PATH), then where the toolkit puts it: CUPTI finds its
// libnvperf_* companions next to itself.
std::vector<std::string> candidates() {
  std::vector<std::string> out{"libcupti.so.13"};
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"})
    if (const char* root = std::getenv(var); root && *root) {
      out.push_back(std::string(root) + "/lib64/libcupti.so.13");
      out.push_back(std::string(root) + "/extras/CUPTI/lib64/libcupti.so.13");
    }
  for (const char* root : {"/usr/local/cuda", "/usr/local/cuda-13.0"}) {
    out.push_back(std::string(root) + "/lib64/libcupti.so.13");
    out.push_back(std::string(root) + "/extras/CUPTI/lib64/libcupti.so.13");
  }
  return out;
}

CounterLibrary open_library() {
  CounterLibrary lib;
  void* handle = nullptr;
  for (const auto& path : candidates()) {
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle) {
      lib.path = path;
      break;
    }
  }
  if (handle == nullptr) {
    lib.reason = "CUPTI 13 (libcupti.so.13) cannot be loaded: put the CUDA 13 toolkit's lib64 on LD_LIBRARY_PATH";
    return lib;
  }
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
  lib.get_version(&lib.version);
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
