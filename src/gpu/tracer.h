#pragma once
/// The activity tracer the timing pass drives: CUPTI's activity API behind a torch-free, CUDA-free interface.
/// cuda/activity_tracer.cpp implements it; where CUPTI cannot be used, cuda::open_activity_tracer() says why
/// instead, so the analytic report is still produced (no GPU is not an error).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "flopscope/device.h"
#include "flopscope/gpu.h"

namespace flopscope::gpu {

class ActivityTracer {
 public:
  virtual ~ActivityTracer() = default;
  /// Enables the record kinds and begins collecting. Throws flopscope::CudaUnavailable with a reason if CUPTI
  /// refuses a kind (open_activity_tracer already tried them once, so this is rare).
  virtual void start() = 0;
  /// Pushes / pops the calling thread's external-correlation id (CUPTI kind CUSTOM0): every CUDA API call made
  /// while `external_id` is on top is tied to it. Cheap enough for every op.
  virtual void push(std::uint64_t external_id) = 0;
  virtual void pop() = 0;
  /// Now on CUPTI's clock (the clock of every record's timestamps), in ns.
  virtual std::uint64_t now_ns() = 0;
  /// The caller has synchronised the device. Forces out every buffer, disables the kinds, returns the
  /// records collected since start(). The tracer may be started again; it leaves CUPTI when destroyed.
  virtual ActivityLog stop() = 0;
};

struct TracerOrReason {
  std::unique_ptr<ActivityTracer> tracer;  ///< null when CUPTI cannot be used here
  std::string reason;                      ///< why not, one line, CUPTI's error name and code included
};

/// What open_activity_tracer may be told; the defaults are what the tool uses. Tests inject the rest.
struct TracerOptions {
  /// Where to look for libcupti.so.13, in order; empty = the default search (cuda/cupti_library.h).
  std::vector<std::string> cupti_paths;
  /// The driver probe run before any CUPTI call that touches the device; empty = flopscope::probe_cuda().
  std::function<CudaStatus()> probe;
  /// Bytes per activity buffer handed to CUPTI.
  std::size_t buffer_bytes = std::size_t{8} << 20;
};

}  // namespace flopscope::gpu
