// What Hugging Face models do, in small (tests/fixtures, real_world/): ops whose CPU kernels call mm inside,
// and modules with tied weights. Expected values are mmengine's (FlopAnalyzer, parameter_count on the Python
// module) or arithmetic written out.
#include <gtest/gtest.h>

#include <map>

#include "model/model.h"
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

TEST(UnusedWork, CutUnderMmengineCountedUnderDefault) {
  // mmengine at [3, 5, 8]: {'': 960, 'vit': 960, 'vit.body': 960, 'vit.pooler': 0}, uncalled {'vit.pooler'}: its
  // traced graph drops the pooler, whose result the wrapper never returns. body: Linear(8, 8) on 3 * 5 rows.
  auto info = run("unused_pooler.pt", {{3, 5, 8}}, "mmengine");
  EXPECT_EQ(info.analysis.flops.total(""), 3 * 5 * 8 * 8);
  EXPECT_EQ(info.analysis.flops.total("vit.body"), 3 * 5 * 8 * 8);
  EXPECT_EQ(info.analysis.flops.total("vit.pooler"), 0);
  EXPECT_EQ(info.analysis.activations.total("vit.pooler"), 0);
  EXPECT_EQ(info.analysis.uncalled, std::vector<std::string>{"vit.pooler"});
  // default counts what the CPU did: the pooler ran on the 3 first tokens, 3 * 8 * 8.
  auto def = run("unused_pooler.pt", {{3, 5, 8}}, "default");
  EXPECT_EQ(def.analysis.flops.total("vit.pooler"), 3 * 8 * 8);
  EXPECT_EQ(def.analysis.flops.total(""), 3 * 5 * 8 * 8 + 3 * 8 * 8);
}

TEST(ForkedBranches, CountedOnTheModuleThatForked) {
  // FlopCounterMode on make_fixtures.py's Forked at [4, 64]: 36864 FLOPs, a: 16384, b: 16384, mm: 4096 (halved to
  // MACs below). `a` runs in a fork beside `b`; `mm` is forked and forks its own matmul. mmengine's trace never
  // enters a fork's subgraph and reports 8192 MACs with `a` and `mm` uncalled: flopscope counts what ran.
  const Count a = 4 * 64 * 32, b = 4 * 64 * 32, mm = 4 * 32 * 16;
  EXPECT_EQ(2 * (a + b + mm), 36864);
  for (const char* file : {"forked_scripted.pt", "forked_traced.pt"}) {
    for (const char* set : {"mmengine", "default"}) {
      SCOPED_TRACE(std::string(file) + " " + set);
      auto info = run(file, {{4, 64}}, set);
      EXPECT_EQ(info.analysis.flops.total(""), a + b + mm);
      EXPECT_EQ(info.analysis.flops.total("a"), a);
      EXPECT_EQ(info.analysis.flops.total("b"), b);
      EXPECT_EQ(info.analysis.flops.total("mm"), mm);
      EXPECT_TRUE(info.analysis.uncalled.empty());
    }
  }
  // Shape-only runs the same forks on meta tensors.
  auto model = test::load_fixture("real_world/forked_scripted.pt");
  Options o;
  o.input_shape = InputShape({{4, 64}});
  o.prepend_batch = false;
  o.shape_only = true;
  auto info = analyze(model, o);
  EXPECT_EQ(info.analysis.flops.total("mm"), mm);
  EXPECT_EQ(info.analysis.flops.total(""), a + b + mm);
}

// The extra_repr of every module of a tree, by path.
std::map<std::string, std::string> reprs(const ModuleTree& tree) {
  std::map<std::string, std::string> out;
  for (const auto& node : tree.nodes) out[node.path] = node.extra_repr;
  return out;
}

TEST(TracedArch, BiasLessLinearSaysSo) {
  // Python: repr(nn.Linear(16, 16, bias=False)) -> "in_features=16, out_features=16, bias=False". A traced
  // module has no bias slot at all when there is no bias.
  auto info = run("tied.pt", {{2, 16}}, "mmengine");
  const auto r = reprs(info.analysis.tree);
  for (const char* m : {"shared", "enc", "dec"}) EXPECT_EQ(r.at(m), "in_features=16, out_features=16, bias=False") << m;
}

