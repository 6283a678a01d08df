#pragma once
// libcupti opened with dlopen and its entry points looked up by name: flopscope never links CUPTI (nor
// libcuda), so every binary starts on a machine without them. The toolkit's headers give the types only.
#include <cupti.h>
#include <cupti_profiler_host.h>
#include <cupti_profiler_target.h>
#include <cupti_range_profiler.h>
#include <cupti_target.h>

#include <string>
#include <vector>

namespace flopscope::cuda {

// The CUPTI entry points flopscope calls, each listed once by its API name: the lists declare the members
// below and drive the lookup in cupti_library.cpp, so a name cannot be declared and looked up differently.
// The activity tracer needs the first list; the counter pass also needs the profiler list.
#define FLOPSCOPE_CUPTI_ACTIVITY_API(X)                                                                      \
  X(cuptiGetVersion) X(cuptiGetResultString) X(cuptiGetTimestamp) X(cuptiSubscribe) X(cuptiUnsubscribe)       \
  X(cuptiActivityEnable) X(cuptiActivityDisable) X(cuptiActivityRegisterCallbacks)                           \
  X(cuptiActivityGetNextRecord) X(cuptiActivityGetNumDroppedRecords) X(cuptiActivityFlushAll)                \
  X(cuptiActivityPushExternalCorrelationId) X(cuptiActivityPopExternalCorrelationId)
#define FLOPSCOPE_CUPTI_OPTIONAL_API(X) \
  X(cuptiSubscribe_v2) X(cuptiActivityEnableRuntimeApi) X(cuptiActivityEnableDriverApi)
#define FLOPSCOPE_CUPTI_PROFILER_API(X)                                                                      \
  X(cuptiEnableCallback) X(cuptiProfilerInitialize) X(cuptiProfilerDeInitialize) X(cuptiDeviceGetChipName)   \
  X(cuptiProfilerGetCounterAvailability) X(cuptiProfilerDeviceSupported) X(cuptiRangeProfilerEnable)         \
  X(cuptiRangeProfilerDisable) X(cuptiRangeProfilerGetCounterDataSize)                                       \
  X(cuptiRangeProfilerCounterDataImageInitialize) X(cuptiRangeProfilerSetConfig) X(cuptiRangeProfilerStart)  \
  X(cuptiRangeProfilerStop) X(cuptiRangeProfilerDecodeData) X(cuptiRangeProfilerGetCounterDataInfo)          \
  X(cuptiProfilerHostInitialize) X(cuptiProfilerHostDeinitialize) X(cuptiProfilerHostGetSupportedChips)      \
  X(cuptiProfilerHostGetBaseMetrics) X(cuptiProfilerHostConfigAddMetrics)                                    \
  X(cuptiProfilerHostGetConfigImageSize) X(cuptiProfilerHostGetConfigImage)                                  \
  X(cuptiProfilerHostGetNumOfPasses) X(cuptiProfilerHostEvaluateToGpuValues)

/// One opened libcupti. Call entry points through FLOPSCOPE_CUPTI_CALL (call_check.h).
struct CuptiLibrary {
  void* handle = nullptr;
  std::string path;          ///< the file that was loaded
  std::uint32_t version = 0; ///< cuptiGetVersion
  /// Why the counter pass cannot use this library ("" when every profiler entry point was found).
  std::string profiler_reason;

#define FLOPSCOPE_CUPTI_MEMBER(fn) decltype(&::fn) fn = nullptr;
  FLOPSCOPE_CUPTI_ACTIVITY_API(FLOPSCOPE_CUPTI_MEMBER)
  FLOPSCOPE_CUPTI_OPTIONAL_API(FLOPSCOPE_CUPTI_MEMBER)  // null in an older library
  FLOPSCOPE_CUPTI_PROFILER_API(FLOPSCOPE_CUPTI_MEMBER)  // null when profiler_reason says so
#undef FLOPSCOPE_CUPTI_MEMBER

  /// "CUPTI_ERROR_UNKNOWN (999)": the library's name for the code, and the code.
  std::string describe(CUptiResult result) const;
};

struct CuptiLoad {
  CuptiLibrary library;   ///< valid when reason is empty
  std::string reason;     ///< why CUPTI cannot be used, one line
};

/// Where libcupti.so.13 is looked for, in order: the copy already loaded in the process alone, when there is one;
/// then $FLOPSCOPE_CUPTI_LIBRARY alone when set; otherwise the
/// loader's own search ("libcupti.so.13": LD_LIBRARY_PATH, rpath, a copy already loaded), the torch wheel's
/// nvidia/cu13/lib next to the loaded libtorch, $CUDA_HOME/lib64, the toolkit found at build time, and
/// /usr/local/cuda/lib64.
std::vector<std::string> default_cupti_paths();

/// Opens the first candidate that loads, resolves every entry point and checks cuptiGetVersion against the
/// CUPTI_API_VERSION of the headers (same major, minor no older). Never throws, never calls a CUPTI
/// function that touches the driver. The handle is never closed: CUPTI does not support unloading.
CuptiLoad load_cupti(const std::vector<std::string>& candidates);

/// Whether a library reporting `runtime` can serve code built against `built` (both xxyyzz, CUDA 13 on).
bool cupti_version_compatible(std::uint32_t runtime, std::uint32_t built);

/// load_cupti(default_cupti_paths()), once per process: the library the counter pass and the GPU pass share.
const CuptiLoad& process_cupti();

}  // namespace flopscope::cuda
