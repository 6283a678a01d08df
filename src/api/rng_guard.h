#pragma once
// The caller's random streams are left as they were. An analysis draws random inputs (the CLI's, a C++ caller's
// input shapes) and runs the forward, where dropout in training mode, a training step and the GPU passes'
// repeated forwards draw more: without the guard, a program that analyses its model and then trains would
// draw other numbers (other dropout masks, another data order) than the same program without the analysis.
//
// The CPU's default generator is saved when the guard is made, a CUDA device's when the analysis is about to
// use it (CUDA is never initialised for the guard's sake), and each is put back when the guard ends. As
// torch.random.fork_rng, it rewinds the generators the whole process shares: numbers another thread draws while
// an analysis runs are drawn again after it. A recording (Recording) has none: its ops are the caller's own.
#include <ATen/core/Generator.h>
#include <c10/core/Device.h>

#include <vector>

namespace flopscope::api {

class RngGuard {
 public:
  RngGuard();  ///< saves the CPU's default generator
  ~RngGuard();
  RngGuard(const RngGuard&) = delete;
  RngGuard& operator=(const RngGuard&) = delete;

  /// Also saves `device`'s default generator if it is a CUDA device not saved yet (LibTorch's CUDA half must be
  /// loaded: the run context calls this once it is).
  void add(c10::Device device);

 private:
  struct Saved {
    at::Generator generator;
    at::Tensor state;
    c10::Device device;
  };
  void save(const at::Generator& generator, c10::Device device);
  std::vector<Saved> m_saved;
};

}  // namespace flopscope::api
