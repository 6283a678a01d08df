#pragma once
// Which of the device's peaks an op is measured against: the precision class it ran in. Tensor-core classes
// apply to the op families cuBLAS and cuDNN run on tensor cores; float32 uses TF32 tensor cores only where
// LibTorch allows it (cuDNN convolutions allow it by default, cuBLAS matrix products do not).
#include <string>
#include <vector>

#include "flopscope/op_record.h"

namespace flopscope::gpu {

/// LibTorch's float32 settings at the time of the run.
struct Float32Modes {
  bool conv_tf32 = true;     ///< at::globalContext().allowTF32CuDNN(CONV): torch.backends.cudnn.allow_tf32
  bool matmul_tf32 = false;  ///< allowTF32CuBLAS(): torch.backends.cuda.matmul.allow_tf32
};

/// c10::ScalarType values as integers (checked against c10 in src/gpu/timing_pass.cpp), so this file needs
/// no LibTorch header.
namespace scalar_type {
constexpr int kChar = 1, kHalf = 5, kFloat = 6, kDouble = 7, kBFloat16 = 15;
constexpr int kFloat8First = 23, kFloat8Last = 26;  // Float8_e5m2, e4m3fn, e5m2fnuz, e4m3fnuz
}  // namespace scalar_type

/// Whether cuBLAS/cuDNN run this op on tensor cores when its dtype allows: convolutions, matrix products,
/// attention and recurrent layers. Matrix-vector products (mv, addmv, dot) stay on CUDA cores.
bool tensor_core_family(const std::string& op_name);

/// The dtype of the op's first tensor argument (c10::ScalarType value), -1 when unknown.
int op_dtype(const OpRecord& op);

/// The PeakSet key the op is measured against: "fp32", "tf32_tc", "bf16_tc", "fp16", ... ("" when the dtype
/// is unknown or not a floating/int8 type).
std::string precision_class(const OpRecord& op, const Float32Modes& modes);

/// precision_class for every op of the trace, each in the dtype its kernels ran in: an op autocast re-ran on cast
/// tensors (the same op nested in itself) takes its inner call's class.
std::vector<std::string> precision_classes(const Trace& trace, const Float32Modes& modes);

}  // namespace flopscope::gpu
