#pragma once
// The kernel launches the counter pass sees through CUPTI's callback API, in launch order: the name and grid the
// range profiler's ranges are matched to (src/gpu/counter_math.h's attach_launches). Every way a kernel is
// launched in CUDA 13 is listed: the runtime's cudaLaunchKernel family and __cudaLaunchKernel, which is what
// nvcc lowers `<<<>>>` to (every elementwise, norm, pooling and softmax kernel of libtorch_cuda.so arrives
// that way), and the driver's cuLaunchKernel family for code that calls the driver directly.
#include <cupti_callbacks.h>

#include <mutex>
#include <vector>

#include "flopscope/counters.h"

namespace flopscope::cuda {

class LaunchLog {
 public:
  /// CUPTI's callback: subscribe with the log as user data and enable launch_callback_ids().
  static void CUPTIAPI on_callback(void* log, CUpti_CallbackDomain domain, CUpti_CallbackId cbid, const void* data);

  /// One callback. A runtime launch also reaches the driver's callback while the runtime call is open on the
  /// same thread: it is logged once, from the runtime.
  void record(CUpti_CallbackDomain domain, CUpti_CallbackId cbid, const CUpti_CallbackData& data);

  /// The launches so far (name and grid filled), in launch order.
  std::vector<gpu::KernelCounters> launches() const;
  std::size_t size() const;
  void clear();

 private:
  mutable std::mutex m_mutex;  // CUPTI calls back on whichever thread launches
  std::vector<gpu::KernelCounters> m_launches;
};

/// The callback ids that launch a kernel, by domain.
const std::vector<CUpti_CallbackId>& runtime_launch_ids();
const std::vector<CUpti_CallbackId>& driver_launch_ids();

}  // namespace flopscope::cuda
