// A libFuzzer target run as a plain program: each input given is passed once to its LLVMFuzzerTestOneInput, as
// libFuzzer replays a corpus. The test build links every harness in fuzz/ with this, so that CI replays the seed
// corpus and every past crash (tests/fuzz) without clang or libFuzzer, under the sanitizers when the build has them.
// A harness fails the way it fails under libFuzzer: by crashing, or by an exception it does not catch.
//
//   X_fuzz_replay PATH...   a file, a folder (each file in it), or FOLDER/PREFIX* (its files named PREFIX...)
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

namespace {

// The files an argument names, sorted so that a failure names the same input on every run.
std::vector<fs::path> inputs(const std::string& arg) {
  std::vector<fs::path> out;
  fs::path folder = arg;
  std::string prefix;
  if (!arg.empty() && arg.back() == '*') {
    const fs::path pattern = arg.substr(0, arg.size() - 1);
    folder = pattern.parent_path();
    prefix = pattern.filename().string();
  } else if (!fs::is_directory(folder)) {
    return fs::exists(folder) ? std::vector<fs::path>{folder} : std::vector<fs::path>{};
  }
  if (!fs::is_directory(folder)) return out;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.is_regular_file() && entry.path().filename().string().rfind(prefix, 0) == 0) out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto files = inputs(arg);
    if (files.empty() && arg.back() != '*') {  // a pattern may match nothing (no crash of that target yet)
      std::fprintf(stderr, "replay: %s names no input\n", argv[i]);
      return 2;
    }
    for (const auto& path : files) {
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
        return 2;
      }
      const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(), bytes.size());
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++replayed;
    }
  }
  std::printf("replayed %zu inputs\n", replayed);
  return replayed > 0 ? 0 : 2;
}
