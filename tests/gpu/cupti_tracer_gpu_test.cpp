// The CUPTI tracer on a real device, without LibTorch: a memset and a copy made while an external id is
// pushed must come back as records joined to that id. Skips with the tracer's reason where there is none.
#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "gpu/cuda_backend.h"

namespace flopscope {
namespace {

struct Runtime {
  void* handle = nullptr;
  decltype(&cudaMalloc) malloc = nullptr;
  decltype(&cudaFree) free = nullptr;
  decltype(&cudaMemset) memset = nullptr;
  decltype(&cudaMemcpy) memcpy = nullptr;
  decltype(&cudaDeviceSynchronize) sync = nullptr;
  Runtime() {
    for (const char* path : {"libcudart.so.13", FLOPSCOPE_CUDART})
      if ((handle = dlopen(path, RTLD_NOW | RTLD_LOCAL)) != nullptr) break;
    if (handle == nullptr) return;
    malloc = reinterpret_cast<decltype(malloc)>(dlsym(handle, "cudaMalloc"));
    free = reinterpret_cast<decltype(free)>(dlsym(handle, "cudaFree"));
    memset = reinterpret_cast<decltype(memset)>(dlsym(handle, "cudaMemset"));
    memcpy = reinterpret_cast<decltype(memcpy)>(dlsym(handle, "cudaMemcpy"));
    sync = reinterpret_cast<decltype(sync)>(dlsym(handle, "cudaDeviceSynchronize"));
  }
  bool ok() const { return malloc && free && memset && memcpy && sync; }
};

TEST(CuptiTracerGpu, MemsetAndCopyJoinedToTheirExternalId) {
  gpu::TracerOrReason t = cuda::open_activity_tracer();
  if (!t.tracer) GTEST_SKIP() << "no CUPTI tracing here: " << t.reason;
  Runtime rt;
  if (!rt.ok()) GTEST_SKIP() << "libcudart.so.13 not found";
  constexpr std::size_t kSet = 1 << 20, kCopy = 4096;
  void* device = nullptr;
  ASSERT_EQ(rt.malloc(&device, kSet), cudaSuccess);  // creates the context outside the session
  ASSERT_EQ(rt.sync(), cudaSuccess);
  std::vector<unsigned char> host(kCopy, 0xff);

  t.tracer->start();
  std::uint64_t begin = t.tracer->now_ns();
  const std::uint64_t id = gpu::external_id(0, 7);
  t.tracer->push(id);
  ASSERT_EQ(rt.memset(device, 0, kSet), cudaSuccess);
  ASSERT_EQ(rt.memcpy(host.data(), device, kCopy, cudaMemcpyDeviceToHost), cudaSuccess);
  t.tracer->pop();
  ASSERT_EQ(rt.sync(), cudaSuccess);
  std::uint64_t end = t.tracer->now_ns();
  gpu::ActivityLog log = t.tracer->stop();
  rt.free(device);

  EXPECT_EQ(host[0], 0);
  EXPECT_EQ(log.dropped, 0u);
  auto set = std::find_if(log.memory.begin(), log.memory.end(),
                          [](const auto& m) { return m.kind == gpu::MemoryRecord::Kind::Memset; });
  auto copy = std::find_if(log.memory.begin(), log.memory.end(),
                           [](const auto& m) { return m.kind == gpu::MemoryRecord::Kind::Memcpy; });
  ASSERT_NE(set, log.memory.end());
  ASSERT_NE(copy, log.memory.end());
  EXPECT_EQ(set->bytes, kSet);
  EXPECT_EQ(copy->bytes, kCopy);
  EXPECT_EQ(copy->copy_kind, 2);  // CUPTI_ACTIVITY_MEMCPY_KIND_DTOH
  for (const auto* m : {&*set, &*copy}) {
    EXPECT_GE(m->start_ns, begin);
    EXPECT_LE(m->end_ns, end);
    auto api = std::find_if(log.api.begin(), log.api.end(), [&](const auto& a) { return a.correlation == m->correlation; });
    EXPECT_NE(api, log.api.end()) << "no API record for correlation " << m->correlation;
    auto ext = std::find_if(log.external.begin(), log.external.end(),
                            [&](const auto& e) { return e.correlation == m->correlation; });
    ASSERT_NE(ext, log.external.end()) << "no external correlation for " << m->correlation;
    EXPECT_EQ(ext->external_id, id);
  }
}

}  // namespace
}  // namespace flopscope
