// The module tree and options, from the plain Python values the package passes.
#include "bindings.h"

namespace flopscope::python {

ModuleTree tree_from(const py::list& nodes, const py::dict& paths, const py::list& params) {
  ModuleTree tree;
  tree.nodes.reserve(nodes.size());
  for (const auto& item : nodes) {
    const auto t = item.cast<py::tuple>();
    ModuleNode node;
    node.path = t[0].cast<std::string>();
    node.class_name = t[1].cast<std::string>();
    node.extra_repr = t[2].cast<std::string>();
    node.real_forward = t[3].cast<bool>();
    node.children = t[4].cast<std::vector<std::pair<std::string, int>>>();
    tree.nodes.push_back(std::move(node));
  }
  for (const auto& [path, index] : paths) tree.by_path.emplace(path.cast<std::string>(), index.cast<int>());
  for (const auto& item : params) {
    const auto t = item.cast<py::tuple>();
    ParamInfo p;
    p.name = t[0].cast<std::string>();
    p.shape = t[1].cast<std::vector<std::int64_t>>();
    p.numel = 1;
    for (const auto d : p.shape) p.numel *= d;
    tree.params.push_back(std::move(p));
  }
  return tree;
}

namespace {

template <class T>
void read(const py::dict& kw, const char* key, T& into) {
  if (kw.contains(key) && !kw[key].is_none()) into = kw[key].cast<T>();
}

}  // namespace

Options options_from(const py::dict& kw) {
  Options o;
  read(kw, "op_set", o.op_set);
  read(kw, "device", o.device);
  read(kw, "shape_only", o.shape_only);
  read(kw, "max_depth", o.max_depth);
  read(kw, "show_table", o.show_table);
  read(kw, "show_arch", o.show_arch);
  read(kw, "allow_cpu_fallback", o.allow_cpu_fallback);
  read(kw, "train_step", o.train_step);
  read(kw, "optimizer", o.optimizer);
  read(kw, "timing", o.gpu.timing);
  read(kw, "warmup", o.gpu.warmup);
  read(kw, "forwards", o.gpu.forwards);
  read(kw, "measured_peaks", o.gpu.measured_peaks);
  read(kw, "chrome_trace", o.gpu.chrome_trace);
  read(kw, "nvtx", o.gpu.nvtx);
  read(kw, "counters", o.gpu.counters);
  read(kw, "counter_tolerance", o.gpu.counter_tolerance);
  return o;
}

}  // namespace flopscope::python
