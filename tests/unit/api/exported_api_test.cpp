// The C++ API for torch.export programs: an archive loaded once and analysed at several symbol values, and the
// graph reader's answer to malformed input (the fuzzer's past findings replayed). Expected values are the
// arithmetic of tests/fixtures/make_exported.py's TwoLinear written out.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <ATen/ops/randn.h>
#include <caffe2/serialize/inline_container.h>
#include <nlohmann/json.hpp>

#include "exported/program.h"
#include "flopscope/exported.h"
#include "test_support.h"

namespace flopscope {
namespace {

// TwoLinear on [2, seq, 16]: Linear(16, 32) twice, LayerNorm(32) at 5 per element, Linear(32, 8).
Count two_linear_macs(std::int64_t seq) { return 2 * (2 * seq * 16 * 32) + 2 * seq * 32 * 5 + 2 * seq * 32 * 8; }

TEST(ExportedApi, OneLoadManyBindings) {
  const ExportedModel model = ExportedModel::load(test::fixture("exported/two_linear.pt2"));
  ASSERT_EQ(model.symbols().size(), 1u);
  const ExportSymbol& seq = model.symbols().front();
  EXPECT_EQ(seq.min, 2);
  EXPECT_EQ(seq.max, 4096);
  EXPECT_EQ(seq.example, 10);
  EXPECT_EQ(seq.aliases, std::vector<std::string>{"x.1"});
  EXPECT_EQ(model.dialect(), "TRAINING");
  Options o;
  o.show_table = o.show_arch = false;
  for (std::int64_t n : {2, 100, 4096}) {
    const ComplexityInfo info = analyze(model, o, {{"x.1", n}});
    EXPECT_EQ(info.flops, two_linear_macs(n)) << n;
    EXPECT_EQ(info.params, (16 * 32 + 32) + (32 * 8 + 8) + (4 * 4 + 4) + 2 * 32);
    EXPECT_EQ(info.analysis.run.input_shapes, (std::vector<std::vector<std::int64_t>>{{2, n, 16}}));
    EXPECT_EQ(info.analysis.run.model_kind, "exported");
    EXPECT_EQ(info.analysis.uncalled, std::vector<std::string>{"unused"});
  }
  EXPECT_EQ(analyze(model, o).flops, two_linear_macs(10));  // the example value
  EXPECT_THROW(analyze(model, o, {{"x.1", 1}}), InvalidInput);  // below the range
  Options shapes = o;
  shapes.input_shape = InputShape({2, 10, 16});
  EXPECT_THROW(analyze(model, shapes), InvalidInput);
}

TEST(ExportedApi, ThreadsShareOneLoadedProgram) {
  // The size expressions' cache is shared by every analysis of one program: four threads, four sequence lengths.
  const ExportedModel model = ExportedModel::load(test::fixture("exported/two_linear.pt2"));
  Options o;
  o.show_table = o.show_arch = false;
  std::vector<Count> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) got[t] = analyze(model, o, {{"x.1", 100 * (t + 1) + round}}).flops;
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(got[t], two_linear_macs(100 * (t + 1) + 19)) << t;
}

// An integer field holding a literal too long for 64 bits (the fuzzer's find): JSON reads it as a double, which
// the schema's reader would cast to int64 with an undefined result. Refused by name; a float field may hold it.
// A program held in memory (the Python package's ExportedProgram): the archive's graph JSON and tensors handed over
// as they are, read at the sizes of given inputs or run on them.
TEST(ExportedApi, FromMemoryReadsAndRunsAtTheInputsSizes) {
  caffe2::serialize::PyTorchStreamReader archive(test::fixture("exported/two_linear.pt2"));
  std::string json;
  for (const auto& r : archive.getAllRecords())
    if (r.size() >= 17 && r.compare(r.size() - 17, 17, "models/model.json") == 0) {
      auto [data, n] = archive.getRecord(r);
      json.assign(static_cast<const char*>(data.get()), n);
    }
  ASSERT_FALSE(json.empty());
  std::unordered_map<std::string, at::Tensor> tensors;
  for (const auto& [name, shape] : std::vector<std::pair<std::string, std::vector<std::int64_t>>>{
           {"a.weight", {32, 16}}, {"a.bias", {32}}, {"b.weight", {8, 32}}, {"b.bias", {8}}, {"unused.weight", {4, 4}},
           {"unused.bias", {4}}, {"ln.weight", {32}}, {"ln.bias", {32}}})
    tensors[name] = at::randn(shape);
  const ExportedModel model = ExportedModel::from_memory(json, {}, tensors);
  EXPECT_EQ(model.dims_for({{2, 7, 16}}), (std::vector<DimBinding>{{"x.1", 7}}));
  Options o;
  o.show_table = o.show_arch = false;
  EXPECT_EQ(analyze(model, o, model.dims_for({{2, 7, 16}})).flops, two_linear_macs(7));
  const ComplexityInfo ran = analyze(model, o, std::vector<at::Tensor>{at::randn({2, 7, 16})});
  EXPECT_EQ(ran.flops, two_linear_macs(7));
  EXPECT_TRUE(ran.analysis.run.exported->executed);
  const ComplexityInfo read = analyze(model, o, std::vector<at::Tensor>{at::randn({2, 7, 16})}, {}, /*execute=*/false);
  EXPECT_EQ(read.flops, two_linear_macs(7));
  EXPECT_FALSE(read.analysis.run.exported->executed);
  EXPECT_THROW(model.dims_for({{2, 7, 8}}), InvalidInput);               // a static size differs
  EXPECT_THROW(model.dims_for({{2, 7}}), InvalidInput);                  // a dimension short
  EXPECT_THROW(model.dims_for({{2, 5000, 16}}), InvalidInput);           // beyond the range (2..4096)
  EXPECT_THROW(model.dims_for({{2, 7, 16}, {2, 7, 16}}), InvalidInput);  // one input too many
  // Without tensors it can be read, not run.
  const ExportedModel graph_only = ExportedModel::from_memory(json);
  EXPECT_EQ(analyze(graph_only, o).flops, two_linear_macs(10));
  EXPECT_THROW(analyze(graph_only, o, std::vector<at::Tensor>{at::randn({2, 7, 16})}), InvalidInput);
}

TEST(ExportedApi, AnIntegerBeyond64BitsIsRefused) {
  const auto path = std::filesystem::path(test::tests_dir()) / "fuzz" / "regressions" /
                    "export_float_in_an_int_field.json";
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  try {
    (void)exported::Program::parse(bytes.str(), "graph.json");
    ADD_FAILURE() << "parsed";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("\"as_int\" holds an integer beyond 64 bits"), std::string::npos) << e.what();
  }
}

