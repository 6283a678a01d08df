#include "capture/optimizer_steps.h"

#include <cstring>
#include <mutex>

namespace flopscope::capture {

struct OptimizerSteps::State {
  std::mutex lock;
  std::map<std::string, int> steps;
};

namespace {

thread_local int t_depth = 0;                   // optimizer steps open on this thread
thread_local OptimizerSteps::State* t_state = nullptr;  // the watcher of this thread

constexpr const char* kStep = "Optimizer.step#";
constexpr const char* kZeroGrad = "Optimizer.zero_grad#";

bool optimizer_region(const char* name) {
  return std::strncmp(name, kStep, std::strlen(kStep)) == 0 ||
         std::strncmp(name, kZeroGrad, std::strlen(kZeroGrad)) == 0;
}

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
  if (t_state == nullptr || !optimizer_region(fn.name())) return nullptr;
  ++t_depth;
  const std::string name = fn.name();
  if (name.rfind(kStep, 0) == 0) {
    // "Optimizer.step#AdamW.step": the class between '#' and the last '.'
    const std::string tail = name.substr(std::strlen(kStep));
    const std::string cls = tail.substr(0, tail.rfind('.'));
    std::lock_guard<std::mutex> hold(t_state->lock);
    ++t_state->steps[cls];
  }
  return nullptr;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext*) {
  if (t_state != nullptr && optimizer_region(fn.name()) && t_depth > 0) --t_depth;
}

}  // namespace

OptimizerSteps::OptimizerSteps() : m_state(std::make_shared<State>()) {
  t_state = m_state.get();
  t_depth = 0;
  m_handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(on_start, on_end).scopes({at::RecordScope::USER_SCOPE}));
}

OptimizerSteps::~OptimizerSteps() {
  at::removeCallback(m_handle);
  t_state = nullptr;
  t_depth = 0;
}

std::map<std::string, int> OptimizerSteps::steps() const {
  std::lock_guard<std::mutex> hold(m_state->lock);
  return m_state->steps;
}

bool in_optimizer_step() { return t_depth > 0; }

}  // namespace flopscope::capture
