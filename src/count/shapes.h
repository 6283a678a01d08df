#pragma once
// Argument access for formulas: a missing or mistyped argument is a FormulaError, never a crash.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "flopscope/op_record.h"
#include "flopscope/op_set.h"

namespace flopscope::count {

inline const Value& input(const OpRecord& r, std::size_t i) {
  if (i >= r.inputs.size())
    throw FormulaError(r.name + ": expected at least " + std::to_string(i + 1) + " inputs");
  return r.inputs[i];
}

/// Shape of tensor input i; throws when it is not a tensor.
inline const std::vector<std::int64_t>& input_shape(const OpRecord& r, std::size_t i) {
  const Value& v = input(r, i);
  if (!v.is_tensor()) throw FormulaError(r.name + ": input " + std::to_string(i) + " is not a tensor of known shape");
  return v.sizes;
}

inline const std::vector<std::int64_t>& output_shape(const OpRecord& r, std::size_t i = 0) {
  if (i >= r.outputs.size() || !r.outputs[i].is_tensor())
    throw FormulaError(r.name + ": output " + std::to_string(i) + " is not a tensor of known shape");
  return r.outputs[i].sizes;
}

/// a * b * ...; a result past int64 throws CountOverflow (a shape-only analysis of a huge model can get there).
inline Count mul(Count a, Count b) {
  Count out = 0;
  if (__builtin_mul_overflow(a, b, &out))
    throw CountOverflow(std::to_string(a) + " * " + std::to_string(b) + " overflows int64");
  return out;
}
template <class... Rest>
Count mul(Count a, Count b, Count c, Rest... rest) {
  return mul(mul(a, b), c, rest...);
}

/// a + b, with the same guard.
inline Count add(Count a, Count b) {
  Count out = 0;
  if (__builtin_add_overflow(a, b, &out))
    throw CountOverflow(std::to_string(a) + " + " + std::to_string(b) + " overflows int64");
  return out;
}
template <class... Rest>
Count add(Count a, Count b, Count c, Rest... rest) {
  return add(add(a, b), c, rest...);
}

inline std::int64_t product(const std::vector<std::int64_t>& shape, std::size_t from = 0) {
  std::int64_t n = 1;
  for (std::size_t i = from; i < shape.size(); ++i) n = mul(n, shape[i]);
  return n;
}

/// Product of all dimensions but the last `trailing`.
inline std::int64_t leading_product(const std::vector<std::int64_t>& shape, std::size_t trailing) {
  std::int64_t n = 1;
  for (std::size_t i = 0; i + trailing < shape.size(); ++i) n = mul(n, shape[i]);
  return n;
}

/// numel(output 0) and numel(input 0): the per-element counts most formulas and activations use.
inline Count output_elements(const OpRecord& r) { return product(output_shape(r)); }
inline Count input_elements(const OpRecord& r) { return product(input_shape(r, 0)); }

inline void require(bool ok, const OpRecord& r, const char* what) {
  if (!ok) throw FormulaError(r.name + ": " + what);
}

/// An int argument's value, or `otherwise` where the record holds none (an optional left out: None).
inline std::int64_t int_or(const Value& v, std::int64_t otherwise) {
  return v.kind == Value::Kind::Int ? static_cast<std::int64_t>(v.number) : otherwise;
}

/// `dim` (a negative one counts from the end) as an index into a shape of `rank` dims; a FormulaError saying `what`
/// when the tensor has no such dimension.
inline std::size_t wrapped_dim(const OpRecord& r, std::int64_t dim, std::size_t rank, const char* what) {
  const auto n = static_cast<std::int64_t>(rank);
  require(dim >= -n && dim < n, r, what);
  return static_cast<std::size_t>(dim < 0 ? dim + n : dim);
}

/// The elements of the first `na` dims of `a` and the first `nb` of `b` broadcast together (numpy's rule: aligned
/// from the right, a 1 stretches); `what` names the failure when they do not broadcast.
inline Count broadcast_elements(const OpRecord& r, const std::vector<std::int64_t>& a, std::size_t na,
                                const std::vector<std::int64_t>& b, std::size_t nb, const char* what) {
  Count total = 1;
  for (std::size_t i = 0; i < std::max(na, nb); ++i) {
    const std::int64_t da = i < na ? a[na - 1 - i] : 1, db = i < nb ? b[nb - 1 - i] : 1;
    require(da == db || da == 1 || db == 1, r, what);
    total = mul(total, da == 1 ? db : da);
  }
  return total;
}

}  // namespace flopscope::count
