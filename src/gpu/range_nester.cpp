// Module ranges derived from each op's module path: see RangeNester in gpu/ranges.h.
#include "gpu/ranges.h"

namespace flopscope::gpu {
namespace {

/// "a.b.c" -> {"a", "a.b", "a.b.c"}; "" -> {}.
std::vector<std::string> ancestry(const std::string& path) {
  std::vector<std::string> out;
  if (path.empty()) return out;
  for (std::size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1))
    out.push_back(path.substr(0, dot));
  out.push_back(path);
  return out;
}

}  // namespace

void RangeNester::op_enter(const std::string& module_path, const char* op_name, std::uint64_t id) {
  // Most ops run in the module of the op before them: settle that without building the ancestry.
  bool same_module = module_path.empty() ? modules_.empty() : !modules_.empty() && modules_.back() == module_path;
  if (ops_ == 0 && !same_module) {
    std::vector<std::string> want = ancestry(module_path);
    // Keep the longest common prefix of open and wanted module ranges; ancestry compares whole dotted
    // components, so "layer1" is never taken for an ancestor of "layer10".
    std::size_t keep = 0;
    while (keep < modules_.size() && keep < want.size() && modules_[keep] == want[keep]) ++keep;
    while (modules_.size() > keep) {
      sink_.pop();
      modules_.pop_back();
    }
    for (std::size_t i = keep; i < want.size(); ++i) {
      sink_.push_module(want[i]);
      modules_.push_back(std::move(want[i]));
    }
  }
  sink_.push_op(op_name, id);
  ++ops_;
}

void RangeNester::op_exit() {
  if (ops_ == 0) return;
  sink_.pop();
  --ops_;
}

void RangeNester::finish() {
  for (; ops_ > 0; --ops_) sink_.pop();
  for (; !modules_.empty(); modules_.pop_back()) sink_.pop();
}

}  // namespace flopscope::gpu
