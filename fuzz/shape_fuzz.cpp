// Any text as an --input-shape value: a shape or InvalidInput, nothing else.
#include <cstddef>
#include <cstdint>
#include <string>

#include "text/shape_text.h"
#include "flopscope/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    for (long d : flopscope::text::parse_shape(text))
      if (d < 0) __builtin_trap();  // the parser promises non-negative dimensions
  } catch (const flopscope::InvalidInput&) {
  }
  return 0;
}
