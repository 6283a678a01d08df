// Finding and opening libcupti at run time; see cupti_library.h.
#include "cupti_library.h"

#include <dlfcn.h>
#include <link.h>

#include <climits>
#include <cstdlib>

namespace flopscope::cuda {
namespace {

constexpr const char* kSoname = "libcupti.so.13";

/// The directory of an already loaded library, or "" (RTLD_NOLOAD: never loads anything).
std::string loaded_library_dir(const char* soname) {
  void* handle = dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);
  if (handle == nullptr) return {};
  char origin[PATH_MAX] = {};
  std::string dir;
  if (dlinfo(handle, RTLD_DI_ORIGIN, origin) == 0) dir = origin;
  dlclose(handle);  // drops only the reference RTLD_NOLOAD took
  return dir;
}

/// Looks `name` up; the first name not found is kept in `missing`.
template <class F>
void resolve(void* handle, const char* name, F& out, std::string& missing) {
  out = reinterpret_cast<F>(dlsym(handle, name));
  if (out == nullptr && missing.empty()) missing = name;
}

std::string version_text(std::uint32_t v) {
  if (v < 10000) return "API version " + std::to_string(v) + " (CUDA 12 or older)";
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + " (" + std::to_string(v) + ")";
}

}  // namespace

std::string CuptiLibrary::describe(CUptiResult result) const {
  const char* name = nullptr;
  std::string text = cuptiGetResultString && cuptiGetResultString(result, &name) == CUPTI_SUCCESS && name ? name : "CUPTI error";
  return text + " (" + std::to_string(static_cast<int>(result)) + ")";
}

std::vector<std::string> default_cupti_paths() {
  // A CUPTI already in the process (loaded by flopscope earlier, or by the program embedding it) is the only one
  // to use: a second copy would have its own state and fight the first over the device's profiling.
  if (!loaded_library_dir(kSoname).empty()) return {kSoname};
  if (const char* forced = std::getenv("FLOPSCOPE_CUPTI_LIBRARY"); forced != nullptr && *forced != '\0')
    return {forced};
  std::vector<std::string> paths = {kSoname};
  // The torch wheel keeps CUDA's libraries in site-packages/nvidia/cu13/lib, beside site-packages/torch/lib.
  for (const char* torch_lib : {"libtorch_cuda.so", "libc10_cuda.so", "libtorch_cpu.so", "libc10.so"}) {
    std::string dir = loaded_library_dir(torch_lib);
    if (!dir.empty()) {
      paths.push_back(dir + "/../../nvidia/cu13/lib/" + kSoname);
      break;
    }
  }
  for (const char* env : {"CUDA_HOME", "CUDA_PATH"})
    if (const char* home = std::getenv(env); home != nullptr && *home != '\0') {
      paths.push_back(std::string(home) + "/lib64/" + kSoname);
      paths.push_back(std::string(home) + "/extras/CUPTI/lib64/" + kSoname);
    }
#ifdef FLOPSCOPE_CUDA_LIBRARY_DIR
  paths.push_back(std::string(FLOPSCOPE_CUDA_LIBRARY_DIR) + "/" + kSoname);
#endif
  paths.push_back(std::string("/usr/local/cuda/lib64/") + kSoname);
  return paths;
}

bool cupti_version_compatible(std::uint32_t runtime, std::uint32_t built) {
  // From CUDA 13 the version is xxyyzz (major, minor, CUPTI patch). Records only grow within a major
  // version (Kernel10 is a prefix of later kernel records), so a newer minor serves older code; a library
  // older than the headers may lack what they describe.
  return runtime / 10000 == built / 10000 && runtime / 100 >= built / 100;
}

CuptiLoad load_cupti(const std::vector<std::string>& candidates) {
  CuptiLoad out;
  CuptiLibrary& lib = out.library;
  std::string tried;
  for (const auto& path : candidates) {
    lib.handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib.handle != nullptr) {
      lib.path = path;
      break;
    }
    const char* why = dlerror();
    tried += (tried.empty() ? "" : "; ") + (why ? std::string(why) : path);
  }
  if (lib.handle == nullptr) {
    out.reason = "CUPTI library missing (" + std::string(kSoname) + " not found: " +
                 (tried.empty() ? std::string("no candidate paths") : tried) +
                 "); install the CUDA 13 toolkit or the torch wheel's nvidia-cuda-cupti, or set FLOPSCOPE_CUPTI_LIBRARY";
    return out;
  }
  std::string missing, missing_optional;
#define FLOPSCOPE_CUPTI_RESOLVE(fn) resolve(lib.handle, #fn, lib.fn, missing);
#define FLOPSCOPE_CUPTI_RESOLVE_OPTIONAL(fn) resolve(lib.handle, #fn, lib.fn, missing_optional);
  FLOPSCOPE_CUPTI_ACTIVITY_API(FLOPSCOPE_CUPTI_RESOLVE)
  FLOPSCOPE_CUPTI_OPTIONAL_API(FLOPSCOPE_CUPTI_RESOLVE_OPTIONAL)
  const bool ok = missing.empty();
  FLOPSCOPE_CUPTI_PROFILER_API(FLOPSCOPE_CUPTI_RESOLVE)
#undef FLOPSCOPE_CUPTI_RESOLVE
#undef FLOPSCOPE_CUPTI_RESOLVE_OPTIONAL
  if (ok && !missing.empty()) lib.profiler_reason = lib.path + " lacks " + missing + " (CUPTI older than 13.0?)";
  if (!ok) {
    out.reason = "CUPTI version mismatch: " + lib.path + " lacks " + missing + ", which flopscope's activity tracer needs";
    return out;
  }
  if (CUptiResult r = lib.cuptiGetVersion(&lib.version); r != CUPTI_SUCCESS) {
    out.reason = "CUPTI version unknown: cuptiGetVersion returned " + lib.describe(r);
    return out;
  }
  if (!cupti_version_compatible(lib.version, CUPTI_API_VERSION)) {
    out.reason = "CUPTI version mismatch: " + lib.path + " is CUPTI " + version_text(lib.version) +
                 ", flopscope was built against " + version_text(CUPTI_API_VERSION) +
                 " (needs the same major version, minor no older)";
    return out;
  }
  return out;
}

const CuptiLoad& process_cupti() {
  static const CuptiLoad load = load_cupti(default_cupti_paths());
  return load;
}

}  // namespace flopscope::cuda
