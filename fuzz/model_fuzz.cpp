// Any bytes as a model file: a loaded TorchScript module or InvalidInput, never a crash. Truncated,
// bit-flipped and foreign archives come from mutating the seed corpus (tests/fuzz/corpus/model).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "flopscope/model_file.h"
#include "flopscope/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/flopscope_model_fuzz_" + std::to_string(getpid()) + ".pt";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    (void)flopscope::load_model_file(path, std::nullopt);
  } catch (const flopscope::InvalidInput&) {
  }
  return 0;
}
