#include "flopscope/model_file.h"

#include <caffe2/serialize/inline_container.h>
#include <openssl/evp.h>
#include <torch/csrc/jit/serialization/import.h>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "capture/model_output.h"
#include "model/probe_child.h"
#include "sandbox/memory_limit.h"
#include "flopscope/errors.h"

namespace flopscope {
namespace {

constexpr const char* kHowToExport =
    "save TorchScript with torch.jit.save(torch.jit.script(model), 'model.pt') or torch.jit.trace(model, example)";

bool has_record(const std::vector<std::string>& records, const std::string& prefix) {
  for (const auto& r : records)
    if (r.rfind(prefix, 0) == 0) return true;
  return false;
}

// Whether the archive's code calls the ops torch.jit.optimize_for_inference binds a model to (MKLDNN constants,
// prepacked XNNPACK kernels): LibTorch's loader here cannot read those back. Code records only, bounded.
bool optimized_for_inference(const std::string& path) {
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    std::size_t budget = 64u << 20;  // of inflated code, over all records
    for (const auto& name : reader.getAllRecords()) {
      if (name.rfind("code/", 0) != 0 || name.size() < 3 || name.compare(name.size() - 3, 3, ".py") != 0) continue;
      if (reader.getRecordSize(name) > budget) return false;
      budget -= reader.getRecordSize(name);
      auto [data, size] = reader.getRecord(name);
      const std::string code(static_cast<const char*>(data.get()), size);
      for (const char* marker : {"ConstantMKLDNNTensor", "mkldnn_convolution", "prepacked::", "to_mkldnn"})
        if (code.find(marker) != std::string::npos) return true;
    }
  } catch (const std::exception&) {
  }
  return false;
}

// The first line of an error that says something (some start with a newline or say nothing at all).
std::string first_line(const std::string& what) {
  std::size_t start = what.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return "LibTorch gave no reason";
  return what.substr(start, what.find('\n', start) - start);
}

}  // namespace

std::string describe_non_torchscript(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[4] = {};
  in.read(head, sizeof head);
  if (in.gcount() == 0) return "an empty file";
  if (in.gcount() < 4 || std::string(head, 4) != std::string("PK\x03\x04", 4)) {
    if (static_cast<unsigned char>(head[0]) == 0x80) return "a pickle file (a legacy torch.save or a pickled Python object)";
    return "not a zip archive (random or unrelated bytes)";
  }
  std::vector<std::string> records;
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    try {
      records = reader.getAllRecords();
    } catch (const std::exception&) {
      // Listing refuses an entry outside the archive's root folder, which loading never looks at: an archive
      // with TorchScript's constants loads all the same.
      return reader.hasRecord("constants.pkl") ? "" : "a zip archive that is not a PyTorch file";
    }
  } catch (const std::exception&) {
    return "a truncated or corrupt zip archive";
  }
  if (has_record(records, "code/")) return "";
  if (has_record(records, "models/")) return "a torch.export .pt2 archive";
  if (has_record(records, "data/aotinductor/")) return "an AOTInductor package";
  if (has_record(records, "archive_format")) return "a torch.export .pt2 archive";
  if (has_record(records, "data.pkl")) {
    try {  // the pickle names the saved object's class
      // Only the pickle's first bytes, inflated a chunk at a time: the whole record may inflate to gigabytes
      // (a zip bomb costs 4 GB here when read whole), and the class name is at its start.
      caffe2::serialize::PyTorchStreamReader reader(path);
      constexpr std::size_t kHead = 4096;
      auto chunks = reader.createChunkReaderIter("data.pkl", reader.getRecordSize("data.pkl"), kHead);
      std::string pickle(kHead, '\0');
      pickle.resize(chunks.next(pickle.data()));
      // Protocol 2 opens with PROTO (0x80 0x02) and the GLOBAL ('c') of the saved object's class.
      if (pickle.size() > 3 && pickle[2] == 'c') {
        auto end = pickle.find('\n', pickle.find('\n', 3) + 1);
        std::string global = pickle.substr(3, end == std::string::npos ? 0 : end - 3);
        std::replace(global.begin(), global.end(), '\n', '.');
        if (global == "collections.OrderedDict" || global == "builtins.dict") return "a torch.save of a state_dict";
        if (!global.empty()) return "a torch.save of a pickled Python object (" + global + ")";
      }
      return "a torch.save archive";
    } catch (const std::exception&) {
      return "a torch.save archive";
    }
  }
  return "a zip archive that is not a PyTorch file";
}

