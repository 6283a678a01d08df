// Calls on nested tensors (torch.nested): a batch of tensors of different lengths, as nn.TransformerEncoder makes
// from a padding mask in eval mode without grad, so that no padded position is computed. The capture records
// such a tensor's padded shape and each component's (op_record.h). A formula reads one shape per tensor, so the
// call is counted as the same call once per component, each component a batch of one: a linear layer counts the
// tokens there are, and the MHA fast path each sequence's own L x L pairs.
#include "count/shapes.h"

namespace flopscope {
namespace {

// The number of components the call's nested tensors share (0: none is nested).
std::size_t components_of(const OpRecord& r) {
  std::size_t n = 0;
  for (const auto* values : {&r.inputs, &r.outputs})
    for (const Value& v : *values) {
      if (!v.is_nested()) continue;
      if (n != 0 && v.shapes.size() != n)
        throw FormulaError(r.name + ": nested tensors of " + std::to_string(n) + " and " +
                           std::to_string(v.shapes.size()) + " components");
      n = v.shapes.size();
    }
  return n;
}

// `into`'s nested values replaced by their component i as a batch of one.
void take_component(std::vector<Value>& into, const std::vector<Value>& from, std::size_t i) {
  for (std::size_t k = 0; k < from.size(); ++k) {
    if (!from[k].is_nested()) continue;
    Value& v = into[k];
    v.shapes.clear();
    v.sizes.assign(1, 1);
    v.sizes.insert(v.sizes.end(), from[k].shapes[i].begin(), from[k].shapes[i].end());
  }
}

}  // namespace

Count count_call(Formula formula, const OpRecord& r) {
  const std::size_t n = components_of(r);
  if (n == 0) return formula(r);
  OpRecord one = r;
  Count total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    take_component(one.inputs, r.inputs, i);
    take_component(one.outputs, r.outputs, i);
    total = count::add(total, formula(one));
  }
  return total;
}

}  // namespace flopscope
