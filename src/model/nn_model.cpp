// C++ frontend modules: the same tree as for TorchScript, read from torch::nn::Module, and the map from
// parameter storage to module that attributes ops without annotations.
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include <unordered_map>
#include <unordered_set>

#include "model/model.h"
#include "text/python_text.h"

namespace flopscope::model {
namespace {

std::string py_bool(bool b) { return b ? "True" : "False"; }

template <std::size_t D>
std::string py_tuple(const torch::ExpandingArray<D>& a) {
  return text::python_tuple(std::vector<std::int64_t>(a->begin(), a->end()));
}

using Attrs = std::unordered_map<std::string, std::string>;

Attrs nn_attrs(const torch::nn::Module& m) {
  Attrs a;
  if (auto* l = dynamic_cast<const torch::nn::LinearImpl*>(&m)) {
    a["in_features"] = std::to_string(l->options.in_features());
    a["out_features"] = std::to_string(l->options.out_features());
    a["bias"] = py_bool(l->options.bias());
  } else if (auto* c = dynamic_cast<const torch::nn::Conv2dImpl*>(&m)) {
    const auto& o = c->options;
    a["in_channels"] = std::to_string(o.in_channels());
    a["out_channels"] = std::to_string(o.out_channels());
    a["kernel_size"] = py_tuple(o.kernel_size());
    a["stride"] = py_tuple(o.stride());
    if (const auto* p = std::get_if<torch::ExpandingArray<2>>(&o.padding())) a["padding"] = py_tuple(*p);
    a["dilation"] = py_tuple(o.dilation());
    a["groups"] = std::to_string(o.groups());
    a["bias"] = py_bool(o.bias());
  } else if (auto* b = dynamic_cast<const torch::nn::BatchNorm2dImpl*>(&m)) {
    const auto& o = b->options;
    a["num_features"] = std::to_string(o.num_features());
    a["eps"] = text::python_float(o.eps());
    a["momentum"] = o.momentum() ? text::python_float(*o.momentum()) : "None";
    a["affine"] = py_bool(o.affine());
    a["track_running_stats"] = py_bool(o.track_running_stats());
  } else if (auto* r = dynamic_cast<const torch::nn::ReLUImpl*>(&m)) {
    a["inplace"] = py_bool(r->options.inplace());
  } else if (auto* p = dynamic_cast<const torch::nn::MaxPool2dImpl*>(&m)) {
    const auto& o = p->options;
    a["kernel_size"] = py_tuple(o.kernel_size());
    a["stride"] = py_tuple(o.stride());
    a["padding"] = py_tuple(o.padding());
    a["dilation"] = py_tuple(o.dilation());
    a["ceil_mode"] = py_bool(o.ceil_mode());
  } else if (auto* ap = dynamic_cast<const torch::nn::AdaptiveAvgPool2dImpl*>(&m)) {
    std::vector<std::int64_t> size;
    for (const auto& e : *ap->options.output_size()) size.push_back(e.value_or(-1));
    a["output_size"] = text::python_tuple(size);
  }
  return a;
}

}  // namespace

ModuleTree nn_module_tree(const torch::nn::Module& root) {
  ModuleTree tree;
  std::unordered_map<const void*, int> seen;
  std::unordered_set<const void*> seen_params;

  std::function<int(const torch::nn::Module&, const std::string&)> visit = [&](const torch::nn::Module& m,
                                                                              const std::string& path) {
    if (auto it = seen.find(&m); it != seen.end()) {
      tree.by_path.emplace(path, it->second);
      return it->second;
    }
    int index = static_cast<int>(tree.nodes.size());
    seen.emplace(&m, index);
    tree.by_path.emplace(path, index);
    ModuleNode node;
    node.path = path;
    node.class_name = short_class_name(m.name());
    Attrs attrs = nn_attrs(m);
    node.extra_repr = extra_repr(node.class_name, [&attrs](const std::string& k) -> std::optional<std::string> {
      auto it = attrs.find(k);
      return it == attrs.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
    node.real_forward = has_real_forward(node.class_name);
    tree.nodes.push_back(std::move(node));

    for (const auto& p : m.named_parameters(/*recurse=*/false)) {
      if (!p.value().defined() || !seen_params.insert(p.value().unsafeGetTensorImpl()).second) continue;
      tree.params.push_back(
          {path.empty() ? p.key() : path + "." + p.key(), p.value().sizes().vec(), p.value().numel()});
    }
    for (const auto& child : m.named_children()) {
      int c = visit(*child.value(), path.empty() ? child.key() : path + "." + child.key());
      tree.nodes[static_cast<std::size_t>(index)].children.emplace_back(child.key(), c);
    }
    return index;
  };
  visit(root, "");
  return tree;
}

}  // namespace flopscope::model
