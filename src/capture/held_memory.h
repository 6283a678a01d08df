#pragma once
// What a training step's forward allocated and still holds when it ends: the activations autograd saved for the
// backward (and anything the model itself kept). LibTorch's allocators (the CPU one and CUDA's caching one)
// report every allocation and free to a listener in this thread's profiler slot when it asks for memory events;
// HeldMemory is that listener while the forward runs, and charges each allocation to the op running it.
//
// Charged to the allocating op, as PyTorch's memory profiler does: a convolution's output that the ReLU after
// it saves counts in the convolution's module. Tensors the forward did not allocate (the model's inputs, its
// parameters) and the forward's outputs are not counted: they exist with or without a backward.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace flopscope::capture {

class HeldMemory {
 public:
  /// Listens on this thread from now until ended(). `current_op` names the op an allocation belongs to (-1:
  /// none), asked on this thread only. Does not listen when a profiler already holds the slot (why_not says so):
  /// taking it would hide the memory events from that profiler.
  explicit HeldMemory(std::function<std::int32_t()> current_op);
  ~HeldMemory();
  HeldMemory(const HeldMemory&) = delete;
  HeldMemory& operator=(const HeldMemory&) = delete;

  /// "" while listening or once measured; why the bytes are not measured otherwise.
  const std::string& why_not() const { return m_why_not; }

  /// The forward ended: stops listening and returns the bytes still held per op (-1: allocated outside any op
  /// or on another thread), leaving out the allocations starting at `kept` (the forward's outputs). Once only.
  std::unordered_map<std::int32_t, std::int64_t> ended(const std::vector<const void*>& kept);

  struct Listener;  // held_memory.cpp

 private:
  std::shared_ptr<Listener> m_listener;
  std::unique_ptr<struct DebugSlot> m_slot;
  std::string m_why_not;
};

}  // namespace flopscope::capture
