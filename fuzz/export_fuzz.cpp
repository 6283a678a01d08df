// Any bytes as a torch.export program: an archive (bytes starting with a zip signature) read as a .pt2 file,
// anything else parsed as its graph JSON; then, when it is accepted, the module tree and the trace at the
// example values and at other ones. An analysis or InvalidInput, never a crash. Seeds in
// tests/fuzz/corpus/export (a small program's JSON and its archive).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "exported/program.h"
#include "flopscope/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using flopscope::exported::Program;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    Program program = [&] {
      if (bytes.rfind("PK", 0) != 0) return Program::parse(bytes, "fuzz");
      static const std::string path = "/tmp/flopscope_export_fuzz_" + std::to_string(getpid()) + ".pt2";
      FILE* f = std::fopen(path.c_str(), "wb");
      if (f != nullptr) {
        std::fwrite(data, 1, size, f);
        std::fclose(f);
      }
      return Program::read(path);
    }();
    (void)program.module_tree();
    (void)program.trace(program.bind({}));
    for (const auto& s : program.symbols()) {
      (void)program.trace(program.bind({{s.name, s.min ? *s.min : 1}}));
      (void)program.user_inputs(program.bind({{s.name, 3}}));
    }
  } catch (const flopscope::InvalidInput&) {
  }
  return 0;
}
