#pragma once
// The NVTX3 RangeSink (gpu/ranges.h). NVTX3 is header-only; without a tool attached every call is a no-op
// through a function pointer, a few ns.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "gpu/ranges.h"

struct nvtxDomainRegistration_st;
struct nvtxStringRegistration_st;

namespace flopscope::cuda {

class NvtxRanges final : public gpu::RangeSink {
 public:
  /// Calls nvtxInitialize (so a tool loads now, not inside the first op), creates the "flopscope" domain and
  /// names its categories.
  NvtxRanges();
  void push_module(const std::string& path) override;
  void push_op(const char* name, std::uint64_t id) override;
  void pop() override;

  /// Distinct names registered so far (each is registered with NVTX once).
  std::size_t registered_strings() const;

  static constexpr std::uint32_t kModuleCategory = 1, kAtenCategory = 2;

 private:
  struct Entry {
    std::string name;
    nvtxStringRegistration_st* handle = nullptr;
  };
  const Entry& intern(const std::string& name);   // under mutex_
  const Entry& intern(const char* name);          // under mutex_
  void push(const Entry& entry, std::uint32_t category, std::uint32_t color, std::uint64_t payload, bool has_payload);

  nvtxDomainRegistration_st* domain_ = nullptr;
  mutable std::mutex mutex_;  // ops may arrive on several threads; NVTX itself is thread-safe
  std::unordered_map<std::string, std::unique_ptr<Entry>> by_name_;
  // Op names are usually pointers into the operator schema, stable for the process: a pointer hit skips
  // hashing the text. A hit is confirmed by comparing the text, so a reused pointer cannot mislabel a range.
  std::unordered_map<const char*, const Entry*> by_pointer_;
};

}  // namespace flopscope::cuda
