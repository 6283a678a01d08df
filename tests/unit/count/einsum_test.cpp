// einsum as mmengine counts it. The expected values of the general path are what mmengine computes with
// numpy 2.4.6: floor(float(einsum_path(eq, *zeros, optimize='optimal')'s "Optimized FLOP count") / 2),
// checked in Python for these shapes; the special forms are written out.
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

TEST(Einsum, FloatTotalsPrintLikePython) {
  // A model whose only op is that einsum: mmengine's total is the float 72.0, printed "72.0".
  Analysis a;
  a.tree.nodes = {{"", "M", "", true, {}}};
  a.tree.by_path[""] = 0;
  Trace trace;
  trace.ops.push_back(einsum("nc,nchw->hw", {{3, 4}, {3, 4, 2, 3}}));
  auto set = mmengine_op_set();
  a.flops = count::count_trace(trace, set.flops, set.ignored);
  EXPECT_EQ(format_total_flops(a), "72.0");
  EXPECT_NE(render_table(a).find("| model  |                      | 72.0   |"), std::string::npos) << render_table(a);
}

}  // namespace
}  // namespace flopscope
