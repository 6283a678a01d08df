#pragma once
// Argument access for formulas: a missing or mistyped argument is a FormulaError, never a crash.
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
  if (!v.is_tensor()) throw FormulaError(r.name + ": input " + std::to_string(i) + " is not a tensor");
  return v.sizes;
}

inline const std::vector<std::int64_t>& output_shape(const OpRecord& r, std::size_t i = 0) {
  if (i >= r.outputs.size() || !r.outputs[i].is_tensor())
    throw FormulaError(r.name + ": output " + std::to_string(i) + " is not a tensor");
  return r.outputs[i].sizes;
}

inline std::int64_t product(const std::vector<std::int64_t>& shape, std::size_t from = 0) {
  std::int64_t n = 1;
  for (std::size_t i = from; i < shape.size(); ++i) n *= shape[i];
  return n;
}

/// Product of all dimensions but the last `trailing`.
inline std::int64_t leading_product(const std::vector<std::int64_t>& shape, std::size_t trailing) {
  std::int64_t n = 1;
  for (std::size_t i = 0; i + trailing < shape.size(); ++i) n *= shape[i];
  return n;
}

inline void require(bool ok, const OpRecord& r, const char* what) {
  if (!ok) throw FormulaError(r.name + ": " + what);
}

}  // namespace flopscope::count
