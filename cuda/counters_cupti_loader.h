#pragma once
// The entry points the counter pass uses (profiler host, target and range profiler), looked up on the libcupti
// that cuda/cupti_library.h opened, with the same search and version rule as the activity tracer's; nothing is
// linked at build time, so binaries start without CUPTI or a driver.
#include <cupti.h>
#include <cupti_profiler_host.h>
#include <cupti_profiler_target.h>
#include <cupti_range_profiler.h>
#include <cupti_target.h>

#include <string>

namespace flopscope::gpu::cupti {

struct CounterLibrary {
  bool loaded = false;
  std::string reason;  ///< why not, when !loaded
  std::string path;    ///< the file dlopen accepted
  std::uint32_t version = 0;  ///< cuptiGetVersion (130001 for CUDA 13.0)

  decltype(&cuptiGetResultString) result_string = nullptr;
  decltype(&cuptiGetVersion) get_version = nullptr;
  // Target side: need a driver and a device.
  decltype(&cuptiProfilerInitialize) profiler_initialize = nullptr;
  decltype(&cuptiProfilerDeInitialize) profiler_deinitialize = nullptr;
  decltype(&cuptiDeviceGetChipName) device_chip_name = nullptr;
  decltype(&cuptiProfilerGetCounterAvailability) counter_availability = nullptr;
  decltype(&cuptiProfilerDeviceSupported) device_supported = nullptr;
  decltype(&cuptiRangeProfilerEnable) range_enable = nullptr;
  decltype(&cuptiRangeProfilerDisable) range_disable = nullptr;
  decltype(&cuptiRangeProfilerGetCounterDataSize) range_counter_data_size = nullptr;
  decltype(&cuptiRangeProfilerCounterDataImageInitialize) range_counter_data_init = nullptr;
  decltype(&cuptiRangeProfilerSetConfig) range_set_config = nullptr;
  decltype(&cuptiRangeProfilerStart) range_start = nullptr;
  decltype(&cuptiRangeProfilerStop) range_stop = nullptr;
  decltype(&cuptiRangeProfilerDecodeData) range_decode = nullptr;
  decltype(&cuptiRangeProfilerGetCounterDataInfo) range_counter_data_info = nullptr;
  decltype(&cuptiSubscribe) subscribe = nullptr;
  decltype(&cuptiUnsubscribe) unsubscribe = nullptr;
  decltype(&cuptiEnableCallback) enable_callback = nullptr;
  // Host side: works without a GPU for a named chip.
  decltype(&cuptiProfilerHostInitialize) host_initialize = nullptr;
  decltype(&cuptiProfilerHostDeinitialize) host_deinitialize = nullptr;
  decltype(&cuptiProfilerHostGetSupportedChips) host_supported_chips = nullptr;
  decltype(&cuptiProfilerHostGetBaseMetrics) host_base_metrics = nullptr;
  decltype(&cuptiProfilerHostConfigAddMetrics) host_add_metrics = nullptr;
  decltype(&cuptiProfilerHostGetConfigImageSize) host_config_size = nullptr;
  decltype(&cuptiProfilerHostGetConfigImage) host_config_image = nullptr;
  decltype(&cuptiProfilerHostGetNumOfPasses) host_passes = nullptr;
  decltype(&cuptiProfilerHostEvaluateToGpuValues) host_evaluate = nullptr;

  /// "CUPTI_ERROR_INSUFFICIENT_PRIVILEGES (35)" for people.
  std::string error_name(CUptiResult r) const;
};

/// Opened once per process, through cuda::load_cupti (the one place libcupti is opened); never throws.
const CounterLibrary& counter_library();

}  // namespace flopscope::gpu::cupti
