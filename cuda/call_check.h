#pragma once
// The one way flopscope calls the driver and CUPTI: every entry point is a member named exactly as the API
// function (driver_library.h, cupti_library.h), and every call whose failure matters goes through one of these
// checks, as nvbench's and kineto's *_CALL macros do. A failing call throws CallFailed with the entry point's
// name and its result code; the pass that made the call turns that into its one-line reason at its boundary
// (src/gpu/cupti_reasons.h), so no call site builds its own message.
#include <cuda.h>
#include <cupti.h>

#include <exception>

namespace flopscope::cuda {

/// A driver or CUPTI call that did not return success.
struct CallFailed : std::exception {
  const char* call;  ///< the API function, e.g. "cuptiRangeProfilerStart"
  int code;          ///< its CUresult or CUptiResult
  CallFailed(const char* c, int r) : call(c), code(r) {}
  const char* what() const noexcept override { return call; }
};

}  // namespace flopscope::cuda

/// `lib.fn(args...)` for a CUPTI entry point; throws cuda::CallFailed("fn", result) unless CUPTI_SUCCESS.
#define FLOPSCOPE_CUPTI_CALL(lib, fn, ...)                                                     \
  do {                                                                                        \
    const CUptiResult flopscope_result_ = (lib).fn(__VA_ARGS__);                              \
    if (flopscope_result_ != CUPTI_SUCCESS)                                                   \
      throw ::flopscope::cuda::CallFailed(#fn, static_cast<int>(flopscope_result_));          \
  } while (0)

/// `lib.fn(args...)` for a driver entry point; throws cuda::CallFailed("fn", result) unless CUDA_SUCCESS.
#define FLOPSCOPE_CU_CALL(lib, fn, ...)                                                        \
  do {                                                                                        \
    const CUresult flopscope_result_ = (lib).fn(__VA_ARGS__);                                 \
    if (flopscope_result_ != CUDA_SUCCESS)                                                    \
      throw ::flopscope::cuda::CallFailed(#fn, static_cast<int>(flopscope_result_));          \
  } while (0)
