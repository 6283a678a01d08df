#include "bench_support.h"

#include <ATen/ops/randn.h>
#include <ATen/record_function.h>
#include <torch/script.h>

#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace flopscope::bench {

std::string models_dir() {
  if (const char* dir = std::getenv("FLOPSCOPE_BENCH_MODELS")) return dir;
  return FLOPSCOPE_BENCH_MODELS_DEFAULT;
}

std::optional<torch::jit::Module> load_model(const std::string& name, std::string& why) {
  const std::string path = models_dir() + "/" + name;
  if (!std::filesystem::exists(path)) {
    why = path + " is missing: run python bench/make_bench_models.py " + models_dir();
    return std::nullopt;
  }
  auto model = torch::jit::load(path);
  model.eval();
  return model;
}

ModelAndInput load_with_input(const std::string& path, const std::string& shape) {
  std::vector<std::int64_t> sizes;
  std::stringstream in(shape);
  std::string part;
  while (std::getline(in, part, ',')) sizes.push_back(std::stoll(part));
  ModelAndInput out{torch::jit::load(path), {}};
  out.model.eval();
  out.input.emplace_back(at::randn(sizes));
  return out;
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

namespace {
thread_local std::int64_t t_ops = 0;
}

std::int64_t count_ops(const std::function<void()>& run) {
  t_ops = 0;
  auto handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback([](const at::RecordFunction&) -> std::unique_ptr<at::ObserverContext> {
        ++t_ops;
        return nullptr;
      }).scopes({at::RecordScope::FUNCTION}));
  try {
    run();
  } catch (...) {
    at::removeCallback(handle);
    throw;
  }
  at::removeCallback(handle);
  return t_ops;
}

}  // namespace flopscope::bench
