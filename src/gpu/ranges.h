#pragma once
/// NVTX ranges for Nsight Systems, behind a torch-free, CUDA-free interface: one range per module (nested as
/// the module tree) and one per op, carrying the op's external id as payload so nsys ranges join CUPTI
/// records. cuda/nvtx_ranges.cpp implements RangeSink with NVTX3; RangeNester is the pure logic that turns
/// "this op runs in module a.b.c" into the pushes and pops that keep module ranges nested.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace flopscope::gpu {

/// A per-thread stack of named ranges.
class RangeSink {
 public:
  virtual ~RangeSink() = default;
  /// A module range named by its dotted path ("layer1.0.conv1"), category "module".
  virtual void push_module(const std::string& path) = 0;
  /// An op range named `name` ("aten::addmm"), category "aten", payload `id` (uint64, the external id).
  /// `name` must stay readable for the call only; repeated names are registered once.
  virtual void push_op(const char* name, std::uint64_t id) = 0;
  /// Closes the innermost open range, whichever kind.
  virtual void pop() = 0;
};

// cuda::make_nvtx_ranges() (gpu/cuda_backend.h) makes the NVTX3 sink.

/// Keeps module ranges nested around op ranges on one thread. Ops arrive with their module path only (no
/// module enter/exit events), so entering an outermost op in module "a.b.c" closes the open module ranges
/// that are not its ancestors and opens the missing ones ("a", "a.b", "a.b.c"). An op entered inside an open
/// op is pushed as is: an NVTX stack cannot close a module below an open op. The root module ("") has no
/// range. Two consecutive calls of the same module merge into one range (nothing tells them apart).
class RangeNester {
 public:
  explicit RangeNester(RangeSink& sink) : sink_(sink) {}
  RangeNester(const RangeNester&) = delete;
  RangeNester& operator=(const RangeNester&) = delete;
  ~RangeNester() { finish(); }

  void op_enter(const std::string& module_path, const char* op_name, std::uint64_t id);
  /// Closes the innermost open op; ignored when no op is open.
  void op_exit();
  /// Closes every open op and module range (end of a forward).
  void finish();

  /// The module paths whose ranges are open, outermost first.
  const std::vector<std::string>& open_modules() const { return modules_; }
  int open_ops() const { return ops_; }

 private:
  RangeSink& sink_;
  std::vector<std::string> modules_;
  int ops_ = 0;
};

}  // namespace flopscope::gpu
