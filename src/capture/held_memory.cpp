#include "capture/held_memory.h"

#include <c10/util/Logging.h>
#include <c10/util/ThreadLocalDebugInfo.h>
#include <torch/csrc/profiler/orchestration/observer.h>

#include <mutex>
#include <thread>

namespace flopscope::capture {

// The slot is typed as a profiler's state: torch asks whatever sits there whether it is a profiler, which this
// one answers with a disabled configuration (it profiles nothing but memory, for flopscope).
struct HeldMemory::Listener final : torch::profiler::impl::ProfilerStateBase {
  explicit Listener(std::function<std::int32_t()> op)
      : ProfilerStateBase(torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::Disabled)),
        current_op(std::move(op)),
        owner(std::this_thread::get_id()) {}

  void reportMemoryUsage(void* ptr, std::int64_t bytes, std::size_t /*total_allocated*/,
                         std::size_t /*total_reserved*/, c10::Device /*device*/) override {
    // The op is read outside the lock and only on the analysing thread (the capture's state is that thread's);
    // an allocation reported by a thread the forward handed work to has no op.
    const std::int32_t op = bytes > 0 && std::this_thread::get_id() == owner ? current_op() : -1;
    std::lock_guard<std::mutex> lock(mutex);
    if (!listening) return;
    if (bytes > 0)
      live[ptr] = {bytes, op};
    else
      live.erase(ptr);  // freed, or allocated before the forward (not ours: nothing to erase)
  }
  bool memoryProfilingEnabled() const override { return true; }
  torch::profiler::impl::ActiveProfilerType profilerType() override {
    return torch::profiler::impl::ActiveProfilerType::NONE;
  }

  struct Block {
    std::int64_t bytes = 0;
    std::int32_t op = -1;
  };
  std::function<std::int32_t()> current_op;
  std::thread::id owner;
  std::mutex mutex;
  bool listening = true;
  std::unordered_map<const void*, Block> live;
};

// The listener in this thread's profiler slot, for as long as it lives. While it is there, the CPU allocator
// logs a warning ("Memory block of unknown size was allocated before the profiling started") for the first block
// of each thousand freed that it saw allocated before: a tensor the model drops during its forward. That is not
// the user's concern (HeldMemory ignores such frees anyway), so c10's log stays at errors meanwhile.
struct DebugSlot {
  explicit DebugSlot(std::shared_ptr<c10::DebugInfoBase> info)
      : guard(c10::DebugInfoKind::PROFILER_STATE, std::move(info)), log_level(FLAGS_caffe2_log_level) {
    constexpr int kErrors = 2;  // c10's severities: 0 info, 1 warning, 2 error
    if (log_level < kErrors) FLAGS_caffe2_log_level = kErrors;
  }
  ~DebugSlot() { FLAGS_caffe2_log_level = log_level; }
  c10::DebugInfoGuard guard;
  int log_level;
};

HeldMemory::HeldMemory(std::function<std::int32_t()> current_op) {
  using torch::profiler::impl::ProfilerStateBase;
  if (ProfilerStateBase::get(/*global=*/true) != nullptr || ProfilerStateBase::get(/*global=*/false) != nullptr) {
    m_why_not = "a profiler was running, which receives the allocator's reports";
    return;
  }
  m_listener = std::make_shared<Listener>(std::move(current_op));
  m_slot = std::make_unique<DebugSlot>(m_listener);
}

HeldMemory::~HeldMemory() = default;

std::unordered_map<std::int32_t, std::int64_t> HeldMemory::ended(const std::vector<const void*>& kept) {
  std::unordered_map<std::int32_t, std::int64_t> held;
  if (!m_listener) return held;
  m_slot.reset();  // the slot as it was: the backward's allocations are not the forward's
  std::lock_guard<std::mutex> lock(m_listener->mutex);
  m_listener->listening = false;
  for (const void* p : kept) m_listener->live.erase(p);
  for (const auto& [ptr, block] : m_listener->live) held[block.op] += block.bytes;
  m_listener->live.clear();
  return held;
}

}  // namespace flopscope::capture
