// NVTX3 ranges in the "flopscope" domain: registered strings, categories "module" and "aten", the op's
// external id as a uint64 payload so Nsight Systems ranges join CUPTI's records.
#include "nvtx_ranges.h"

#include "gpu/cuda_backend.h"

#include <nvtx3/nvToolsExt.h>

#include <cstdlib>
#include <cstring>

namespace flopscope::cuda {
namespace {

constexpr std::uint32_t kModuleColor = 0xFF4C8BF5;  // ARGB: modules blue
constexpr std::uint32_t kAtenColor = 0xFF76B900;    // ops green
constexpr std::size_t kMaxPointers = 4096;          // bound the pointer cache if callers pass temporaries

}  // namespace

NvtxRanges::NvtxRanges() {
  nvtxInitialize(nullptr);
  domain_ = nvtxDomainCreateA("flopscope");
  nvtxDomainNameCategoryA(domain_, kModuleCategory, "module");
  nvtxDomainNameCategoryA(domain_, kAtenCategory, "aten");
}

const NvtxRanges::Entry& NvtxRanges::intern(const std::string& name) {
  auto it = by_name_.find(name);
  if (it != by_name_.end()) return *it->second;
  auto entry = std::make_unique<Entry>();
  entry->name = name;
  entry->handle = nvtxDomainRegisterStringA(domain_, entry->name.c_str());
  return *by_name_.emplace(name, std::move(entry)).first->second;
}

const NvtxRanges::Entry& NvtxRanges::intern(const char* name) {
  auto it = by_pointer_.find(name);
  if (it != by_pointer_.end() && std::strcmp(it->second->name.c_str(), name) == 0) return *it->second;
  const Entry& entry = intern(std::string(name));
  if (by_pointer_.size() >= kMaxPointers) by_pointer_.clear();
  by_pointer_[name] = &entry;
  return entry;
}

void NvtxRanges::push(const Entry& entry, std::uint32_t category, std::uint32_t color, std::uint64_t payload,
                      bool has_payload) {
  nvtxEventAttributes_t a{};
  a.version = NVTX_VERSION;
  a.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE;
  a.category = category;
  a.colorType = NVTX_COLOR_ARGB;
  a.color = color;
  if (has_payload) {
    a.payloadType = NVTX_PAYLOAD_TYPE_UNSIGNED_INT64;
    a.payload.ullValue = payload;
  }
  a.messageType = NVTX_MESSAGE_TYPE_REGISTERED;
  a.message.registered = entry.handle;
  nvtxDomainRangePushEx(domain_, &a);
}

void NvtxRanges::push_module(const std::string& path) {
  std::unique_lock<std::mutex> lock(mutex_);
  const Entry& entry = intern(path.empty() ? std::string("model") : path);
  lock.unlock();
  push(entry, kModuleCategory, kModuleColor, 0, false);
}

void NvtxRanges::push_op(const char* name, std::uint64_t id) {
  std::unique_lock<std::mutex> lock(mutex_);
  const Entry& entry = intern(name != nullptr ? name : "");
  lock.unlock();
  push(entry, kAtenCategory, kAtenColor, id, true);
}

void NvtxRanges::pop() { nvtxDomainRangePop(domain_); }

std::size_t NvtxRanges::registered_strings() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return by_name_.size();
}


std::unique_ptr<gpu::RangeSink> make_nvtx_ranges() { return std::make_unique<NvtxRanges>(); }

bool nvtx_tool_attached() {
  const char* path = std::getenv("NVTX_INJECTION64_PATH");
  return path != nullptr && *path != '\0';
}

}  // namespace flopscope::cuda
