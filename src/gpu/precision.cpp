#include "gpu/precision.h"

#include <unordered_set>

namespace flopscope::gpu {

bool tensor_core_family(const std::string& name) {
  static const std::unordered_set<std::string> kFamilies = {
      "aten::_convolution", "aten::convolution", "aten::conv1d", "aten::conv2d", "aten::conv3d",
      "aten::conv_transpose1d", "aten::conv_transpose2d", "aten::conv_transpose3d", "aten::cudnn_convolution",
      "aten::cudnn_convolution_transpose", "aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm",
      "aten::addbmm", "aten::matmul", "aten::linear", "aten::einsum", "aten::scaled_dot_product_attention",
      "aten::_scaled_dot_product_flash_attention", "aten::_scaled_dot_product_efficient_attention",
      "aten::_scaled_dot_product_cudnn_attention", "aten::lstm", "aten::gru", "aten::rnn_tanh", "aten::rnn_relu",
      "aten::_cudnn_rnn", "aten::_grouped_mm", "aten::_scaled_grouped_mm", "aten::_scaled_mm", "aten::_int_mm",
      "aten::_addmm_activation",
      // a training step's backward
      "aten::convolution_backward", "aten::_scaled_dot_product_flash_attention_backward",
      "aten::_scaled_dot_product_efficient_attention_backward", "aten::_scaled_dot_product_cudnn_attention_backward",
      "aten::_flash_attention_backward", "aten::_efficient_attention_backward", "aten::_cudnn_rnn_backward"};
  return kFamilies.count(name) > 0;
}

int op_dtype(const OpRecord& op) {
  for (const auto& v : op.inputs)
    if (v.is_tensor() && v.dtype >= 0) return v.dtype;
  return -1;
}

std::string precision_class(const OpRecord& op, const Float32Modes& modes) {
  namespace st = scalar_type;
  const int dtype = op_dtype(op);
  const bool tc = tensor_core_family(op.name);
  switch (dtype) {
    case st::kFloat: {
      if (!tc) return "fp32";
      const bool conv = op.name.find("conv") != std::string::npos;
      return (conv ? modes.conv_tf32 : modes.matmul_tf32) ? "tf32_tc" : "fp32";
    }
    case st::kHalf: return tc ? "fp16_tc" : "fp16";
    case st::kBFloat16: return tc ? "bf16_tc" : "bf16";
    case st::kDouble: return tc ? "fp64_tc" : "fp64";
    case st::kChar: return tc ? "int8_tc" : "";
    default:
      if (dtype >= st::kFloat8First && dtype <= st::kFloat8Last) return tc ? "fp8_tc" : "";
      return "";
  }
}

std::vector<std::string> precision_classes(const Trace& trace, const Float32Modes& modes) {
  // Autocast (torch.autocast) runs an op as itself twice: the call the model made, with its float32 tensors, and
  // inside it, after casting them, the same op on bfloat16 or float16 ones. The kernels run in the inner call's
  // dtype; reading the outer one would measure a bf16 matrix product against the float32 peak. So an op whose child
  // is the same op takes the class of the innermost of that chain (a child comes after its parent in the trace).
  const std::size_t n = trace.ops.size();
  std::vector<std::size_t> runs_as(n);
  for (std::size_t i = 0; i < n; ++i) runs_as[i] = i;
  for (std::size_t i = n; i-- > 0;) {
    const OpRecord& op = trace.ops[i];
    if (op.parent < 0 || static_cast<std::size_t>(op.parent) >= i) continue;
    const auto parent = static_cast<std::size_t>(op.parent);
    if (trace.ops[parent].name == op.name) runs_as[parent] = runs_as[i];  // the first such child last
  }
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(precision_class(trace.ops[runs_as[i]], modes));
  return out;
}

}  // namespace flopscope::gpu
