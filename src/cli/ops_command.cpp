#include "cli/ops_command.h"

#include <algorithm>
#include <iostream>
#include <sstream>

#include "exported/program.h"
#include "flopscope/op_set.h"

namespace flopscope::cli {

int run_ops(const std::string& op_set) {
  OpSet set = op_set_named(op_set);
  std::vector<std::string> names;
  for (const auto& kv : set.flops) names.push_back(kv.first);
  for (const auto& kv : set.activations)
    if (set.flops.count(kv.first) == 0) names.push_back(kv.first);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    auto f = set.flops.find(name);
    auto a = set.activations.find(name);
    std::cout << name << "  [" << set.name << "]  key " << (f != set.flops.end() ? f->second.key : a->second.key)
              << "\n";
    if (f != set.flops.end()) std::cout << "    macs: " << f->second.description << "\n";
    if (a != set.activations.end()) std::cout << "    activations: " << a->second.description << "\n";
    // In a .pt2's graph (graph mode), the node targets this formula counts.
    std::string targets;
    for (const auto& t : exported::export_targets(name)) targets += (targets.empty() ? "" : ", ") + t;
    if (!targets.empty()) std::cout << "    export: " << targets << "\n";
  }
  auto print_sorted = [](const char* label, const std::unordered_set<std::string>& ops) {
    std::vector<std::string> sorted(ops.begin(), ops.end());
    std::sort(sorted.begin(), sorted.end());
    std::cout << label;
    for (const auto& name : sorted) std::cout << " " << name;
    std::cout << "\n";
  };
  print_sorted("ignored (counted as 0 without a warning):", set.ignored);
  if (!set.counted_inside.empty()) print_sorted("counted by the ops they call:", set.counted_inside);
  return 0;
}

int run_unsupported(const AnalyzeArgs& model) {
  CommandProducts made = run_model_command(model, [&](const ModelRun& how, CommandProducts& out) {
    const ComplexityInfo info = analyze_from_args(model, how);
    const auto& a = info.analysis;
    std::ostringstream text;
    if (a.flops.unsupported.empty() && a.activations.unsupported.empty())
      text << "every op of the model has a formula or is ignored (op set " << model.op_set << ")\n";
    for (const auto& [op, calls] : a.flops.unsupported.items())
      text << op << "  " << calls << " call(s), no macs formula\n";
    for (const auto& [op, calls] : a.activations.unsupported.items())
      text << op << "  " << calls << " call(s), no activations formula\n";
    out.outputs[0] = text.str();
  });
  std::cout << made.outputs[0];
  for (const auto& note : made.notes) std::cerr << "flopscope: " << note << "\n";
  return 0;
}

}  // namespace flopscope::cli
