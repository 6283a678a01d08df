// Ignored ops (src/count/ignored.cpp): mmengine's _IGNORED_OPS and the TorchScript interpreter's scalar reads,
// registered as ignored in every op set, and silent (not unsupported, 0) when a trace runs them.
#include <gtest/gtest.h>

#include "count/attribute.h"
#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), named_ops(), mmengine_ops(), V

// ignored.cpp's list, written out: mmengine's _IGNORED_OPS, then item and _local_scalar_dense.
const std::vector<std::string>& ignored_ops() {
  static const std::vector<std::string> ops = {
      "Int",       "ScalarImplicit", "__and__",     "arange",      "bitwise_not", "cat",
      "chunk",     "clamp",          "clamp_",      "constant_pad_nd", "contiguous", "copy_",
      "detach",    "dropout",        "empty",       "eq",          "expand",      "flatten",
      "floor",     "floor_divide",   "full",        "full_like",   "gather",      "ge",
      "gt",        "index",          "index_put_",  "masked_fill", "max",         "narrow",
      "new_empty", "new_full",       "new_zeros",   "nonzero",     "ones",        "permute",
      "relu",      "relu_",          "remainder",   "reshape",     "roll",        "select",
      "size",      "slice",          "split",       "split_with_sizes", "squeeze", "stack",
      "t",         "to",             "transpose",   "type_as",     "unbind",      "unsqueeze",
      "unsqueeze_", "view",          "zeros",       "zeros_like",  "item",        "_local_scalar_dense",
  };
  return ops;
}

TEST(Ignored, RegisteredInEveryOpSet) {
  ASSERT_EQ(ignored_ops().size(), 58u + 2u);
  for (const char* set : {"mmengine", "default", "all"}) {
    const OpSet& s = named_ops(set);
    for (const auto& name : ignored_ops()) EXPECT_EQ(s.ignored.count("aten::" + name), 1u) << set << " " << name;
    // Nothing else is ignored: ignored.cpp is the only family that adds to the list.
    EXPECT_EQ(s.ignored.size(), ignored_ops().size()) << set;
  }
  EXPECT_EQ(named_ops("default").ignored, mmengine_ops().ignored);
  EXPECT_EQ(named_ops("all").ignored, mmengine_ops().ignored);
}

TEST(Ignored, OpsWithWorkAreNotIgnored) {
  for (const char* set : {"mmengine", "default", "all"})
    for (const char* name : {"aten::add_", "aten::linear", "aten::_convolution", "aten::relu6", "aten::softmax"})
      EXPECT_EQ(named_ops(set).ignored.count(name), 0u) << set << " " << name;
}

TEST(Ignored, NoFormulaInMmengineOrDefault) {
  // mmengine and default count no ignored op; all has a formula for the elementwise ones among them, which
  // wins over the ignore list (attribute.cpp looks for a formula first).
  for (const char* set : {"mmengine", "default"})
    for (const auto& name : ignored_ops()) EXPECT_EQ(named_ops(set).flops.count("aten::" + name), 0u) << set << " " << name;
  std::vector<std::string> counted_in_all;
  for (const auto& name : ignored_ops())
    if (named_ops("all").flops.count("aten::" + name) != 0) counted_in_all.push_back(name);
  EXPECT_EQ(counted_in_all,
            (std::vector<std::string>{"clamp", "clamp_", "floor", "floor_divide", "relu", "relu_", "remainder"}));
}

TEST(Ignored, SilentInATrace) {
  // Every ignored op at top level, relu_ on [3,5,7]: mmengine counts 0 and names none of them unsupported;
  // all counts relu_ as numel(output) = 3*5*7.
  Trace trace;
  for (const auto& name : ignored_ops())
    trace.ops.push_back(op("aten::" + name, {V::tensor({3, 5, 7})}, {V::tensor({3, 5, 7})}));
  const OpSet& mm = mmengine_ops();
  auto r = count::count_trace(trace, mm.flops, mm.ignored);
  EXPECT_EQ(r.total(), 0);
  EXPECT_TRUE(r.unsupported.empty());
  EXPECT_TRUE(r.formula_errors.empty());
  // The same trace under all: the elementwise ones among them are counted, each 3*5*7.
  const OpSet& all = named_ops("all");
  auto a = count::count_trace(trace, all.flops, all.ignored);
  EXPECT_EQ(a.total(), 7 * (3 * 5 * 7));
  EXPECT_EQ(a.by_operator().get("relu_"), 3 * 5 * 7);
  EXPECT_TRUE(a.unsupported.empty());
}

}  // namespace
}  // namespace flopscope
