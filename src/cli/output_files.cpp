#include "cli/output_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "flopscope/errors.h"
#include "flopscope/model_file.h"

namespace flopscope::cli {
namespace {

// The file a path names, links followed: device and inode when it exists.
std::optional<std::pair<dev_t, ino_t>> identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return std::make_pair(st.st_dev, st.st_ino);
}

bool is_regular_or_missing(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode);
}

// Two paths that name one file: the same existing file, or the same spelling once made absolute and normal
// (a file that does not exist yet, named twice).
bool same_file(const std::string& a, const std::string& b) {
  const auto ia = identity(a), ib = identity(b);
  if (ia && ib) return *ia == *ib;
  std::error_code ec;
  return std::filesystem::weakly_canonical(a, ec) == std::filesystem::weakly_canonical(b, ec);
}

// Whether `path` is this process's stdout or stderr (/dev/stdout into a pipe): written as the stream it is.
bool standard_stream(const std::string& path) {
  const auto id = identity(path);
  for (int fd : {STDOUT_FILENO, STDERR_FILENO}) {
    struct stat st {};
    if (id && ::fstat(fd, &st) == 0 && id->first == st.st_dev && id->second == st.st_ino) return true;
  }
  return false;
}

}  // namespace

OutputFiles::OutputFiles(std::vector<std::string> inputs) : m_inputs(std::move(inputs)) {}

OutputFiles::~OutputFiles() {
  for (const auto& f : m_files)
    if (!f.temporary.empty()) ::unlink(f.temporary.c_str());
}

std::ostream& OutputFiles::open(const std::string& path, const std::string& option) {
  // A device or pipe (/dev/stdout, /dev/null) is written as it is, as often as asked: nothing there to lose.
  // A FIFO that is not our own stdout would block until some reader came: refused.
  const bool regular = is_regular_or_missing(path);
  if (special_file_kind(path) == "a FIFO" && !standard_stream(path))
    throw InvalidInput(option + " '" + path + "' is a FIFO: writing it would wait for a reader; write to a file or "
                       "to stdout");
  for (const auto& input : m_inputs)
    if (regular && !input.empty() && same_file(path, input))
      throw InvalidInput(option + " '" + path + "' is the input '" + input + "': writing it would destroy it; write "
                         "somewhere else");
  for (const auto& f : m_files)
    if (regular && same_file(path, f.path))
      throw InvalidInput(option + " '" + path + "' is also " + f.option + " '" + f.path + "': one would overwrite the "
                         "other; give each output its own file");
  File f{path, "", option, nullptr};
  if (regular) {
    f.temporary = path + ".flopscope-tmp." + std::to_string(::getpid()) + "." + std::to_string(m_files.size());
    f.stream = std::make_unique<std::ofstream>(f.temporary, std::ios::binary | std::ios::trunc);
  } else {
    f.stream = std::make_unique<std::ofstream>(path, std::ios::binary);
  }
  if (!*f.stream) {
    const std::string why = std::strerror(errno);
    if (!f.temporary.empty()) ::unlink(f.temporary.c_str());
    throw InvalidInput("cannot write " + option + " '" + path + "': " + why);
  }
  m_files.push_back(std::move(f));
  return *m_files.back().stream;
}

void OutputFiles::commit() {
  for (auto& f : m_files) {
    f.stream->flush();
    if (!*f.stream) throw InvalidInput("writing " + f.option + " '" + f.path + "' failed: " + std::strerror(errno));
    f.stream->close();
  }
  for (auto& f : m_files) {
    if (f.temporary.empty()) continue;
    if (std::rename(f.temporary.c_str(), f.path.c_str()) != 0)
      throw InvalidInput("cannot move " + f.option + " into place at '" + f.path + "': " + std::strerror(errno));
    f.temporary.clear();
  }
}

}  // namespace flopscope::cli
