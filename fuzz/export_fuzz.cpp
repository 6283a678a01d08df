// Any bytes as a torch.export program: an archive (bytes starting with a zip signature) read as a .pt2 file,
// anything else parsed as its graph JSON; then, when it is accepted, the module tree, the trace at the example
// values and at other ones (with a branch cost, as an analysis gives torch.cond), and the inputs' sizes read back
// into bindings (--inputs): the program's own shapes, and those shapes grown by one. An analysis or InvalidInput,
// never a crash. Seeds in tests/fuzz/corpus/export (small programs' JSON, one archive).
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

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
    // A size only the values decide (u0) has no example value: bound here as --dim would bind it, so that the
    // trace goes past it.
    std::vector<std::pair<std::string, std::int64_t>> decided;
    for (const auto& s : program.symbols())
      if (s.data_dependent() && !s.example) decided.emplace_back(s.name, s.min ? std::max<std::int64_t>(*s.min, 1) : 1);
    const auto with = [&](std::vector<std::pair<std::string, std::int64_t>> dims) {
      for (const auto& d : decided)
        if (std::none_of(dims.begin(), dims.end(), [&](const auto& b) { return b.first == d.first; })) dims.push_back(d);
      return program.bind(dims);
    };
    const auto cost = [](const std::vector<flopscope::OpRecord>& ops) { return static_cast<std::int64_t>(ops.size()); };
    std::vector<std::string> notes;
    (void)program.trace(with({}), cost, &notes);
    for (const auto& s : program.symbols()) {
      (void)program.trace(with({{s.name, s.min ? *s.min : 1}}));
      (void)program.user_inputs(with({{s.name, 3}}));
    }
    (void)program.tensor_input_names();
    std::vector<std::vector<std::int64_t>> shapes;
    std::vector<std::int8_t> dtypes;
    for (const auto& [shape, dtype] : program.user_inputs(with({}))) {
      shapes.push_back(shape);
      dtypes.push_back(dtype);
    }
    try {
      (void)program.trace(with(program.dims_for(shapes, dtypes)));
    } catch (const flopscope::InvalidInput&) {
    }
    for (auto& shape : shapes)
      for (auto& d : shape) ++d;
    (void)program.dims_for(shapes);
  } catch (const flopscope::InvalidInput&) {
  }
  return 0;
}
