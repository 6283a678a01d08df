// The matmul family (src/count/matmul.cpp): linear, addmm, bmm, matmul; default's baddbmm, addbmm, addmv, mv, dot,
// vdot, and quantized and low-precision products. On hand-built records at odd shapes, with the arithmetic written
// out.
#include <gtest/gtest.h>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), flops(), acts(), macs(), V

TEST(Matmul, Linear) {
  auto r = op("aten::linear", {V::tensor({2, 7, 13}), V::tensor({5, 13}), V::tensor({5})}, {V::tensor({2, 7, 5})});
  EXPECT_EQ(flops(r), 2 * 7 * 13 * 5);
  EXPECT_EQ(acts(r), 2 * 7 * 5);
  EXPECT_EQ(test::mmengine_ops().flops.at("aten::linear").key, "linear");
  auto bad = op("aten::linear", {V::tensor({2, 7, 12}), V::tensor({5, 13}), V::none()});
  EXPECT_THROW(flops(bad), FormulaError);
}

TEST(Matmul, LinearWithAOneDimensionalWeight) {
  // F.linear(x[40, 33], w[33]) is x @ w: 40 dot products of 33, 1320 MACs, the output [40] (D-FINE's integral over
  // its 33 distribution bins). mmengine's formula takes w's only dim for the output features: 40 * 33 * 33, kept in
  // its set for parity; default and all count the product.
  auto r = op("aten::linear", {V::tensor({40, 33}), V::tensor({33}), V::none()}, {V::tensor({40})});
  EXPECT_EQ(flops(r), 40 * 33 * 33);
  EXPECT_EQ(macs("default", "linear", r.inputs, r.outputs), 40 * 33);
  EXPECT_EQ(macs("all", "linear", {V::tensor({2, 5, 33}), V::tensor({33}), V::none()}, {V::tensor({2, 5})}), 2 * 5 * 33);
  // Two-dimensional weights as before; a mismatched one is still a formula error.
  EXPECT_EQ(macs("default", "linear", {V::tensor({2, 7, 13}), V::tensor({5, 13}), V::none()}, {V::tensor({2, 7, 5})}),
            2 * 7 * 13 * 5);
  EXPECT_THROW(macs("default", "linear", {V::tensor({40, 32}), V::tensor({33}), V::none()}, {V::tensor({40})}),
               FormulaError);
}

TEST(Matmul, Addmm) {
  auto r = op("aten::addmm", {V::tensor({5}), V::tensor({3, 7}), V::tensor({7, 5})}, {V::tensor({3, 5})});
  EXPECT_EQ(flops(r), 3 * 7 * 5);
  EXPECT_EQ(acts(r), 3 * 5);
}

TEST(Matmul, Bmm) {
  auto r = op("aten::bmm", {V::tensor({4, 3, 7}), V::tensor({4, 7, 5})}, {V::tensor({4, 3, 5})});
  EXPECT_EQ(flops(r), 4 * 3 * 7 * 5);
}

TEST(Matmul, MatmulPromotesVectors) {
  EXPECT_EQ(flops(op("aten::matmul", {V::tensor({3, 7}), V::tensor({7, 5})})), 3 * 7 * 5);
  EXPECT_EQ(flops(op("aten::matmul", {V::tensor({7}), V::tensor({7, 5})})), 1 * 7 * 5);    // A -> [1, 7]
  EXPECT_EQ(flops(op("aten::matmul", {V::tensor({2, 3, 7}), V::tensor({7})})), 2 * 3 * 7);  // B -> [7, 1]
  // Batch dims only in B are not multiplied in (mmengine's formula): numel(A) * B[-1].
  EXPECT_EQ(flops(op("aten::matmul", {V::tensor({3, 7}), V::tensor({6, 7, 5})})), 3 * 7 * 5);
  EXPECT_EQ(flops(op("aten::mm", {V::tensor({3, 7}), V::tensor({7, 5})})), 3 * 7 * 5);
  EXPECT_THROW(flops(op("aten::matmul", {V::tensor({3, 7}), V::tensor({6, 5})})), FormulaError);
}

// default counts matmul's batch as the product runs: A's and B's batch dimensions broadcast together. Where B's
// batch is no wider than A's it is mmengine's numel(A) * B[-1]; where B brings its own, each of its products.
TEST(Matmul, DefaultBroadcastsTheBatchOfBothSides) {
  // x[3, 7] times 6 weights [7, 5]: 6 products of 3 * 7 * 5; mmengine counts one.
  EXPECT_EQ(macs("default", "matmul", {V::tensor({3, 7}), V::tensor({6, 7, 5})}), 6 * 3 * 7 * 5);
  EXPECT_EQ(macs("mmengine", "matmul", {V::tensor({3, 7}), V::tensor({6, 7, 5})}), 3 * 7 * 5);
  // [2, 1, 3, 7] @ [4, 7, 5]: batch [2, 1] and [4] broadcast to [2, 4].
  EXPECT_EQ(macs("default", "matmul", {V::tensor({2, 1, 3, 7}), V::tensor({4, 7, 5})}), 2 * 4 * 3 * 7 * 5);
  // A vector times a batch of matrices: [7] -> [1, 7], times 6 matrices [7, 5].
  EXPECT_EQ(macs("default", "matmul", {V::tensor({7}), V::tensor({6, 7, 5})}), 6 * 1 * 7 * 5);
  // Where B's batch is no wider than A's, both sets agree.
  for (const char* set : {"mmengine", "default", "all"}) {
    EXPECT_EQ(macs(set, "matmul", {V::tensor({2, 3, 7}), V::tensor({7, 5})}), 2 * 3 * 7 * 5) << set;
    EXPECT_EQ(macs(set, "matmul", {V::tensor({4, 2, 3, 7}), V::tensor({4, 2, 7, 5})}), 4 * 2 * 3 * 7 * 5) << set;
    EXPECT_EQ(macs(set, "matmul", {V::tensor({2, 3, 7}), V::tensor({7})}), 2 * 3 * 7) << set;
  }
  EXPECT_THROW(macs("default", "matmul", {V::tensor({2, 3, 7}), V::tensor({3, 7, 5})}), FormulaError);  // 2 vs 3
}