TEST(TracedArch, SettingsReadBackFromTheTracedGraph) {
  // Each expected string is the module's extra_repr() in Python (torch 2.11), for the settings written in
  // make_fixtures.py's Layers: Conv2d(3, 8, 3, stride=2, padding=1, bias=False), BatchNorm2d(8, eps=1e-3,
  // momentum=0.01), ReLU(inplace=True), MaxPool2d(3, stride=2, padding=1), Dropout(p=0.25), Flatten(1),
  // LayerNorm(32, eps=1e-6), RMSNorm(32), RMSNorm([32], eps=1e-5, elementwise_affine=False),
  // GELU(approximate="tanh"), Embedding(11, 32, padding_idx=0), Linear(32, 5, bias=False).
  Options o;
  o.input_shape = InputShape(std::vector<std::vector<std::int64_t>>{{2, 3, 7, 7}, {2, 4}});
  o.input_dtypes = {"", "int64"};
  o.prepend_batch = false;
  auto model = test::load_fixture("real_world/layers.pt");
  const auto r = reprs(analyze(model, o).analysis.tree);
  EXPECT_EQ(r.at("conv"), "3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False");
  EXPECT_EQ(r.at("bn"), "8, eps=0.001, momentum=0.01, affine=True, track_running_stats=True");
  EXPECT_EQ(r.at("act"), "inplace=True");
  EXPECT_EQ(r.at("pool"), "kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False");
  EXPECT_EQ(r.at("drop"), "p=0.25, inplace=False");
  EXPECT_EQ(r.at("flat"), "start_dim=1, end_dim=-1");
  EXPECT_EQ(r.at("norm"), "(32,), eps=1e-06, elementwise_affine=True");
  EXPECT_EQ(r.at("rms"), "(32,), eps=None, elementwise_affine=True");  // None: the dtype's own epsilon
  EXPECT_EQ(r.at("rms_fixed"), "(32,), eps=1e-05, elementwise_affine=False");
  EXPECT_EQ(r.at("gelu"), "approximate='tanh'");
  EXPECT_EQ(r.at("embed"), "11, 32, padding_idx=0");
  EXPECT_EQ(r.at("head"), "in_features=32, out_features=5, bias=False");
}

TEST(TracedArch, OnlyTorchNnClassesPrintTorchNnSettings) {
  // timm's GELU is its own class with no extra_repr: mmengine prints "GELU()", not nn.GELU's approximate.
  EXPECT_EQ(model::repr_class("__torch__.torch.nn.modules.activation.___torch_mangle_7.GELU"), "GELU");
  EXPECT_EQ(model::repr_class("__torch__.timm.layers.activations.GELU"), "");
  EXPECT_EQ(model::repr_class("__torch__.timm.layers.norm.LayerNorm2d"), "LayerNorm");
  EXPECT_EQ(model::repr_class("__torch__.torch.nn.utils.parametrize.ParametrizedConv1d"), "Conv1d");
  EXPECT_EQ(model::repr_class("__torch__.transformers.models.llama.modeling_llama.___torch_mangle_2.LlamaRMSNorm"),
            "HFRMSNorm");
  EXPECT_EQ(model::repr_class("__torch__.torch.nn.modules.normalization.RMSNorm"), "RMSNorm");
  EXPECT_EQ(model::repr_class("__torch__.my_project.Block"), "");
}

TEST(TracedArch, EachTransformersRmsNormPrintsItsOwnText) {
  // transformers 5.23's sources: LlamaRMSNorm.extra_repr is f"{tuple(self.weight.shape)}, eps={self.variance_epsilon}",
  // MambaRMSNorm's f"{self.weight.shape[0]}, eps={self.variance_epsilon}", NanoChatRMSNorm's f"eps={self.eps}", and
  // Mamba2RMSNorm and Qwen3NextRMSNormGated define none.
  const std::map<std::string, std::string> settings = {{"weight_shape", "(64,)"}, {"hidden_size", "64"}, {"eps", "1e-06"}};
  const model::AttrLookup attr = [&](const std::string& name) -> std::optional<std::string> {
    auto it = settings.find(name);
    return it == settings.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  const auto printed = [&](const std::string& cls) {
    return model::extra_repr(model::repr_class("__torch__.transformers.models.x.modeling_x." + cls), attr);
  };
  EXPECT_EQ(printed("LlamaRMSNorm"), "(64,), eps=1e-06");
  EXPECT_EQ(printed("MambaRMSNorm"), "64, eps=1e-06");
  EXPECT_EQ(printed("NanoChatRMSNorm"), "eps=1e-06");
  EXPECT_EQ(printed("Mamba2RMSNorm"), "");
  EXPECT_EQ(printed("Qwen3NextRMSNormGated"), "");
}

}  // namespace
}  // namespace flopscope
