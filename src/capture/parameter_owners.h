#pragma once
// Which module owns a tensor an op reads: its parameters and buffers by storage, so that views (weight.t()) match.
// The C++ frontend places every op so (nn_resolver.h); a described model places the ops of a graph torch traced for
// its control flow so (api/described_source.cpp).
#include <string>
#include <unordered_map>

#include <ATen/core/Tensor.h>
#include <ATen/record_function.h>

#include "capture/wrapper_call.h"

namespace flopscope::capture {

class ParameterOwners {
 public:
  /// `t` belongs to the module at `module`; a tensor already known keeps its first owner (a tied weight's).
  void add(const at::Tensor& t, const std::string& module) {
    if (t.defined() && t.has_storage()) m_owner.emplace(t.storage().unsafeGetStorageImpl(), module);
  }
  bool empty() const { return m_owner.empty(); }

  /// The owner of the first tensor among `fn`'s own inputs that has one `fits` accepts; null when none does.
  template <typename Fits>
  const std::string* of_inputs(const at::RecordFunction& fn, Fits fits) const {
    for (const auto& v : own_values(fn.inputs(), fn.num_inputs())) {
      if (!v.isTensor() || !v.toTensor().defined() || !v.toTensor().has_storage()) continue;
      const auto it = m_owner.find(v.toTensor().storage().unsafeGetStorageImpl());
      if (it != m_owner.end() && fits(it->second)) return &it->second;
    }
    return nullptr;
  }

 private:
  std::unordered_map<const void*, std::string> m_owner;  // StorageImpl* -> the module's canonical path
};

}  // namespace flopscope::capture
