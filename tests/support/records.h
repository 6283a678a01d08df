#pragma once
// Hand-built op records and the op sets' formulas on them, for the formula tests (tests/unit/count/).
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "flopscope/op_set.h"

namespace flopscope::test {

using V = Value;

inline const OpSet& mmengine_ops() {
  static const OpSet set = mmengine_op_set();
  return set;
}

/// The op set of that name ("mmengine", "default" or "all"), built once.
inline const OpSet& named_ops(const std::string& name) {
  static const OpSet sets[] = {op_set_named("mmengine"), op_set_named("default"), op_set_named("all")};
  for (const OpSet& s : sets)
    if (s.name == name) return s;
  throw std::invalid_argument("no op set named '" + name + "'");
}

/// The mmengine op set's MACs and activations for `r`.
inline Count flops(const OpRecord& r) { return mmengine_ops().flops.at(r.name).formula(r); }
inline Count acts(const OpRecord& r) { return mmengine_ops().activations.at(r.name).formula(r); }

inline OpRecord op(const std::string& name, std::vector<Value> in, std::vector<Value> out = {}) {
  OpRecord r;
  r.name = name;
  r.inputs = std::move(in);
  r.outputs = std::move(out);
  return r;
}

/// The MACs the op set `set` counts for aten::`op_name` (or `op_name` itself where it names its namespace:
/// "torchvision::roi_align") on these arguments; -1 when the set has no formula for it.
inline Count macs(const std::string& set, const std::string& op_name, std::vector<Value> in,
                  std::vector<Value> out = {}) {
  const OpSet& s = named_ops(set);
  const bool qualified = op_name.find("::") != std::string::npos;
  const OpRecord r = op(qualified ? op_name : "aten::" + op_name, std::move(in), std::move(out));
  auto it = s.flops.find(r.name);
  if (it == s.flops.end()) return -1;  // no formula in this set
  return it->second.formula(r);
}

}  // namespace flopscope::test
