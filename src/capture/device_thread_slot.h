#pragma once
// How a callback's per-session state is found on autograd's device thread. A training step's backward on CUDA
// runs there, and the engine hands that thread the analysing thread's RecordFunction callbacks and debug info
// for each node (at::ThreadLocalState), but none of its thread_locals. A session that must follow its backward
// there pushes a debug-info entry of flopscope's own kind, a value torch's enum does not use, that points at it.
#include <optional>

#include <c10/util/ThreadLocalDebugInfo.h>

namespace flopscope::capture {

/// flopscope's debug-info kinds: the capture's session, the timing pass's op observer.
constexpr auto kSessionSlot = static_cast<c10::DebugInfoKind>(0x46);
constexpr auto kObserverSlot = static_cast<c10::DebugInfoKind>(0x47);

template <class State>
struct DeviceThreadSlot final : c10::DebugInfoBase {
  explicit DeviceThreadSlot(State* s) : state(s) {}
  State* state;
};

/// Pushes the entry for `state` on this thread for as long as `guard` holds it.
template <class State>
void push_device_thread_slot(std::optional<c10::DebugInfoGuard>& guard, c10::DebugInfoKind kind, State* state) {
  guard.emplace(kind, std::make_shared<DeviceThreadSlot<State>>(state));
}

/// This thread's own state, else the one whose entry the thread carries, else null.
template <class State>
State* state_here(State* own, c10::DebugInfoKind kind) {
  if (own != nullptr) return own;
  auto* slot = static_cast<DeviceThreadSlot<State>*>(c10::ThreadLocalDebugInfo::get(kind));
  return slot != nullptr ? slot->state : nullptr;
}

}  // namespace flopscope::capture
