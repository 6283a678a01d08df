#pragma once
/// CUDA device discovery through the driver API, loaded at run time: every binary starts without a GPU.
#include <string>
#include <vector>

namespace flopscope {

struct CudaDevice {
  int index = 0;
  std::string name;
  int sm_major = 0, sm_minor = 0;
  int multiprocessors = 0;
  long long total_memory = 0;  ///< bytes
  int sm_clock_khz = 0;          ///< CU_DEVICE_ATTRIBUTE_CLOCK_RATE: the SM clock peaks are computed at (max boost)
  int memory_clock_khz = 0;      ///< CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE: peak memory clock
  int memory_bus_width_bits = 0; ///< CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH
};

struct CudaStatus {
  bool available = false;
  std::string reason;                 ///< why not, e.g. "no CUDA driver (libcuda.so.1 not found)"
  int driver_version = 0;             ///< e.g. 13000
  std::vector<CudaDevice> devices;
  bool built_with_toolkit = false;    ///< the cuda/ sources were compiled against the CUDA toolkit
};

/// Probes libcuda once per process (later calls return the first answer); never throws.
CudaStatus probe_cuda();

/// One line for people: "CUDA: 1 device (NVIDIA H100 ...)" or "no CUDA device: <reason>".
std::string describe(const CudaStatus& status);

/// Throws CudaUnavailable ("CUDA was requested but no CUDA device: <reason>; ...") unless a device is usable;
/// then loads LibTorch's CUDA library (load_torch_cuda).
void require_cuda();

/// flopscope links only LibTorch's CPU library; this opens libtorch_cuda.so (next to libtorch_cpu.so) once.
/// Call it before the first CUDA tensor or at::hasCUDA(): ATen decides once per process whether CUDA exists.
/// A program that links LibTorch's CUDA library itself has nothing to do. Throws CudaUnavailable if the
/// library cannot be loaded.
void load_torch_cuda();

}  // namespace flopscope
