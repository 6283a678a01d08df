#pragma once
// torch.ao's quantized convolutions (quantized::conv2d and its relatives: what torch.ao.nn.quantized.Conv2d and a
// model converted by torch.ao.quantization run) take their weight packed for the backend, as a TorchScript object
// (__torch__.torch.classes.quantized.Conv2dPackedParamsBase or Conv3d...): the call shows no shape for it, and
// the input and output shapes cannot recover the kernel size or the groups. The object's unpack() gives the weight
// back, (Cout, Cin/groups, k...) as aten's convolutions take it, so the capture records the packed argument as
// that tensor and the convolution formula applies unchanged.
#include <optional>

#include <ATen/core/ivalue.h>

namespace flopscope::capture {

/// The weight inside a quantized convolution's packed parameters; nullopt for any other value (or if the
/// object cannot unpack). Its own ops run unrecorded: they are not the model's.
std::optional<at::Tensor> packed_conv_weight(const c10::IValue& v);

}  // namespace flopscope::capture
