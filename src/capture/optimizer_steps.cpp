#include "capture/optimizer_steps.h"

#include <cstring>

namespace flopscope::capture {

// Touched on the watching thread only: the callback is this thread's, and on the threads that inherit it (autograd's
// device threads) no watcher is set.
struct OptimizerSteps::State {
  std::map<std::string, int> steps;
};

namespace {

thread_local int t_optimizer_depth = 0;                           // optimizer steps open on this thread
thread_local OptimizerSteps::State* t_optimizer_watch = nullptr;  // the watcher of this thread

constexpr const char* kOptimizerStep = "Optimizer.step#";
constexpr const char* kOptimizerZeroGrad = "Optimizer.zero_grad#";

bool optimizer_region(const char* name) {
  return std::strncmp(name, kOptimizerStep, std::strlen(kOptimizerStep)) == 0 ||
         std::strncmp(name, kOptimizerZeroGrad, std::strlen(kOptimizerZeroGrad)) == 0;
}

std::unique_ptr<at::ObserverContext> optimizer_region_started(const at::RecordFunction& fn) {
  if (t_optimizer_watch == nullptr || !optimizer_region(fn.name())) return nullptr;
  ++t_optimizer_depth;
  const std::string name = fn.name();
  if (name.rfind(kOptimizerStep, 0) == 0) {
    // "Optimizer.step#AdamW.step": the class between '#' and the last '.'
    const std::string tail = name.substr(std::strlen(kOptimizerStep));
    const std::string cls = tail.substr(0, tail.rfind('.'));
    ++t_optimizer_watch->steps[cls];
  }
  return nullptr;
}

void optimizer_region_ended(const at::RecordFunction& fn, at::ObserverContext*) {
  if (t_optimizer_watch != nullptr && optimizer_region(fn.name()) && t_optimizer_depth > 0) --t_optimizer_depth;
}

}  // namespace

OptimizerSteps::OptimizerSteps() : m_state(std::make_shared<State>()) {
  t_optimizer_watch = m_state.get();
  t_optimizer_depth = 0;
  m_handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(optimizer_region_started, optimizer_region_ended).scopes({at::RecordScope::USER_SCOPE}));
}

OptimizerSteps::~OptimizerSteps() {
  at::removeCallback(m_handle);
  t_optimizer_watch = nullptr;
  t_optimizer_depth = 0;
}

std::map<std::string, int> OptimizerSteps::steps() const { return m_state->steps; }

bool in_optimizer_step() { return t_optimizer_depth > 0; }

}  // namespace flopscope::capture
