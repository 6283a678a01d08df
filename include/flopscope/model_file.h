#pragma once
// Loading a model file, with errors that say what the file is instead and what to do: the archive is
// sniffed (bounded reads only), loaded once in a child process first (LibTorch crashes on some corrupt
// archives), then loaded here. Hashing and file-kind checks for the files a command reads live here too.
#include <string>

#include <torch/csrc/jit/api/module.h>

#include "flopscope/model_messages.h"

namespace flopscope {

/// What a file that is not a loadable TorchScript archive looks like ("a torch.save archive (a state_dict or
/// a pickled nn.Module)", "a torch.export .pt2 archive", "an empty file", ...); "" for a TorchScript archive.
std::string describe_non_torchscript(const std::string& path);

/// torch::jit::load with InvalidInput errors naming the problem; `device` as for torch::jit::load. What the
/// file's load-time code (a scripted __setstate__) warns or prints goes to `said` (marked `loading`), never to
/// stdout or stderr. `probe_first`: load once in a child process first, so that an archive that crashes
/// LibTorch is an error rather than a crash (a process that is itself a disposable child can skip it). The
/// archive's debug records (each code line's original Python source) are not loaded: LibTorch crashed reading
/// corrupt ones, and nothing here needs them.
/// Archives whose entries would inflate past the free memory, or by more than 100:1, are refused unread.
torch::jit::Module load_model_file(const std::string& path, const c10::optional<c10::Device>& device,
                                   ModelMessages* said = nullptr, bool probe_first = true);

/// Refuses a path that is missing, a directory, a FIFO, socket or device, or unreadable (InvalidInput).
void check_model_path(const std::string& path);

/// Refuses an archive before it inflates past what the machine can hold, or inflates like a zip bomb: PyTorch
/// stores its records uncompressed, so an entry that grows more than 100-fold (and past 64 MiB) is no model's.
void refuse_zip_bomb(const std::string& path);

/// Lower-case hex SHA-256 of a file's bytes.
std::string sha256_of_file(const std::string& path);
/// Lower-case hex SHA-256 of bytes in memory.
std::string sha256_of_bytes(const std::string& bytes);

/// "a FIFO", "a socket" or "a device" for such a path (reading or writing one may block or never end); "" for a
/// regular file, a directory, or a path that does not exist.
std::string special_file_kind(const std::string& path);

/// A module frozen with torch.jit.freeze has no submodules left: attribution to modules is lost.
bool looks_frozen(const torch::jit::Module& module);

}  // namespace flopscope
