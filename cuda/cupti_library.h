#pragma once
// libcupti opened with dlopen and its entry points looked up by name: flopscope never links CUPTI (nor
// libcuda), so every binary starts on a machine without them. The toolkit's headers give the types only.
#include <cupti.h>

#include <string>
#include <vector>

namespace flopscope::cuda {

/// The CUPTI entry points flopscope calls. Functions missing from an older library stay null where
/// optional (subscribe_v2, error_message).
struct CuptiLibrary {
  void* handle = nullptr;
  std::string path;          ///< the file that was loaded
  std::uint32_t version = 0; ///< cuptiGetVersion

  decltype(&cuptiGetVersion) get_version = nullptr;
  decltype(&cuptiGetResultString) result_string = nullptr;
  decltype(&cuptiGetTimestamp) get_timestamp = nullptr;
  decltype(&cuptiSubscribe) subscribe = nullptr;
  decltype(&cuptiSubscribe_v2) subscribe_v2 = nullptr;  // optional
  decltype(&cuptiUnsubscribe) unsubscribe = nullptr;
  decltype(&cuptiActivityEnable) enable = nullptr;
  decltype(&cuptiActivityDisable) disable = nullptr;
  decltype(&cuptiActivityRegisterCallbacks) register_callbacks = nullptr;
  decltype(&cuptiActivityGetNextRecord) next_record = nullptr;
  decltype(&cuptiActivityGetNumDroppedRecords) dropped_records = nullptr;
  decltype(&cuptiActivityFlushAll) flush_all = nullptr;
  decltype(&cuptiActivityPushExternalCorrelationId) push_external = nullptr;
  decltype(&cuptiActivityPopExternalCorrelationId) pop_external = nullptr;

  /// "CUPTI_ERROR_UNKNOWN (999)": the library's name for the code, and the code.
  std::string describe(CUptiResult result) const;
};

struct CuptiLoad {
  CuptiLibrary library;   ///< valid when reason is empty
  std::string reason;     ///< why CUPTI cannot be used, one line
};

/// Where libcupti.so.13 is looked for, in order: $FLOPSCOPE_CUPTI_LIBRARY alone when set; otherwise the
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

}  // namespace flopscope::cuda
