#include "capture/packed_weight.h"

#include <exception>
#include <string_view>

#include <ATen/core/function.h>
#include <ATen/core/jit_type.h>
#include <ATen/record_function.h>

namespace flopscope::capture {

std::optional<at::Tensor> packed_conv_weight(const c10::IValue& v) {
  if (!v.isObject()) return std::nullopt;
  const auto type = v.toObjectRef().type();
  const auto& name = type->name();
  // Only torch's own classes: a scripted model's classes are the model's code, and the capture never runs it.
  if (!name) return std::nullopt;
  const std::string_view qualified = name->qualifiedName();
  if (qualified != "__torch__.torch.classes.quantized.Conv2dPackedParamsBase" &&
      qualified != "__torch__.torch.classes.quantized.Conv3dPackedParamsBase")
    return std::nullopt;
  torch::jit::Function* unpack = type->findMethod("unpack");
  if (unpack == nullptr) return std::nullopt;
  at::DisableRecordFunctionGuard unrecorded;  // the unpacked copy's allocation is not an op of the model
  torch::jit::Stack stack{v};
  try {
    unpack->run(stack);
  } catch (const std::exception&) {
    return std::nullopt;  // a backend that cannot unpack: the op stays uncounted, as before, not the analysis failed
  }
  if (stack.size() != 1 || !stack.back().isTuple()) return std::nullopt;
  const auto& elements = stack.back().toTupleRef().elements();
  if (elements.empty() || !elements[0].isTensor()) return std::nullopt;
  return elements[0].toTensor();
}

}  // namespace flopscope::capture
