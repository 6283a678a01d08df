// Built when the CUDA toolkit is absent: no device, and the reason says so.
#include "gpu/cuda_backend.h"

namespace flopscope::cuda {

CudaStatus probe_device() {
  CudaStatus status;
  status.reason = "flopscope was built without the CUDA toolkit";
  return status;
}

}  // namespace flopscope::cuda
