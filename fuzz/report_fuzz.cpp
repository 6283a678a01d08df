// Any bytes as the NEW report of `flopscope compare` against a valid BASE (and the other way round), then
// every output format: a comparison or InvalidInput, nothing else. The table and the JUnit XML must hold no
// control character but the newline (XML 1.0 cannot carry them; a terminal acts on them).
#include <cstddef>
#include <cstdint>
#include <string>

#include "flopscope/compare.h"
#include "flopscope/errors.h"

namespace {
void check_printable(const std::string& text) {
  for (const char c : text)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n') || c == 0x7F) __builtin_trap();
}

const char* const kBase = R"({"schema_version": 1, "tool": {"name": "flopscope"}, "op_set": "mmengine",
  "inputs": [{"shape": [1, 10], "dtype": "float32"}],
  "modules": [{"path": "", "depth": 0, "parameters": 440, "macs": 400, "activations": 40},
              {"path": "fc1", "depth": 1, "parameters": 110, "macs": 100, "activations": 10}]})";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  flopscope::CompareOptions options;
  options.tolerances["macs"] = {0.05, 0};
  for (int order = 0; order < 2; ++order) {
    try {
      auto c = order == 0 ? flopscope::compare_reports(kBase, text, options)
                          : flopscope::compare_reports(text, kBase, options);
      check_printable(flopscope::render_comparison_table(c));
      (void)flopscope::render_comparison_json(c);
      check_printable(flopscope::render_comparison_junit(c));
    } catch (const flopscope::InvalidInput&) {
    }
  }
  return 0;
}
