#include "capture/model_output.h"

#include <mutex>

#include <torch/csrc/jit/runtime/print_handler.h>

namespace flopscope::capture {
namespace {

thread_local ModelOutput* t_current = nullptr;

// The process's print handler is swapped for route_print while any collector exists, on any thread; the one
// that was there is kept to print for threads that collect nothing, and put back when the last collector goes.
std::mutex g_print_mutex;
std::size_t g_collectors = 0;
torch::jit::PrintHandler g_previous_print = nullptr;

void route_print(const std::string& text) {
  if (t_current != nullptr) {
    std::string line = text;
    if (!line.empty() && line.back() == '\n') line.pop_back();  // TorchScript's print ends each call with one
    t_current->add(ModelMessage::Kind::Print, std::move(line));
    return;
  }
  torch::jit::PrintHandler previous = nullptr;
  {
    std::lock_guard<std::mutex> lock(g_print_mutex);
    previous = g_previous_print;
  }
  if (previous != nullptr) previous(text);
}

}  // namespace

ModelOutput::ModelOutput() : m_previous_warnings(c10::WarningUtils::get_warning_handler()), m_previous(t_current) {
  c10::WarningUtils::set_warning_handler(this);
  t_current = this;
  std::lock_guard<std::mutex> lock(g_print_mutex);
  if (g_collectors++ == 0) {
    g_previous_print = torch::jit::getPrintHandler();
    torch::jit::setPrintHandler(route_print);
  }
}

ModelOutput::~ModelOutput() {
  {
    std::lock_guard<std::mutex> lock(g_print_mutex);
    if (--g_collectors == 0) torch::jit::setPrintHandler(g_previous_print);
  }
  t_current = m_previous;
  c10::WarningUtils::set_warning_handler(m_previous_warnings);
}

void ModelOutput::process(const c10::Warning& warning) { add(ModelMessage::Kind::Warning, warning.msg()); }

void ModelOutput::add(ModelMessage::Kind kind, std::string text) {
  if (text.size() > kMaxText) text.resize(kMaxText);
  for (auto& m : m_collected.messages)
    if (m.kind == kind && m.text == text) {
      ++m.count;
      return;
    }
  if (m_collected.messages.size() == kMaxMessages) {
    ++m_collected.dropped;
    return;
  }
  m_collected.messages.push_back({kind, std::move(text), 1});
}

}  // namespace flopscope::capture
