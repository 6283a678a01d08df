#pragma once
// A tensor's shape, where sizes() cannot always give one. A strided nested tensor (torch.nested: a batch of tensors
// of different lengths, nn.TransformerEncoder's padding-free path) throws from sizes(): its dims differ by
// component. A jagged one (layout=torch.jagged, a Python subclass) and a symbolic shape have dims that are
// symbols, not numbers. The capture records the first with its components and the others as values of no known
// shape; reports show the padded shape, and -1 for a dim that is a symbol.
#include <ATen/NestedTensorImpl.h>
#include <ATen/core/Tensor.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace flopscope::capture {

/// t's NestedTensorImpl when t is a strided nested tensor, else null. is_nested() is true of a jagged one too,
/// whose implementation is a Python subclass's, not this.
inline const at::native::NestedTensorImpl* strided_nested(const at::Tensor& t) {
  if (!t.is_nested()) return nullptr;
  return dynamic_cast<const at::native::NestedTensorImpl*>(t.unsafeGetTensorImpl());
}

/// Appends a strided nested tensor's padded shape (the number of components, then each dimension's largest) to
/// `ints`, then with `components` each component's shape, component after component.
template <class Ints>
void push_nested(Ints& ints, const at::native::NestedTensorImpl& nested, bool components) {
  const at::Tensor& shapes = nested.get_nested_sizes();  // [n, dim - 1], int64
  const std::int64_t n = shapes.size(0), rank = shapes.dim() == 2 ? shapes.size(1) : 0;
  const std::int64_t* dims = shapes.const_data_ptr<std::int64_t>();
  ints.push_back(n);
  for (std::int64_t j = 0; j < rank; ++j) {
    std::int64_t most = 0;
    for (std::int64_t i = 0; i < n; ++i) most = std::max(most, dims[i * rank + j]);
    ints.push_back(most);
  }
  if (components) ints.insert(ints.end(), dims, dims + n * rank);
}

/// Appends t's dims to `ints` and returns true; or, where a dim is a symbol (a jagged nested tensor, a symbolic
/// shape), appends `unknown` for it when given, else nothing, and returns false. Not for strided nested tensors.
template <class Ints>
bool push_sizes(Ints& ints, const at::Tensor& t, const std::int64_t* unknown = nullptr) {
  if (!t.unsafeGetTensorImpl()->has_symbolic_sizes_strides()) {
    for (auto d : t.sizes()) ints.push_back(d);
    return true;
  }
  const std::size_t before = ints.size();
  bool known = true;
  for (const c10::SymInt& d : t.sym_sizes()) {
    const auto n = d.maybe_as_int();
    known = known && n.has_value();
    ints.push_back(n ? *n : unknown ? *unknown : 0);
  }
  if (!known && unknown == nullptr) ints.resize(before);
  return known;
}

/// The shape to show for t: its sizes, a strided nested tensor's padded shape, -1 for a dim that is a symbol.
inline std::vector<std::int64_t> display_shape(const at::Tensor& t) {
  std::vector<std::int64_t> shape;
  if (const auto* nested = strided_nested(t)) {
    push_nested(shape, *nested, false);
  } else {
    const std::int64_t unknown = -1;
    push_sizes(shape, t, &unknown);
  }
  return shape;
}

}  // namespace flopscope::capture
