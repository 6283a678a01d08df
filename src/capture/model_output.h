#pragma once
// What the model itself says while flopscope loads or runs it: its warnings (TORCH_WARN, `warnings.warn` in
// TorchScript) and what it prints (`print` in TorchScript). Left alone, prints land in the middle of a report on
// stdout and warnings beside flopscope's one error line on stderr, where a model could also write lines that
// look like flopscope's own. A ModelOutput collects both while it lives, for the caller to show once, quoted and
// labelled as the model's.
#include <cstddef>
#include <string>
#include <vector>

#include <c10/util/Exception.h>

#include "flopscope/model_messages.h"

namespace flopscope::capture {

/// Collects this thread's model warnings and prints while it exists (nested ones collect for the innermost).
/// Warnings are per thread in LibTorch; TorchScript's print handler is one for the process, so flopscope's own
/// handler sends each print to the collector of the thread that printed, and any other thread's to the handler
/// that was there before.
class ModelOutput final : public c10::WarningHandler {
 public:
  static constexpr std::size_t kMaxMessages = 16;  // distinct texts kept; more are only counted
  static constexpr std::size_t kMaxText = 1000;

  ModelOutput();
  ~ModelOutput() override;
  ModelOutput(const ModelOutput&) = delete;
  ModelOutput& operator=(const ModelOutput&) = delete;

  void process(const c10::Warning& warning) override;
  void add(ModelMessage::Kind kind, std::string text);

  const ModelMessages& collected() const { return m_collected; }

 private:
  ModelMessages m_collected;
  c10::WarningHandler* m_previous_warnings;
  ModelOutput* m_previous;
};

}  // namespace flopscope::capture
