// The one probe of the device.
#include "flopscope/device.h"
#include "gpu/cuda_backend.h"

namespace flopscope {

// The driver's answer does not change while the process lives (ATen, too, decides once whether CUDA exists), so
// it is asked once: every part of an analysis, and every analysis, reads the same status.
CudaStatus probe_cuda() {
  static const CudaStatus status = cuda::probe_device();
  return status;
}

}  // namespace flopscope
