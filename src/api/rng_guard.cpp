#include "api/rng_guard.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>

#include <mutex>

namespace flopscope::api {

RngGuard::RngGuard() { save(at::detail::getDefaultCPUGenerator(), c10::Device(c10::kCPU)); }

void RngGuard::save(const at::Generator& generator, c10::Device device) {
  at::Generator g = generator;  // shares the generator: a handle, not a copy of its state
  std::lock_guard<std::mutex> lock(g.mutex());
  m_saved.push_back({g, g.get_state(), device});
}

void RngGuard::add(c10::Device device) {
  if (!device.is_cuda()) return;
  for (const auto& s : m_saved)
    if (s.device == device) return;
  // No index means the current device's generator, as tensors made for "cuda" go there.
  save(at::globalContext().defaultGenerator(device), device);
}

RngGuard::~RngGuard() {
  for (auto& s : m_saved) {
    try {
      std::lock_guard<std::mutex> lock(s.generator.mutex());
      s.generator.set_state(s.state);
    } catch (...) {  // a destructor must not throw: a generator that cannot be reset stays as the run left it
    }
  }
}

}  // namespace flopscope::api