TEST(Matmul, DefaultAddsProductsMmengineMisses) {
  EXPECT_EQ(macs("mmengine", "baddbmm", {V::tensor({3, 5, 2}), V::tensor({3, 5, 7}), V::tensor({3, 7, 2})}), -1);
  EXPECT_EQ(macs("default", "baddbmm", {V::tensor({3, 5, 2}), V::tensor({3, 5, 7}), V::tensor({3, 7, 2})}), 3 * 5 * 7 * 2);
  EXPECT_EQ(macs("default", "addbmm", {V::tensor({5, 2}), V::tensor({3, 5, 7}), V::tensor({3, 7, 2})}), 3 * 5 * 7 * 2);
  EXPECT_EQ(macs("default", "addmv", {V::tensor({5}), V::tensor({5, 7}), V::tensor({7})}), 5 * 7);
  EXPECT_EQ(macs("default", "mv", {V::tensor({5, 7}), V::tensor({7})}), 5 * 7);
  EXPECT_EQ(macs("default", "dot", {V::tensor({11}), V::tensor({11})}), 11);
  EXPECT_EQ(macs("default", "vdot", {V::tensor({13}), V::tensor({13})}), 13);
}

TEST(Matmul, QuantizedLinearFromItsOutput) {
  // quantized::linear_dynamic(x, packed weight, reduce_range): the packed weight shows no shape; the output's last
  // dim is out. x[2, 7, 13] -> [2, 7, 5]: 2*7 rows of 13 times 5.
  const auto r = op("quantized::linear_dynamic", {V::tensor({2, 7, 13}), V::other(), V::boolean(false)},
                    {V::tensor({2, 7, 5})});
  const OpSet& d = named_ops("default");
  EXPECT_EQ(d.flops.at(r.name).formula(r), 2 * 7 * 13 * 5);
  EXPECT_EQ(d.flops.at(r.name).key, "linear");
  EXPECT_EQ(d.activations.at(r.name).formula(r), 2 * 7 * 5);
  EXPECT_EQ(d.flops.count("quantized::linear_relu"), 1u);
  EXPECT_EQ(mmengine_ops().flops.count(r.name), 0u);  // mmengine leaves it unsupported
  EXPECT_THROW(d.flops.at(r.name).formula(op("quantized::linear", {V::other(), V::other()}, {V::tensor({3})})),
               FormulaError);
}

TEST(Matmul, LowPrecisionProductsFromTheirOutput) {
  // _scaled_mm(A[16,32] fp8, B[32,64] fp8, scale_a, scale_b): 16*32*64. _weight_int8pack_mm(A[16,32], W[64,32] int8,
  // scales[64]): the same product with W stored transposed. _weight_int4pack_mm's W is packed in tiles: the output
  // [16, 64] gives n all the same.
  const auto t = [](std::vector<std::int64_t> s) { return V::tensor(std::move(s)); };
  EXPECT_EQ(macs("default", "_scaled_mm", {t({16, 32}), t({32, 64}), t({}), t({})}, {t({16, 64})}), 16 * 32 * 64);
  EXPECT_EQ(macs("default", "_int_mm", {t({16, 32}), t({32, 64})}, {t({16, 64})}), 16 * 32 * 64);
  EXPECT_EQ(macs("default", "_weight_int8pack_mm", {t({16, 32}), t({64, 32}), t({64})}, {t({16, 64})}), 16 * 32 * 64);
  EXPECT_EQ(macs("default", "_weight_int4pack_mm", {t({16, 32}), t({8, 1, 32, 4}), V::integer(32), t({1, 64, 2})},
                 {t({16, 64})}),
            16 * 32 * 64);
  // _addmm_activation(bias[64], A[16,32], B[32,64], beta, alpha, use_gelu): addmm's product, the activation not
  // counted.
  EXPECT_EQ(macs("default", "_addmm_activation",
                 {t({64}), t({16, 32}), t({32, 64}), V::real(1), V::real(1), V::boolean(true)}, {t({16, 64})}),
            16 * 32 * 64);
  EXPECT_EQ(macs("mmengine", "_scaled_mm", {t({16, 32}), t({32, 64})}, {t({16, 64})}), -1);
}

}  // namespace
}  // namespace flopscope
