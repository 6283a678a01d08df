// The table and arch pipelines on a hand-built analysis, expected text worked out by hand from mmengine's
// rules (mmengine-behaviour.md §9, §10): a root that fast-forwards through single children, an all-zero
// module dropped, an uncalled module kept in the arch with N/A.
#include <gtest/gtest.h>

#include <algorithm>

#include "count/attribute.h"
#include "flopscope/report.h"
#include "report/ascii_table.h"
#include "report/chrome_trace.h"

namespace flopscope {
namespace {

// Wrapper { resnet: Net { fc: Linear(4 -> 3, no bias), relu: ReLU }, pre: Pre (never called) }
Analysis wrapped_model() {
  Analysis a;
  auto& t = a.tree;
  t.nodes = {{"", "Wrapper", "", true, {{"resnet", 1}, {"pre", 4}}},
             {"resnet", "Net", "", true, {{"fc", 2}, {"relu", 3}}},
             {"resnet.fc", "Linear", "in_features=4, out_features=3, bias=False", true, {}},
             {"resnet.relu", "ReLU", "", true, {}},
             {"pre", "Pre", "", true, {}}};
  for (std::size_t i = 0; i < t.nodes.size(); ++i) t.by_path[t.nodes[i].path] = static_cast<int>(i);
  t.params = {{"resnet.fc.weight", {3, 4}, 12}};
  for (const auto& m : module_and_ancestors("resnet.fc")) {
    a.flops.by_module_and_op[m].add("linear", 12);
    a.activations.by_module_and_op[m].add("linear", 3);
  }
  a.uncalled = {"pre"};
  return a;
}

TEST(Table, FastForwardsSingleChildrenAndDropsZeros) {
  EXPECT_EQ(render_table(wrapped_model()),
            "+-----------+----------------------+--------+--------------+\n"
            "| module    | #parameters or shape | #flops | #activations |\n"
            "+-----------+----------------------+--------+--------------+\n"
            "| resnet.fc | 12                   | 12     | 3            |\n"
            "|  weight   |  (3, 4)              |        |              |\n"
            "+-----------+----------------------+--------+--------------+\n");
}

TEST(Table, WithoutParameterShapes) {
  std::string t = render_table(wrapped_model(), 3, /*show_param_shapes=*/false);
  EXPECT_NE(t.find("| module    | #parameters | #flops | #activations |"), std::string::npos) << t;
  EXPECT_EQ(t.find("weight"), std::string::npos);
}

TEST(Arch, UncalledModulesShowNA) {
  EXPECT_EQ(render_arch(wrapped_model()),
            "N/A indicates a possibly missing statistic due to how the module was called. Missing values are "
            "still included in the parent's total.\n"
            "Wrapper(\n"
            "  #params: 12, #flops: 12, #acts: 3\n"
            "  (resnet): Net(\n"
            "    #params: 12, #flops: 12, #acts: 3\n"
            "    (fc): Linear(\n"
            "      in_features=4, out_features=3, bias=False\n"
            "      #params: 12, #flops: 12, #acts: 3\n"
            "    )\n"
            "    (relu): ReLU()\n"
            "  )\n"
            "  (pre): Pre(#params: 0, #flops: N/A, #acts: N/A)\n"
            ")");
}

TEST(Warnings, MmengineWording) {
  Analysis a = wrapped_model();
  a.flops.unsupported.add("aten::max_pool2d", 1);
  auto w = analysis_warnings(a);
  // The activation counter repeats the uncalled-module warning; mmengine's logger prints a repeat once.
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0], "Unsupported operator aten::max_pool2d encountered 1 time(s)");
  EXPECT_EQ(w[1].rfind("The following submodules of the model were never called during the trace", 0), 0u);
  EXPECT_EQ(w[1].substr(w[1].size() - 4), "\npre");
}

