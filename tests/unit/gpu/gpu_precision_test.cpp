// Which peak each op is measured against. Expected classes follow LibTorch's documented defaults:
// torch.backends.cudnn.allow_tf32 = True (convolutions on TF32 tensor cores), torch.backends.cuda.matmul.
// allow_tf32 = False (float32 matrix products on CUDA cores).
#include <gtest/gtest.h>

#include "gpu/precision.h"

namespace flopscope::gpu {
namespace {

OpRecord op(const std::string& name, int dtype) {
  OpRecord r;
  r.name = name;
  Value v = Value::tensor({7, 5});
  v.dtype = static_cast<std::int8_t>(dtype);
  r.inputs = {v};
  return r;
}

TEST(Precision, Float32FollowsTheTf32Switches) {
  const Float32Modes defaults;
  EXPECT_EQ(precision_class(op("aten::_convolution", scalar_type::kFloat), defaults), "tf32_tc");
  EXPECT_EQ(precision_class(op("aten::linear", scalar_type::kFloat), defaults), "fp32");
  const Float32Modes all_tf32{true, true};
  EXPECT_EQ(precision_class(op("aten::addmm", scalar_type::kFloat), all_tf32), "tf32_tc");
  const Float32Modes none{false, false};
  EXPECT_EQ(precision_class(op("aten::convolution", scalar_type::kFloat), none), "fp32");
}

TEST(Precision, HalfTypesUseTensorCoresOnlyForMatrixFamilies) {
  const Float32Modes m;
  EXPECT_EQ(precision_class(op("aten::bmm", scalar_type::kBFloat16), m), "bf16_tc");
  EXPECT_EQ(precision_class(op("aten::scaled_dot_product_attention", scalar_type::kHalf), m), "fp16_tc");
  EXPECT_EQ(precision_class(op("aten::add", scalar_type::kBFloat16), m), "bf16");
  EXPECT_EQ(precision_class(op("aten::mv", scalar_type::kHalf), m), "fp16");  // gemv: CUDA cores
  EXPECT_EQ(precision_class(op("aten::matmul", scalar_type::kDouble), m), "fp64_tc");
  EXPECT_EQ(precision_class(op("aten::matmul", scalar_type::kFloat8First), m), "fp8_tc");
  EXPECT_EQ(precision_class(op("aten::mm", scalar_type::kChar), m), "int8_tc");
  // MoE experts and FP8 / int8 products run on tensor cores too: against the CUDA-core peak they would read above
  // 100% of it.
  EXPECT_EQ(precision_class(op("aten::_grouped_mm", scalar_type::kBFloat16), m), "bf16_tc");
  EXPECT_EQ(precision_class(op("aten::_scaled_mm", scalar_type::kFloat8First), m), "fp8_tc");
  EXPECT_EQ(precision_class(op("aten::_int_mm", scalar_type::kChar), m), "int8_tc");
  EXPECT_EQ(precision_class(op("aten::_addmm_activation", scalar_type::kHalf), m), "fp16_tc");
}

TEST(Precision, UnknownDtypeHasNoClass) {
  OpRecord r;
  r.name = "aten::linear";
  r.inputs = {Value::tensor({3, 4})};  // hand-built: dtype -1
  EXPECT_EQ(precision_class(r, Float32Modes{}), "");
  EXPECT_EQ(precision_class(op("aten::linear", 4 /* Long */), Float32Modes{}), "");
  Trace t;
  t.ops = {r, op("aten::linear", scalar_type::kHalf)};
  EXPECT_EQ(precision_classes(t, Float32Modes{}), (std::vector<std::string>{"", "fp16_tc"}));
}

// torch.autocast runs the model's linear as itself twice: with its float32 tensors, and inside it, after three
// casts, on bfloat16 ones; the kernels run in bfloat16. As LibTorch records it: capture_test.cpp.
TEST(Precision, AnOpAutocastRanAgainOnCastTensorsTakesTheInnerCallsClass) {
  Trace t;
  t.ops = {op("aten::linear", scalar_type::kFloat), op("aten::_to_copy", scalar_type::kFloat),
           op("aten::linear", scalar_type::kBFloat16), op("aten::addmm", scalar_type::kBFloat16),
           op("aten::linear", scalar_type::kFloat)};
  t.ops[1].parent = 0;
  t.ops[2].parent = 0;
  t.ops[3].parent = 2;  // the inner linear's product: a different op, its own class
  EXPECT_EQ(precision_classes(t, Float32Modes{}),
            (std::vector<std::string>{"bf16_tc", "fp32", "bf16_tc", "bf16_tc", "fp32"}));
}

}  // namespace
}  // namespace flopscope::gpu