// TwoLinear's graph (the fuzzer's seed) with its module "unused" renamed in the module call graph.
exported::Program two_linear_with_module_path(const std::string& fqn) {
  std::ifstream in(std::filesystem::path(test::tests_dir()) / "fuzz" / "corpus" / "export" / "two_linear.json");
  nlohmann::json graph = nlohmann::json::parse(in);
  auto& calls = graph["graph_module"]["module_call_graph"];
  EXPECT_EQ(calls[3]["fqn"], "unused");
  calls[3]["fqn"] = fqn;
  return exported::Program::parse(graph.dump(), "graph.json");
}

std::string levels(int n) {  // "m.m.m...m", n levels
  std::string path = "m";
  for (int i = 1; i < n; ++i) path += ".m";
  return path;
}

// Module paths no torch writes, from a file made to crash a reader (export_fuzz found the first): a path that
// starts with a dot made the root its own child, and the tree's recursion never ended (a stack overflow).
TEST(ExportedApi, ModulePathsNoTorchWritesAreReadOrRefused) {
  const ModuleTree dot = two_linear_with_module_path(".unused").module_tree();
  // The root, then a, b, ".unused" (named "unused", under the root), ln, and "unused" itself, which its weights
  // still name: six nodes, the root once.
  ASSERT_EQ(dot.nodes.size(), 6u);
  EXPECT_EQ(dot.nodes[0].path, "");
  ASSERT_EQ(dot.by_path.count(".unused"), 1u);
  EXPECT_EQ(dot.nodes[static_cast<std::size_t>(dot.by_path.at(".unused"))].path, ".unused");
  for (const auto& [name, child] : dot.nodes[0].children) EXPECT_NE(child, 0) << name;

  // 1000 levels are read (the tree's recursion goes that deep, under the sanitizers too); 1001 are refused.
  const ModuleTree deep = two_linear_with_module_path(levels(1000)).module_tree();
  EXPECT_EQ(deep.nodes.size(), 5u + 1000u);  // the root, a, b, ln, unused (its weights), and m, m.m, ... 1000 deep
  EXPECT_EQ(deep.by_path.count(levels(1000)), 1u);
  try {
    (void)two_linear_with_module_path(levels(1001)).module_tree();
    ADD_FAILURE() << "1001 levels read";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("nested more than 1000 levels deep (\"m.m.m"), std::string::npos) << e.what();
  }
  // A path longer than 16384 bytes, in few levels: refused by its length (each level keeps its whole prefix).
  try {
    (void)two_linear_with_module_path("m." + std::string(16383, 'x')).module_tree();
    ADD_FAILURE() << "a path of 16385 bytes read";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("a path of 16385 bytes"), std::string::npos) << e.what();
  }
}

TEST(ExportedApi, MalformedGraphsAreInvalidInput) {
  const auto root = std::filesystem::path(test::tests_dir()) / "fuzz";
  int replayed = 0;
  for (const auto& dir : {root / "regressions", root / "corpus" / "export"}) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("export_", 0) != 0 && dir.filename() == "regressions") continue;
      if (entry.path().extension() != ".json") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      const bool seed = dir.filename() == "export";  // the fuzzer's seeds are programs torch wrote: each must read
      try {
        const auto program = exported::Program::parse(bytes.str(), name);
        (void)program.module_tree();
        // A size only the values decide (u0) has no example: bound as --dim would bind it.
        std::vector<std::pair<std::string, std::int64_t>> decided;
        for (const auto& s : program.symbols())
          if (s.data_dependent() && !s.example) decided.emplace_back(s.name, 2);
        (void)program.trace(program.bind(decided));
        // The example inputs' own shapes and dtypes size the program as its example values do (--inputs).
        std::vector<std::vector<std::int64_t>> shapes;
        std::vector<std::int8_t> dtypes;
        for (const auto& [shape, dtype] : program.user_inputs(program.bind(decided))) {
          shapes.push_back(shape);
          dtypes.push_back(dtype);
        }
        auto sized = program.dims_for(shapes, dtypes);
        sized.insert(sized.end(), decided.begin(), decided.end());
        if (seed) EXPECT_EQ(program.user_inputs(program.bind(sized)), program.user_inputs(program.bind(decided))) << name;
      } catch (const InvalidInput& e) {
        if (seed) ADD_FAILURE() << name << ": " << e.what();
      }
      ++replayed;
    }
  }
  EXPECT_GE(replayed, 11);  // the regressions and the seeds of tests/fuzz/make_export_seeds.py
}

}  // namespace
}  // namespace flopscope