// The timing and counter passes add their columns to the CSV; a CPU report keeps the eight it always had.
TEST(Csv, GpuAndCounterColumnsOnlyWhenThePassesRan) {
  Analysis a = wrapped_model();
  const std::string cpu = render_csv(a);
  EXPECT_EQ(cpu.substr(0, cpu.find('\n')), "module,type,depth,parameters,macs,flops,activations,called");

  a.gpu.ran = true;
  gpu::GpuCost fc;
  fc.kernels = 2;
  fc.kernel_ns = {4000, 3000, 9000};        // median 4 µs = 0.004 ms
  fc.flops = 24;
  fc.flops_per_s = 24 / 4e-6;               // 6e6 FLOP/s = 6e-06 TFLOP/s
  fc.peak_share = 0.25;
  a.gpu.by_module["resnet.fc"] = fc;
  a.counters.ran = true;
  gpu::MeasuredCost m;
  m.flops = 30;                             // 30 measured against 24 analytic
  m.ratio = 1.25;
  m.dram_read_bytes = 48;
  m.dram_write_bytes = 12;
  m.intensity = 0.5;                        // 30 / 60
  m.bound = "memory";
  a.counters.by_module["resnet.fc"] = m;
  const std::string csv = render_csv(a);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "module,type,depth,parameters,macs,flops,activations,called,gpu_kernels_per_forward,gpu_ms_median,"
            "gpu_ms_min,gpu_ms_max,tflops_per_s,peak_share,measured_flops,flops_ratio,dram_bytes,intensity,bound,"
            "bound_share");
  EXPECT_NE(csv.find("\nresnet.fc,Linear,2,12,12,24,3,true,2,0.004,0.003,0.009,6e-06,0.25,30,1.25,60,0.5,memory,\n"),
            std::string::npos)
      << csv;
  // A module no kernel ran in: zeros for what was measured, empty where a ratio has no meaning.
  EXPECT_NE(csv.find("\npre,Pre,1,0,0,0,0,false,0,0,0,0,0,,0,,0,,,\n"), std::string::npos) << csv;
}

TEST(Ascii2, LayoutAndUnicodeWidth) {
  EXPECT_EQ(report::render_ascii2({"a", "bb"}, {{"ccc", "d"}, {"\xc3\xa9", ""}}),
            "+-----+----+\n"
            "| a   | bb |\n"
            "+-----+----+\n"
            "| ccc | d  |\n"
            "| \xc3\xa9   |    |\n"
            "+-----+----+\n");
}

// A table wider than its console, as mmengine's rich console draws it. The expected texts are rich's own
// (rich.table.Table(box=box.ASCII2) printed by Console(width=N), as mmengine prints its table), for one table:
const std::vector<std::string> kHeader = {"module", "#parameters or shape", "#flops", "#activations"};
const std::vector<std::vector<std::string>> kRows = {{"model", "2.368K", "23.36K", "1.28K"},
                                                     {"    encoder.self_attn.in_proj_weight", "    (48, 16)", "", ""}};

TEST(Ascii2, NarrowedToAnEightyColumnConsole) {
  // Natural widths with padding: 38, 22, 8, 14 = 82, plus 5 borders = 87 > 80. The columns get 80 - 5 = 75: the 7
  // in excess come off the widest, 38 -> 31, whose long name is cut to 31 - 2 - 1 = 28 columns and "…".
  EXPECT_EQ(report::render_ascii2(kHeader, kRows, {80}),
            "+-------------------------------+----------------------+--------+--------------+\n"
            "| module                        | #parameters or shape | #flops | #activations |\n"
            "+-------------------------------+----------------------+--------+--------------+\n"
            "| model                         | 2.368K               | 23.36K | 1.28K        |\n"
            "|     encoder.self_attn.in_pro\u2026 |     (48, 16)         |        |              |\n"
            "+-------------------------------+----------------------+--------+--------------+\n");
  // Wide enough: as wide as the cells.
  EXPECT_EQ(report::render_ascii2(kHeader, kRows, {87}), report::render_ascii2(kHeader, kRows));
}

TEST(Ascii2, WrappedInANarrowConsole) {
  // 40 columns, 35 for the cells: 38 gives way to 22, the two 22s to 14, the three 14s share the last 15 (5 each):
  // 9, 9, 8, 9. Cells wrap at their spaces; the header is aligned to the bottom, the rows to the top.
  EXPECT_EQ(report::render_ascii2(kHeader, kRows, {40}),
            "+---------+---------+--------+---------+\n"
            "|         | #param\u2026 |        |         |\n"
            "|         | or      |        |         |\n"
            "| module  | shape   | #flops | #activ\u2026 |\n"
            "+---------+---------+--------+---------+\n"
            "| model   | 2.368K  | 23.36K | 1.28K   |\n"
            "|     en\u2026 |     (4\u2026 |        |         |\n"
            "|         | 16)     |        |         |\n"
            "+---------+---------+--------+---------+\n");
  // 20: 8, 14, 8, 14 after the widest give way, then 8 each, then 15 shared out evenly as Python rounds (4.25,
  // 4.33, 4.5 to even, 5): 4, 4, 4, 3.
  EXPECT_EQ(report::render_ascii2(kHeader, kRows, {20}),
            "+----+----+----+---+\n"
            "|    | #\u2026 |    |   |\n"
            "|    | or |    |   |\n"
            "| m\u2026 | s\u2026 | #\u2026 | \u2026 |\n"
            "+----+----+----+---+\n"
            "| m\u2026 | 2\u2026 | 2\u2026 | \u2026 |\n"
            "|  \u2026 |  \u2026 |    |   |\n"
            "|    | 1\u2026 |    |   |\n"
            "+----+----+----+---+\n");
}

