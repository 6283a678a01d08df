#pragma once
// The files a command writes (--output, --chrome-trace, --roofline). None may be one of the command's inputs
// (`analyze m.pt -o m.pt` would empty the model before loading it) or be named twice (`-o F -o F` would write
// one format over the other): both are refused before anything is written. Each regular file is written to a
// temporary next to it and renamed into place when the command succeeds, so a failed run leaves what was there.
// Devices and pipes (/dev/stdout) are written directly.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace flopscope::cli {

class OutputFiles {
 public:
  /// `inputs`: the paths the command reads (model, --inputs file, reports to compare).
  explicit OutputFiles(std::vector<std::string> inputs);
  ~OutputFiles();  ///< removes the temporaries of a command that did not commit
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;

  /// Opens `path` for `option` ("--output"); throws InvalidInput naming both when it is an input or already
  /// opened, or when it cannot be written.
  std::ostream& open(const std::string& path, const std::string& option);

  /// Flushes every file and moves each into place; throws InvalidInput when a write failed.
  void commit();

 private:
  struct File {
    std::string path, temporary, option;  // temporary "" when written directly
    std::unique_ptr<std::ofstream> stream;
  };
  std::vector<std::string> m_inputs;
  std::vector<File> m_files;
};

}  // namespace flopscope::cli
