// What Hugging Face models do, in small (tests/fixtures, real_world/): ops whose CPU kernels call mm inside,
// and modules with tied weights. Expected values are mmengine's (FlopAnalyzer, parameter_count on the Python
// module) or arithmetic written out.
#include <gtest/gtest.h>

#include "test_support.h"

namespace flopscope {
namespace {

ComplexityInfo run(const std::string& file, std::vector<std::vector<std::int64_t>> shapes, const std::string& set) {
  auto model = test::load_fixture("real_world/" + file);
  Options o;
  o.input_shape = InputShape(std::move(shapes));
  o.prepend_batch = false;
  o.op_set = set;
  return analyze(model, o);
}

std::vector<std::pair<std::string, Count>> unsupported(const StatResult& r) { return r.unsupported.items(); }

// Parameters of a module and everything below it, as mmengine's parameter_count credits them.
Count params_of(const ModuleTree& tree, const std::string& module) {
  Count n = 0;
  for (const auto& p : tree.params)
    if (module.empty() || p.name.rfind(module + ".", 0) == 0) n += p.numel;
  return n;
}

TEST(CountedWhereCalled, TensordotIsUnsupportedUnderMmengine) {
  // mmengine FlopAnalyzer: total 0, unsupported {'aten::tensordot': 1}. The CPU kernel's mm is not the model's.
  auto info = run("tensordot.pt", {{8, 64}}, "mmengine");
  EXPECT_EQ(info.flops, 0);
  EXPECT_EQ(unsupported(info.analysis.flops), (std::vector<std::pair<std::string, Count>>{{"aten::tensordot", 1}}));
  EXPECT_EQ(unsupported(info.analysis.activations),
            (std::vector<std::pair<std::string, Count>>{{"aten::tensordot", 1}}));
  // default: x[8,64] contracted with W[64,32] over 64: 8 * 64 * 32, once.
  auto def = run("tensordot.pt", {{8, 64}}, "default");
  EXPECT_EQ(def.flops, 8 * 64 * 32);
  EXPECT_EQ(def.analysis.flops.by_operator().get("tensordot"), 8 * 64 * 32);
  EXPECT_TRUE(def.analysis.flops.unsupported.empty());
}

const std::vector<std::vector<std::int64_t>> kContractionInputs = {{11, 5}, {11, 7}, {2, 13, 6}, {2, 5, 12}, {13, 8}};

TEST(CountedWhereCalled, InnerOpsNeverReported) {
  // mmengine on the same module: total 0; unsupported bilinear, cdist, linalg_multi_dot, inner,
  // _native_multi_head_attention, _grouped_mm once each, sum 6 and add 5 times.
  auto info = run("contractions.pt", kContractionInputs, "mmengine");
  EXPECT_EQ(info.flops, 0);
  const std::vector<std::pair<std::string, Count>> expected = {
      {"aten::bilinear", 1}, {"aten::cdist", 1},  {"aten::linalg_multi_dot", 1}, {"aten::inner", 1},
      {"aten::_native_multi_head_attention", 1}, {"aten::_grouped_mm", 1},      {"aten::sum", 6},
      {"aten::add", 5}};
  EXPECT_EQ(unsupported(info.analysis.flops), expected);
  for (const auto& w : info.warnings)
    for (const char* inner : {"aten::mm", "aten::bmm", "empty_strided", "_transform_bias_rescale_qkv", "aten::add_"})
      EXPECT_EQ(w.find(inner), std::string::npos) << w;
}

TEST(CountedWhereCalled, DefaultFormulasAtTheOuterOp) {
  auto info = run("contractions.pt", kContractionInputs, "default");
  const auto& ops = info.analysis.flops.by_operator();
  // Bilinear(5, 7, 3) on x1[11,5], x2[11,7]: x1 with W[3,5,7] (11*3*5*7), then with x2 (11*3*7).
  EXPECT_EQ(ops.get("bilinear"), 11 * 3 * 5 * 7 + 11 * 3 * 7);
  // cdist(z[2,13,6], z[:, :5]): 2 batches of 13 x 5 pairs, 6 coordinates each.
  EXPECT_EQ(ops.get("cdist"), 2 * 13 * 5 * 6);
  // multi_dot of [13,6][6,4][4,9][9,2]: the cheapest order is A(B(CD)): 4*9*2 + 6*4*2 + 13*6*2 = 276
  // (left to right would cost 13*6*4 + 13*4*9 + 13*9*2 = 1014).
  EXPECT_EQ(ops.get("linalg_multi_dot"), 4 * 9 * 2 + 6 * 4 * 2 + 13 * 6 * 2);
  // inner(z[2,13,6], w^T[4,6]): 2*13 rows against 4 rows, 6 each.
  EXPECT_EQ(ops.get("inner"), 2 * 13 * 4 * 6);
  // MHA fast path, q = k = v [2,5,12], 3 heads: q, k, v projections 3 * 2*5*12*12, attention 2 * 2*5*5*12,
  // output projection 2*5*12*12.
  EXPECT_EQ(ops.get("_native_multi_head_attention"), 3 * 2 * 5 * 12 * 12 + 2 * 2 * 5 * 5 * 12 + 2 * 5 * 12 * 12);
  // _grouped_mm(t[13,8], experts[4,8,12], offs): 13 tokens, each through one expert of 8 x 12.
  EXPECT_EQ(ops.get("_grouped_mm"), 13 * 8 * 12);
  EXPECT_EQ(info.flops, ops.total());
  EXPECT_EQ(ops.get("mm"), 0);
  EXPECT_EQ(ops.get("bmm"), 0);
  EXPECT_EQ(ops.get("linear"), 0);
  // What stays unsupported is what the model itself called.
  EXPECT_EQ(unsupported(info.analysis.flops),
            (std::vector<std::pair<std::string, Count>>{{"aten::sum", 6}, {"aten::add", 5}}));
}

TEST(TiedWeights, ModulesStaySeparate) {
  // mmengine by_module: {'': 1024, 'shared': 0, 'enc': 512, 'dec': 512}; parameter_count: '' 256,
  // 'shared' 256 (the tied weight counts once, under its first name); activations '' 64, enc 32, dec 32.
  auto info = run("tied.pt", {{2, 16}}, "mmengine");
  const auto& f = info.analysis.flops;
  EXPECT_EQ(f.total(""), 1024);
  EXPECT_EQ(f.total("shared"), 0);
  EXPECT_EQ(f.total("enc"), 2 * 16 * 16);
  EXPECT_EQ(f.total("dec"), 2 * 16 * 16);
  EXPECT_EQ(info.analysis.activations.total("enc"), 2 * 16);
  const auto& tree = info.analysis.tree;
  EXPECT_EQ(tree.nodes.size(), 4u);
  EXPECT_EQ(params_of(tree, ""), 16 * 16);
  EXPECT_EQ(params_of(tree, "shared"), 16 * 16);
  EXPECT_EQ(params_of(tree, "enc"), 0);
  EXPECT_EQ(params_of(tree, "dec"), 0);
  EXPECT_EQ(info.params, 16 * 16);
  EXPECT_EQ(info.analysis.uncalled, std::vector<std::string>{"shared"});  // as mmengine: never called itself
}

}  // namespace
}  // namespace flopscope
