#pragma once
// What a model says while flopscope loads or runs it (its warnings and prints), kept as data: the library never
// writes it to stdout or stderr, where it would break a report or pass for flopscope's own lines.
#include <cstddef>
#include <string>
#include <vector>

namespace flopscope {

/// One thing the model said while flopscope loaded or ran it.
struct ModelMessage {
  enum class Kind { Warning, Print };  ///< TORCH_WARN or `warnings.warn`; TorchScript's `print`
  Kind kind = Kind::Warning;
  std::string text;       ///< as the model gave it (cut at 1000 bytes): untrusted, quote it before showing it
  std::size_t count = 1;  ///< how many times the model said it
  bool loading = false;   ///< said while the file was loaded (a scripted __setstate__), before any forward
};

/// What the model warned or printed, collected instead of reaching stdout or stderr.
struct ModelMessages {
  std::vector<ModelMessage> messages;  ///< distinct texts, in the order first said (16 at most)
  std::size_t dropped = 0;             ///< messages past those, counted only
};

}  // namespace flopscope
