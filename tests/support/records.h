#pragma once
// Hand-built op records and the mmengine op set's formulas on them, for the formula tests (tests/unit/count/).
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

}  // namespace flopscope::test
