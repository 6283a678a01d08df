#include "launch_log.h"

#include <cuda.h>
#include <cupti_driver_cbid.h>
#include <cupti_runtime_cbid.h>

namespace flopscope::cuda {
namespace {

thread_local int t_runtime_depth = 0;

// The leading fields of the launch calls' parameter blocks, as generated_cuda_runtime_api_meta.h and
// generated_cuda_meta.h lay them out (those headers do not compile on their own). Only the grid is read.
struct Dim3 {
  unsigned x, y, z;
};
struct RuntimeLaunchParams {  // cudaLaunchKernel_v7000_params, __cudaLaunchKernel_v13000_params, their _ptsz
  const void* func;           // twins and cudaLaunchCooperativeKernel alike: (func, gridDim, blockDim, ...)
  Dim3 grid;
};
struct RuntimeLaunchConfig {  // cudaLaunchConfig_t starts with its grid
  Dim3 grid;
};
struct RuntimeLaunchExParams {  // cudaLaunchKernelExC_v11060_params
  const RuntimeLaunchConfig* config;
};
struct DriverLaunchParams {  // cuLaunchKernel_params
  CUfunction f;
  unsigned grid_x, grid_y, grid_z;
};
struct DriverLaunchExParams {  // cuLaunchKernelEx_params; CUlaunchConfig starts with gridDimX/Y/Z
  const CUlaunchConfig* config;
};

void set_grid(gpu::KernelCounters& k, unsigned x, unsigned y, unsigned z) {
  k.grid[0] = static_cast<std::int32_t>(x);
  k.grid[1] = static_cast<std::int32_t>(y);
  k.grid[2] = static_cast<std::int32_t>(z);
}

}  // namespace

const std::vector<CUpti_CallbackId>& runtime_launch_ids() {
  static const std::vector<CUpti_CallbackId> ids = {
      CUPTI_RUNTIME_TRACE_CBID___cudaLaunchKernel_v13000,       CUPTI_RUNTIME_TRACE_CBID___cudaLaunchKernel_ptsz_v13000,
      CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000,          CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_ptsz_v7000,
      CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernelExC_v11060,      CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernelExC_ptsz_v11060,
      CUPTI_RUNTIME_TRACE_CBID_cudaLaunchCooperativeKernel_v9000,
      CUPTI_RUNTIME_TRACE_CBID_cudaLaunchCooperativeKernel_ptsz_v9000};
  return ids;
}

const std::vector<CUpti_CallbackId>& driver_launch_ids() {
  static const std::vector<CUpti_CallbackId> ids = {
      CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel,   CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel_ptsz,
      CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx, CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx_ptsz,
      CUPTI_DRIVER_TRACE_CBID_cuLaunchCooperativeKernel, CUPTI_DRIVER_TRACE_CBID_cuLaunchCooperativeKernel_ptsz};
  return ids;
}

void CUPTIAPI LaunchLog::on_callback(void* log, CUpti_CallbackDomain domain, CUpti_CallbackId cbid, const void* data) {
  static_cast<LaunchLog*>(log)->record(domain, cbid, *static_cast<const CUpti_CallbackData*>(data));
}

void LaunchLog::record(CUpti_CallbackDomain domain, CUpti_CallbackId cbid, const CUpti_CallbackData& cb) {
  const bool enter = cb.callbackSite == CUPTI_API_ENTER;
  if (domain == CUPTI_CB_DOMAIN_RUNTIME_API) {
    if (!enter) {
      --t_runtime_depth;
      return;
    }
    ++t_runtime_depth;
  } else if (!enter || t_runtime_depth > 0) {
    return;
  }
  gpu::KernelCounters k;
  if (cb.symbolName) k.name = cb.symbolName;
  const void* p = cb.functionParams;
  if (p != nullptr && domain == CUPTI_CB_DOMAIN_RUNTIME_API) {
    switch (cbid) {
      case CUPTI_RUNTIME_TRACE_CBID___cudaLaunchKernel_v13000:
      case CUPTI_RUNTIME_TRACE_CBID___cudaLaunchKernel_ptsz_v13000:
      case CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000:
      case CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_ptsz_v7000:
      case CUPTI_RUNTIME_TRACE_CBID_cudaLaunchCooperativeKernel_v9000:
      case CUPTI_RUNTIME_TRACE_CBID_cudaLaunchCooperativeKernel_ptsz_v9000: {
        const auto* a = static_cast<const RuntimeLaunchParams*>(p);
        set_grid(k, a->grid.x, a->grid.y, a->grid.z);
        break;
      }
      case CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernelExC_v11060:
      case CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernelExC_ptsz_v11060: {
        const auto* a = static_cast<const RuntimeLaunchExParams*>(p);
        if (a->config) set_grid(k, a->config->grid.x, a->config->grid.y, a->config->grid.z);
        break;
      }
      default: return;  // not a launch: logged nothing (the depth above still pairs enter and exit)
    }
  } else if (p != nullptr) {
    switch (cbid) {
      case CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel:
      case CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel_ptsz: {
        const auto* a = static_cast<const DriverLaunchParams*>(p);
        set_grid(k, a->grid_x, a->grid_y, a->grid_z);
        break;
      }
      case CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx:
      case CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx_ptsz: {
        const auto* a = static_cast<const DriverLaunchExParams*>(p);
        if (a->config) set_grid(k, a->config->gridDimX, a->config->gridDimY, a->config->gridDimZ);
        break;
      }
      case CUPTI_DRIVER_TRACE_CBID_cuLaunchCooperativeKernel:
      case CUPTI_DRIVER_TRACE_CBID_cuLaunchCooperativeKernel_ptsz: break;  // name only
      default: return;
    }
  }
  std::lock_guard<std::mutex> lock(m_mutex);
  k.range = m_launches.size();
  m_launches.push_back(std::move(k));
}

std::vector<gpu::KernelCounters> LaunchLog::launches() const {
  std::lock_guard<std::mutex> lock(m_mutex);
  return m_launches;
}

std::size_t LaunchLog::size() const {
  std::lock_guard<std::mutex> lock(m_mutex);
  return m_launches.size();
}

void LaunchLog::clear() {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_launches.clear();
}

}  // namespace flopscope::cuda
