// einsum as mmengine counts it (the mmengine op set), and as torch runs it (default and all). mmengine's expected
// values of the general path are what mmengine computes with numpy 2.4.6: floor(float(einsum_path(eq, *zeros,
// optimize='optimal')'s "Optimized FLOP count") / 2), checked in Python for these shapes; the special forms, and
// torch's batched products, are written out.
#include <gtest/gtest.h>

#include "count/attribute.h"
#include "flopscope/report.h"

namespace flopscope {
namespace {

OpRecord einsum(const std::string& eq, std::vector<std::vector<std::int64_t>> shapes) {
  OpRecord r;
  r.name = "aten::einsum";
  r.inputs = {Value::string(eq), Value::tensor_list(std::move(shapes)), Value::none()};
  r.outputs = {Value::tensor({1})};
  return r;
}

Count einsum_macs(const OpRecord& r) {
  static const OpSet set = mmengine_op_set();
  return set.flops.at("aten::einsum").formula(r);
}

bool as_float(const OpRecord& r) {
  static const OpSet set = mmengine_op_set();
  return set.flops.at("aten::einsum").returns_float(r);
}

TEST(Einsum, SpecialFormsAfterRenaming) {
  // "nct,ncp->ntp" renames to "abc,abd->acd": n*c*t*p = 2*3*5*7.
  EXPECT_EQ(einsum_macs(einsum("nct,ncp->ntp", {{2, 3, 5}, {2, 3, 7}})), 2 * 3 * 5 * 7);
  EXPECT_FALSE(as_float(einsum("nct,ncp->ntp", {{2, 3, 5}, {2, 3, 7}})));
  // "ntg, ncg -> nct" (spaces dropped) renames to "abc,adc->adb": n*t*g*c = 2*5*7*3.
  EXPECT_EQ(einsum_macs(einsum("ntg, ncg -> nct", {{2, 5, 7}, {2, 3, 7}})), 2 * 5 * 7 * 3);
}

TEST(Einsum, NumpyOptimalPath) {
  EXPECT_EQ(einsum_macs(einsum("nc,nchw->hw", {{3, 4}, {3, 4, 2, 3}})), 72);  // mmengine's own test vector
  EXPECT_TRUE(as_float(einsum("nc,nchw->hw", {{3, 4}, {3, 4, 2, 3}})));
  EXPECT_EQ(einsum_macs(einsum("ij,jk,kl->il", {{3, 4}, {4, 5}, {5, 6}})), 150);
  EXPECT_EQ(einsum_macs(einsum("ab,bc,cd,de->ae", {{7, 3}, {3, 11}, {11, 2}, {2, 13}})), 290);
  EXPECT_EQ(einsum_macs(einsum("abcd,aecd->abe", {{2, 3, 5, 7}, {2, 11, 5, 7}})), 2310);
  // numpy prints 4 significant digits: 88,700,959 -> 8.870e+07.
  EXPECT_EQ(einsum_macs(einsum("ab,bc->ac", {{123, 457}, {457, 789}})), 44350000);
  EXPECT_EQ(einsum_macs(einsum("a...b,a...c->abc", {{2, 3, 4, 5}, {2, 3, 4, 6}})), 720);
  EXPECT_EQ(einsum_macs(einsum("abc->", {{3, 4, 5}})), 60);
  EXPECT_EQ(einsum_macs(einsum("ab,ab", {{3, 4}, {3, 4}})), 12);  // implicit output: nothing appears once
}

Count torch_macs(const std::string& eq, std::vector<std::vector<std::int64_t>> shapes,
                 std::vector<std::int64_t> path = {}) {
  static const OpSet set = op_set_named("default");
  OpRecord r = einsum(eq, std::move(shapes));
  if (!path.empty()) r.inputs[2] = Value::int_list(std::move(path));
  return set.flops.at("aten::einsum").formula(r);
}

TEST(Einsum, DefaultCountsTheProductsTorchRuns) {
  // One bmm of i*b*n*d outputs by h: 16*1*4*16 * 64 exactly (mmengine's rounded count is 65,550).
  EXPECT_EQ(torch_macs("ibh,hnd->ibnd", {{16, 1, 64}, {64, 4, 16}}), 16 * 1 * 64 * 4 * 16);
  EXPECT_FALSE(op_set_named("default").flops.at("aten::einsum").returns_float);  // integers, as a bmm's
  // Left to right, where numpy's optimal order costs 290: ab,bc->ac 7*3*11, ac,cd->ad 7*11*2, ad,de->ae 7*2*13.
  EXPECT_EQ(torch_macs("ab,bc,cd,de->ae", {{7, 3}, {3, 11}, {11, 2}, {2, 13}}), 7 * 3 * 11 + 7 * 11 * 2 + 7 * 2 * 13);
  // A path (opt_einsum's, as torch passes it): (2,3) cd,de->ce 11*2*13, appended; (0,1) ab,bc->ac 7*3*11; then
  // ce,ac->ae 7*11*13.
  EXPECT_EQ(torch_macs("ab,bc,cd,de->ae", {{7, 3}, {3, 11}, {11, 2}, {2, 13}}, {2, 3, 0, 1, 0, 1}),
            11 * 2 * 13 + 7 * 3 * 11 + 7 * 11 * 13);
  // bi,bj first is a broadcast multiply (i and j are still needed by ij: nothing to sum, aten::mul), then bij,ij->b
  // is one bmm of b*i*j: the zoo's einsum_mixer, b = 2, i = j = 16.
  EXPECT_EQ(torch_macs("bi,bj,ij->b", {{2, 16}, {2, 16}, {16, 16}}), 2 * 16 * 16);
  // A label one operand holds and nothing else needs is summed before the product: k from the first, 3*4*5.
  EXPECT_EQ(torch_macs("ijk,jl->il", {{3, 4, 7}, {4, 5}}), 3 * 4 * 5);
  // An ellipsis not in the output is contracted: a*(3*4)*b*c.
  EXPECT_EQ(torch_macs("a...b,a...c->abc", {{2, 3, 4, 5}, {2, 3, 4, 6}}), 2 * 3 * 4 * 5 * 6);
  // A size-1 dimension broadcasts: b is 5 on one side only, 5*3*4*6.
  EXPECT_EQ(torch_macs("bij,bjk->bik", {{1, 3, 4}, {5, 4, 6}}), 5 * 3 * 4 * 6);
  // A repeated label is its diagonal: ii is 4 values, contracted with ij: 4*5.
  EXPECT_EQ(torch_macs("ii,ij->j", {{4, 4}, {4, 5}}), 4 * 5);
  // Spaces and the implicit output (labels seen once): ab,bc -> ac, 3*4*5.
  EXPECT_EQ(torch_macs("ab, bc", {{3, 4}, {4, 5}}), 3 * 4 * 5);
  // An outer product is a multiply, one operand only sums: no MACs. all counts the multiply, one per element.
  EXPECT_EQ(torch_macs("bi,bj->bij", {{2, 3}, {2, 4}}), 0);
  OpRecord outer = einsum("bi,bj->bij", {{2, 3}, {2, 4}});
  EXPECT_EQ(op_set_named("all").flops.at("aten::einsum").formula(outer), 2 * 3 * 4);
  EXPECT_EQ(torch_macs("abc->", {{3, 4, 5}}), 0);
  // An empty dimension: nothing to multiply.
  EXPECT_EQ(torch_macs("ij,jk->ik", {{0, 4}, {4, 5}}), 0);
  // Malformed: refused with a reason, never a crash.
  EXPECT_THROW(torch_macs("ij,jk->ik", {{3, 4}}), FormulaError);
  EXPECT_THROW(torch_macs("ij,jk->iz", {{3, 4}, {4, 5}}), FormulaError);
  EXPECT_THROW(torch_macs("ij,jk->ik", {{3, 4}, {5, 6}}), FormulaError);
  EXPECT_THROW(torch_macs("ab,bc,cd->ad", {{2, 3}, {3, 4}, {4, 5}}, {0, 5, 0, 1}), FormulaError);
  EXPECT_THROW(torch_macs("a......b,bc->ac", {{2, 3, 4, 5}, {5, 6}}), FormulaError);  // two ellipses, from a file
  EXPECT_THROW(torch_macs("a.b,bc->ac", {{2, 5}, {5, 6}}), FormulaError);
}

TEST(Einsum, FloatTotalsPrintLikePython) {
  // A model whose only op is that einsum: mmengine's total is the float 72.0, printed "72.0".
  Analysis a;
  a.tree.nodes = {{"", "M", "", true, {}}};
  a.tree.by_path[""] = 0;
  Trace trace;
  trace.ops.push_back(einsum("nc,nchw->hw", {{3, 4}, {3, 4, 2, 3}}));
  auto set = mmengine_op_set();
  a.flops = count::count_trace(trace, set.flops, set);
  EXPECT_EQ(format_total_flops(a), "72.0");
  EXPECT_NE(render_table(a).find("| model  |                      | 72.0   |"), std::string::npos) << render_table(a);
}

}  // namespace
}  // namespace flopscope