namespace {

// ---- Inflated sizes, from the zip's central directory (APPNOTE.TXT 4.3.12-4.3.16), before anything inflates --

struct ZipEntry {
  std::string name;
  std::uint64_t compressed = 0, inflated = 0;
};

std::uint64_t le(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

/// The archive's entries with their sizes, zip64 included; empty when the directory cannot be found or is
/// implausible (LibTorch's own reader then gives its error).
std::vector<ZipEntry> zip_directory(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  f.seekg(0, std::ios::end);
  const std::uint64_t size = static_cast<std::uint64_t>(f.tellg());
  if (!f || size < 22) return {};
  // The end-of-central-directory record: in the last 22 bytes plus at most a 64 KiB comment.
  const std::uint64_t tail_size = std::min<std::uint64_t>(size, 22 + 65535);
  std::vector<unsigned char> tail(tail_size);
  f.seekg(static_cast<std::streamoff>(size - tail_size));
  f.read(reinterpret_cast<char*>(tail.data()), static_cast<std::streamsize>(tail_size));
  if (!f) return {};
  std::int64_t eocd = -1;
  for (std::int64_t i = static_cast<std::int64_t>(tail_size) - 22; i >= 0; --i)
    if (le(&tail[i], 4) == 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) return {};
  std::uint64_t entries = le(&tail[eocd + 10], 2), dir_size = le(&tail[eocd + 12], 4), dir_at = le(&tail[eocd + 16], 4);
  if (entries == 0xffff || dir_size == 0xffffffff || dir_at == 0xffffffff) {  // zip64: its own end record
    if (eocd < 20 || le(&tail[eocd - 20], 4) != 0x07064b50) return {};
    const std::uint64_t end64 = le(&tail[eocd - 20 + 8], 8);
    unsigned char rec[56];
    f.seekg(static_cast<std::streamoff>(end64));
    f.read(reinterpret_cast<char*>(rec), sizeof rec);
    if (!f || le(rec, 4) != 0x06064b50) return {};
    entries = le(rec + 32, 8);
    dir_size = le(rec + 40, 8);
    dir_at = le(rec + 48, 8);
  }
  if (dir_at > size || dir_size > size - dir_at || dir_size > (std::uint64_t{256} << 20)) return {};
  std::vector<unsigned char> dir(dir_size);
  f.seekg(static_cast<std::streamoff>(dir_at));
  f.read(reinterpret_cast<char*>(dir.data()), static_cast<std::streamsize>(dir_size));
  if (!f) return {};
  std::vector<ZipEntry> out;
  std::size_t at = 0;
  while (out.size() < entries && at + 46 <= dir.size() && le(&dir[at], 4) == 0x02014b50) {
    ZipEntry e;
    e.compressed = le(&dir[at + 20], 4);
    e.inflated = le(&dir[at + 24], 4);
    const std::size_t name_len = le(&dir[at + 28], 2), extra_len = le(&dir[at + 30], 2), comment_len = le(&dir[at + 32], 2);
    if (at + 46 + name_len + extra_len > dir.size()) break;
    e.name.assign(reinterpret_cast<const char*>(&dir[at + 46]), name_len);
    // zip64's extra field holds the sizes recorded as 0xffffffff, inflated first.
    for (std::size_t x = at + 46 + name_len; x + 4 <= at + 46 + name_len + extra_len;) {
      const std::size_t tag = le(&dir[x], 2), len = le(&dir[x + 2], 2);
      if (tag == 1) {
        std::size_t p = x + 4;
        if (e.inflated == 0xffffffff && p + 8 <= x + 4 + len) e.inflated = le(&dir[p], 8), p += 8;
        if (e.compressed == 0xffffffff && p + 8 <= x + 4 + len) e.compressed = le(&dir[p], 8);
      }
      x += 4 + len;
    }
    out.push_back(std::move(e));
    at += 46 + name_len + extra_len + comment_len;
  }
  return out;
}

}  // namespace

void refuse_zip_bomb(const std::string& path) {
  std::uint64_t total = 0;
  for (const auto& e : zip_directory(path)) {
    total += e.inflated;
    if (e.inflated > (std::uint64_t{64} << 20) && e.inflated / std::max<std::uint64_t>(e.compressed, 1) > 100)
      throw InvalidInput("'" + path + "' has an entry (" + e.name + ") that inflates " +
                         std::to_string(e.inflated / std::max<std::uint64_t>(e.compressed, 1)) + "-fold to " +
                         sandbox::gib(static_cast<double>(e.inflated)) +
                         ": refused unread (a zip bomb; PyTorch stores its records uncompressed)");
  }
  const sandbox::MemoryRoom room = sandbox::memory_room();
  if (room.bytes > 0 && static_cast<double>(total) > room.bytes)
    throw InvalidInput("'" + path + "' inflates to " + sandbox::gib(static_cast<double>(total)) + ", more than the " +
                       sandbox::gib(room.bytes) + " free (" + room.source + "): refused unread");
}

void check_model_path(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InvalidInput("model file '" + path + "' does not exist");
  if (std::filesystem::is_directory(path, ec)) throw InvalidInput("'" + path + "' is a directory, not a model file");
  // Reading a FIFO or a device would block, or never end: a model is a saved file.
  if (const std::string kind = special_file_kind(path); !kind.empty())
    throw InvalidInput("'" + path + "' is " + kind + ", not a model file; give the path of a saved model");
  if (!std::ifstream(path, std::ios::binary).good()) throw InvalidInput("cannot read model file '" + path + "'");
}

torch::jit::Module load_model_file(const std::string& path, const c10::optional<c10::Device>& device,
                                   ModelMessages* said, bool probe_first) {
  check_model_path(path);
  std::string what = describe_non_torchscript(path);
  if (!what.empty())
    throw InvalidInput("'" + path + "' is " + what + ", not a TorchScript archive; " + kHowToExport);
  refuse_zip_bomb(path);
  if (probe_first) probe_in_child(path);
  capture::ModelOutput output;
  const auto keep_output = [&] {
    if (said == nullptr) return;
    *said = output.collected();
    for (auto& m : said->messages) m.loading = true;
  };
  try {
    auto module = torch::jit::load(path, device, kLoadDebugFiles);
    keep_output();
    return module;
  } catch (const c10::Error& e) {
    throw InvalidInput("cannot load TorchScript '" + path + "': " + first_line(e.what_without_backtrace()));
  } catch (const std::exception& e) {  // the TorchScript parser throws its own ErrorReport (found by fuzzing)
    if (optimized_for_inference(path))
      throw InvalidInput("cannot load TorchScript '" + path + "': it was saved after torch.jit.optimize_for_inference, "
                         "whose MKLDNN/prepacked constants only the Python process that made them can read; save the "
                         "model before optimize_for_inference (and before torch.jit.freeze, which folds its modules "
                         "away)");
    throw InvalidInput("cannot load TorchScript '" + path + "': its code does not parse (" + first_line(e.what()) + ")");
  }
}

namespace {

// Lower-case hex of a finished digest.
std::string hex_digest(EVP_MD_CTX* ctx) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace

std::string sha256_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!in || !ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw InvalidInput("cannot hash '" + path + "'");
  std::vector<char> buf(1 << 20);
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0)
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(in.gcount()));
  return hex_digest(ctx.get());
}

std::string sha256_of_bytes(const std::string& bytes) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) throw InvalidInput("cannot hash");
  EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size());
  return hex_digest(ctx.get());
}

std::string special_file_kind(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) return "";
  if (S_ISFIFO(st.st_mode)) return "a FIFO";
  if (S_ISSOCK(st.st_mode)) return "a socket";
  return "a device";
}

bool looks_frozen(const torch::jit::Module& module) { return !module.hasattr("training"); }

}  // namespace flopscope
