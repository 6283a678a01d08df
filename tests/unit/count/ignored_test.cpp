// Ignored ops (src/count/ignored.cpp): mmengine's _IGNORED_OPS and the TorchScript interpreter's scalar reads,
// registered as ignored in every op set, the ops with no arithmetic in default and all, and silent (not
// unsupported, 0) when a trace runs them.
#include <gtest/gtest.h>

#include <algorithm>

#include "count/attribute.h"
#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), named_ops(), mmengine_ops(), V

// The registered list, without the "aten::" prefix, sorted. Its contents are checked against mmengine's own
// _IGNORED_OPS by tests/reference/ignored_ops_test.py; these tests check how the op sets use it.
const std::vector<std::string>& ignored_ops() {
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> names;
    for (const auto& name : mmengine_ops().ignored) names.push_back(name.substr(std::string("aten::").size()));
    std::sort(names.begin(), names.end());
    return names;
  }();
  return ops;
}

TEST(Ignored, RegisteredInEveryOpSet) {
  // mmengine's 58 plus the TorchScript interpreter's scalar reads.
  for (const char* name : {"aten::item", "aten::_local_scalar_dense", "aten::view", "aten::cat"})
    EXPECT_EQ(mmengine_ops().ignored.count(name), 1u) << name;
  // default and all: mmengine's list and the ops with no arithmetic it leaves out, the same in both.
  for (const auto& name : mmengine_ops().ignored) EXPECT_EQ(named_ops("default").ignored.count(name), 1u) << name;
  EXPECT_EQ(named_ops("all").ignored, named_ops("default").ignored);
}

TEST(Ignored, OpsWithNoArithmeticAreSilentInDefaultAndAll) {
  // What an LLM's forward runs besides its arithmetic (alias, is_nonzero, the mask's ne and le, the router's topk
  // and sort, a padding): mmengine names them unsupported, as mmengine does; default and all ignore them.
  const std::vector<std::string> none = {"alias", "is_nonzero", "ne", "le", "topk", "sort", "histc", "pad", "where",
                                         "repeat_interleave", "lift_fresh", "masked_scatter", "randn_like", "mT"};
  Trace trace;
  for (const auto& name : none) trace.ops.push_back(op("aten::" + name, {V::tensor({3, 5})}, {V::tensor({3, 5})}));
  const auto mm = count::count_trace(trace, mmengine_ops().flops, mmengine_ops());
  EXPECT_EQ(mm.unsupported.items().size(), none.size());
  for (const char* set : {"default", "all"}) {
    auto r = count::count_trace(trace, named_ops(set).flops, named_ops(set));
    EXPECT_EQ(r.total(), 0) << set;
    EXPECT_TRUE(r.unsupported.empty()) << set;
  }
  // None of them has a formula in any set: an op with arithmetic would be hidden by the list.
  const auto& default_ignored = named_ops("default").ignored;
  for (const auto& name : default_ignored) {
    if (mmengine_ops().ignored.count(name) != 0) continue;
    for (const char* set : {"mmengine", "default", "all"})
      EXPECT_EQ(named_ops(set).flops.count(name), 0u) << set << " " << name;
  }
  // The arithmetic is not among them: default names it unsupported (all counts it).
  for (const char* name : {"aten::add", "aten::mul", "aten::diff", "aten::cumsum", "aten::log1p", "aten::index_add_",
                           "aten::var", "aten::polar", "aten::col2im"})
    EXPECT_EQ(default_ignored.count(name), 0u) << name;
}

TEST(Ignored, OpsWithWorkAreNotIgnored) {
  for (const char* set : {"mmengine", "default", "all"})
    for (const char* name : {"aten::add_", "aten::linear", "aten::_convolution", "aten::relu6", "aten::softmax"})
      EXPECT_EQ(named_ops(set).ignored.count(name), 0u) << set << " " << name;
}

TEST(Ignored, AllocationsAndInPlaceLogicInDefaultAndAll) {
  // A DeepSeek-V3 step's backward allocates with new_empty_strided; gpt-oss combines masks with logical_and_.
  for (const char* set : {"default", "all"})
    for (const char* name : {"aten::new_empty_strided", "aten::logical_and_", "aten::logical_or_",
                             "aten::logical_not_", "aten::bitwise_and_", "aten::bitwise_not_"})
      EXPECT_EQ(named_ops(set).ignored.count(name), 1u) << set << " " << name;
  EXPECT_EQ(mmengine_ops().ignored.count("aten::logical_and_"), 0u);  // mmengine's list, exactly
}

TEST(Ignored, NoFormulaInMmengineOrDefault) {
  // mmengine and default count no ignored op; all has a formula for the elementwise ones among them, which
  // wins over the ignore list (attribute.cpp looks for a formula first), and for index_put_ (a copy, or with
  // accumulate one add per value).
  for (const char* set : {"mmengine", "default"})
    for (const auto& name : ignored_ops()) EXPECT_EQ(named_ops(set).flops.count("aten::" + name), 0u) << set << " " << name;
  std::vector<std::string> counted_in_all;
  for (const auto& name : ignored_ops())
    if (named_ops("all").flops.count("aten::" + name) != 0) counted_in_all.push_back(name);
  EXPECT_EQ(counted_in_all,
            (std::vector<std::string>{"clamp", "clamp_", "floor", "floor_divide", "index_put_", "relu", "relu_",
                                      "remainder"}));
}

TEST(Ignored, SilentInATrace) {
  // Every ignored op at top level, relu_ on [3,5,7]: mmengine counts 0 and names none of them unsupported;
  // all counts relu_ as numel(output) = 3*5*7.
  Trace trace;
  for (const auto& name : ignored_ops())
    trace.ops.push_back(op("aten::" + name, {V::tensor({3, 5, 7})}, {V::tensor({3, 5, 7})}));
  const OpSet& mm = mmengine_ops();
  auto r = count::count_trace(trace, mm.flops, mm);
  EXPECT_EQ(r.total(), 0);
  EXPECT_TRUE(r.unsupported.empty());
  EXPECT_TRUE(r.formula_errors.empty());
  // The same trace under all: the elementwise ones among them are counted, each 3*5*7.
  const OpSet& all = named_ops("all");
  auto a = count::count_trace(trace, all.flops, all);
  EXPECT_EQ(a.total(), 7 * (3 * 5 * 7));
  EXPECT_EQ(a.by_operator().get("relu_"), 3 * 5 * 7);
  EXPECT_TRUE(a.unsupported.empty());
}

}  // namespace
}  // namespace flopscope
