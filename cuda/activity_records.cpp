// Reading CUPTI 13.0's activity records (cupti_activity.h). Later CUPTI versions only append fields to these
// layouts, so reading them by their 13.0 prefix stays valid.
#include "activity_records.h"

namespace flopscope::cuda {
namespace {

void add_kernel(const CUpti_ActivityKernel10& k, gpu::ActivityLog& log) {
  gpu::KernelRecord out;
  out.name = k.name != nullptr ? k.name : "";  // CUPTI owns the string: copy it now
  out.start_ns = k.start;
  out.end_ns = k.end;
  out.correlation = k.correlationId;
  out.device = k.deviceId;
  out.context = k.contextId;
  out.stream = k.streamId;
  out.grid[0] = k.gridX, out.grid[1] = k.gridY, out.grid[2] = k.gridZ;
  out.block[0] = k.blockX, out.block[1] = k.blockY, out.block[2] = k.blockZ;
  log.kernels.push_back(std::move(out));
}

void add_api(const CUpti_ActivityAPI& a, gpu::ActivityLog& log) {
  gpu::ApiRecord out;
  out.driver = a.kind == CUPTI_ACTIVITY_KIND_DRIVER;
  out.cbid = a.cbid;
  out.correlation = a.correlationId;
  out.start_ns = a.start;
  out.end_ns = a.end;
  out.thread = a.threadId;
  log.api.push_back(out);
}

void add_memcpy(const CUpti_ActivityMemcpy6& m, gpu::ActivityLog& log) {
  gpu::MemoryRecord out;
  out.kind = gpu::MemoryRecord::Kind::Memcpy;
  out.start_ns = m.start;
  out.end_ns = m.end;
  out.bytes = m.bytes;
  out.correlation = m.correlationId;
  out.copy_kind = m.copyKind;
  out.device = m.deviceId;
  out.stream = m.streamId;
  log.memory.push_back(out);
}

void add_memset(const CUpti_ActivityMemset4& m, gpu::ActivityLog& log) {
  gpu::MemoryRecord out;
  out.kind = gpu::MemoryRecord::Kind::Memset;
  out.start_ns = m.start;
  out.end_ns = m.end;
  out.bytes = m.bytes;
  out.correlation = m.correlationId;
  out.device = m.deviceId;
  out.stream = m.streamId;
  log.memory.push_back(out);
}

}  // namespace

bool convert_record(const CUpti_Activity* record, gpu::ActivityLog& log) {
  if (record == nullptr) return false;
  switch (record->kind) {
    case CUPTI_ACTIVITY_KIND_KERNEL:
    case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL:
      add_kernel(*reinterpret_cast<const CUpti_ActivityKernel10*>(record), log);
      return true;
    case CUPTI_ACTIVITY_KIND_RUNTIME:
    case CUPTI_ACTIVITY_KIND_DRIVER:
      add_api(*reinterpret_cast<const CUpti_ActivityAPI*>(record), log);
      return true;
    case CUPTI_ACTIVITY_KIND_MEMCPY:
      add_memcpy(*reinterpret_cast<const CUpti_ActivityMemcpy6*>(record), log);
      return true;
    case CUPTI_ACTIVITY_KIND_MEMSET:
      add_memset(*reinterpret_cast<const CUpti_ActivityMemset4*>(record), log);
      return true;
    case CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION: {
      const auto& e = *reinterpret_cast<const CUpti_ActivityExternalCorrelation*>(record);
      if (e.externalKind != CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0) return false;
      log.external.push_back({e.correlationId, e.externalId});
      return true;
    }
    default:
      return false;
  }
}

}  // namespace flopscope::cuda