// At any width, down to none left for the cells, the table stays a rectangle: every line as wide as its rules.
TEST(Ascii2, FittedTableIsRectangularAtAnyWidth) {
  auto columns = [](const std::string& line) {  // code points
    return static_cast<std::size_t>(std::count_if(line.begin(), line.end(), [](char c) { return (c & 0xC0) != 0x80; }));
  };
  for (std::size_t width = 1; width <= 90; ++width) {
    const std::string table = report::render_ascii2(kHeader, kRows, {width});
    std::size_t begin = 0, rule = 0;
    while (begin < table.size()) {
      const std::size_t end = table.find('\n', begin);
      ASSERT_NE(end, std::string::npos) << width;
      const std::size_t n = columns(table.substr(begin, end - begin));
      if (rule == 0) rule = n;
      EXPECT_EQ(n, rule) << "console " << width << ":\n" << table;
      begin = end + 1;
    }
    EXPECT_LE(rule, std::max<std::size_t>(width, kHeader.size() + 1)) << width;  // only the borders may overflow
  }
}

// Where rich renders styles (a terminal, a notebook) mmengine's header row is bold: each of a cell's segments (its
// padding, its text, its padding; a blank line whole) in its own codes. Expected: rich's own output for this table,
// Console(force_terminal=True), as wide as it needs and 30 columns wide.
TEST(Ascii2, HeaderBoldWhereTheConsoleRendersStyles) {
  const std::vector<std::string> header = {"module", "#parameters or shape", "#flops"};
  const std::vector<std::vector<std::string>> rows = {{"model", "2.368K", "23.36K"}, {" fc.weight", " (16, 8)", ""}};
  EXPECT_EQ(report::render_ascii2(header, rows, {0, true}),
            "+------------+----------------------+--------+\n"
            "|\x1b[1m \x1b[0m\x1b[1mmodule    \x1b[0m\x1b[1m \x1b[0m|\x1b[1m \x1b[0m\x1b[1m#parameters or shape\x1b[0m\x1b[1m \x1b[0m|\x1b[1m \x1b[0m\x1b[1m#flops\x1b[0m\x1b[1m \x1b[0m|\n"
            "+------------+----------------------+--------+\n"
            "| model      | 2.368K               | 23.36K |\n"
            "|  fc.weight |  (16, 8)             |        |\n"
            "+------------+----------------------+--------+\n");
  EXPECT_EQ(report::render_ascii2(header, rows, {30, true}),
            "+---------+---------+--------+\n"
            "|\x1b[1m         \x1b[0m|\x1b[1m \x1b[0m\x1b[1m#param\u2026\x1b[0m\x1b[1m \x1b[0m|\x1b[1m        \x1b[0m|\n"
            "|\x1b[1m         \x1b[0m|\x1b[1m \x1b[0m\x1b[1mor     \x1b[0m\x1b[1m \x1b[0m|\x1b[1m        \x1b[0m|\n"
            "|\x1b[1m \x1b[0m\x1b[1mmodule \x1b[0m\x1b[1m \x1b[0m|\x1b[1m \x1b[0m\x1b[1mshape  \x1b[0m\x1b[1m \x1b[0m|\x1b[1m \x1b[0m\x1b[1m#flops\x1b[0m\x1b[1m \x1b[0m|\n"
            "+---------+---------+--------+\n"
            "| model   | 2.368K  | 23.36K |\n"
            "|  fc.we\u2026 |  (16,   |        |\n"
            "|         | 8)      |        |\n"
            "+---------+---------+--------+\n");
}

}  // namespace
}  // namespace flopscope

namespace flopscope {
namespace {

// The Chrome trace is a report like the others: rendered from the analysis value, nothing when the GPU pass kept
// no timeline.
TEST(ChromeTrace, RenderedFromTheAnalysisTimeline) {
  Analysis a;
  EXPECT_EQ(render_chrome_trace(a), "");
  auto t = std::make_shared<gpu::KernelTimeline>();
  t->trace.ops.resize(1);
  t->trace.ops[0].name = "aten::linear";
  t->recording.forwards.push_back({1000, 5000, 0.004});
  t->recording.op_spans.push_back({0, 0, 1500, 4000});
  t->join.owners = {0};
  a.timeline = t;
  const std::string text = render_chrome_trace(a);
  EXPECT_EQ(text, report::render_chrome_trace(t->trace, t->recording, t->join));
  EXPECT_NE(text.find("\"aten::linear\""), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace flopscope
