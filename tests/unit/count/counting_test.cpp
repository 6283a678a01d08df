// Counting a hand-built trace: outermost op with a formula, nested ops never counted twice, ancestors
// credited, unsupported ops named once, ignored subtrees silent.
#include <gtest/gtest.h>

#include <climits>

#include "count/attribute.h"
#include "flopscope/errors.h"

namespace flopscope {
namespace {

struct TraceBuilder {
  Trace trace;
  int add(const std::string& name, const std::string& module, int parent = -1, std::vector<Value> in = {},
          std::vector<Value> out = {}) {
    OpRecord r;
    r.name = name;
    r.module = module;
    r.parent = parent;
    r.inputs = std::move(in);
    r.outputs = std::move(out);
    trace.ops.push_back(std::move(r));
    return static_cast<int>(trace.ops.size()) - 1;
  }
};

TEST(Counting, OutermostFormulaWins) {
  TraceBuilder b;
  // linear(x[3,7], W[5,7]) implemented as t + addmm: counted once, as "linear".
  int lin = b.add("aten::linear", "a.b", -1, {Value::tensor({3, 7}), Value::tensor({5, 7}), Value::tensor({5})},
                  {Value::tensor({3, 5})});
  b.add("aten::t", "a.b", lin);
  b.add("aten::addmm", "a.b", lin, {Value::tensor({5}), Value::tensor({3, 7}), Value::tensor({7, 5})},
        {Value::tensor({3, 5})});
  auto set = mmengine_op_set();
  auto r = count::count_trace(b.trace, set.flops, set);
  EXPECT_EQ(r.total(), 3 * 7 * 5);
  EXPECT_EQ(r.total("a"), 3 * 7 * 5);
  EXPECT_EQ(r.total("a.b"), 3 * 7 * 5);
  EXPECT_EQ(r.by_operator().get("linear"), 3 * 7 * 5);
  EXPECT_EQ(r.by_operator().get("addmm"), 0);
  EXPECT_TRUE(r.unsupported.empty());
}

// An op that threw (the model caught it and went on) produced nothing: neither it nor the ops inside it count,
// and it is not unsupported either. The linear after it counts 3 * 7 * 5.
TEST(Counting, AnAbortedOpCountsNothing) {
  TraceBuilder b;
  const std::vector<Value> in = {Value::tensor({3, 7}), Value::tensor({5, 7}), Value::tensor({5})};
  int thrown = b.add("aten::linear", "a", -1, in, {});
  b.trace.ops[static_cast<std::size_t>(thrown)].aborted = true;
  b.add("aten::addmm", "a", thrown, {Value::tensor({5}), Value::tensor({3, 7}), Value::tensor({7, 5})}, {});
  int odd = b.add("aten::frobnicate", "a");
  b.trace.ops[static_cast<std::size_t>(odd)].aborted = true;
  b.add("aten::linear", "a", -1, in, {Value::tensor({3, 5})});
  auto set = mmengine_op_set();
  auto r = count::count_trace(b.trace, set.flops, set);
  EXPECT_EQ(r.total(), 3 * 7 * 5);
  EXPECT_TRUE(r.unsupported.empty());
}

TEST(Counting, FormulaFoundBelowAWrapper) {
  TraceBuilder b;
  // A scripted conv2d has no formula in mmengine's set; the convolution nested in it does (the capture records
  // values up to the outermost op with a formula, none for the _convolution inside that).
  int conv2d = b.add("aten::conv2d", "conv");
  std::vector<Value> in = {Value::tensor({1, 3, 8, 9}), Value::tensor({4, 3, 3, 3}), Value::none(),
                           Value::int_list({1, 1}), Value::int_list({0, 0}), Value::int_list({1, 1}),
                           Value::boolean(false), Value::int_list({0, 0}), Value::integer(1)};
  int convolution = b.add("aten::convolution", "conv", conv2d, in, {Value::tensor({1, 4, 6, 7})});
  b.add("aten::_convolution", "conv", convolution);
  auto set = mmengine_op_set();
  auto r = count::count_trace(b.trace, set.flops, set);
  EXPECT_EQ(r.total("conv"), 1 * 108 * 42);
  EXPECT_TRUE(r.unsupported.empty());
}

// An op of the set's counted_inside (all: ctc_loss) is counted by the ops it calls, as if the model had called
// them; in a set without it, it is one unsupported op and what it calls is not looked at.
TEST(Counting, AnOpCountedByWhatItCalls) {
  TraceBuilder b;
  int ctc = b.add("aten::ctc_loss", "head");
  b.add("aten::to", "head", ctc);
  // T = 4, N = 2, lengths 4 and 3, targets 2 and 0: 11 (T - 1)(2L + 1) plus the end per sequence.
  int inner = b.add("aten::_ctc_loss", "head", ctc,
                    {Value::tensor({4, 2, 5}), Value::tensor({2, 2}), Value::int_list({4, 3}), Value::int_list({2, 0}),
                     Value::integer(0), Value::boolean(false)},
                    {Value::tensor({2}), Value::tensor({2, 4, 5})});
  b.add("aten::empty", "head", inner);
  b.add("aten::clamp_min", "head", ctc, {Value::tensor({2}), Value::integer(1)}, {Value::tensor({2})});
  b.add("aten::div", "head", ctc, {Value::tensor({2}), Value::tensor({2})}, {Value::tensor({2})});
  b.add("aten::mean", "head", ctc, {Value::tensor({2}), Value::none()}, {Value::tensor({})});
  const OpSet all = op_set_named("all");
  auto r = count::count_trace(b.trace, all.flops, all);
  const Count recursion = (11 * 3 * 5 + 8) + (11 * 2 * 1 + 1);
  EXPECT_EQ(r.total("head"), recursion + 2 + 2 + 2);  // then clamp_min, div and mean, one per element each
  EXPECT_EQ(r.by_operator("head").get("_ctc_loss"), recursion);
  EXPECT_TRUE(r.unsupported.empty());
  const OpSet standard = op_set_named("default");
  r = count::count_trace(b.trace, standard.flops, standard);
  EXPECT_EQ(r.total(), 0);
  ASSERT_EQ(r.unsupported.items().size(), 1u);
  EXPECT_EQ(r.unsupported.items()[0], (std::pair<std::string, Count>{"aten::ctc_loss", 1}));
}

TEST(Counting, UnsupportedNamedOnceIgnoredSilent) {
  TraceBuilder b;
  int pool = b.add("aten::max_pool2d", "pool");
  b.add("aten::max_pool2d_with_indices", "pool", pool);
  int relu = b.add("aten::relu_", "act");
  b.add("aten::clamp_min_", "act", relu);
  b.add("aten::add_", "");
  b.add("aten::add_", "");
  auto set = mmengine_op_set();
  auto r = count::count_trace(b.trace, set.flops, set);
  ASSERT_EQ(r.unsupported.items().size(), 2u);
  EXPECT_EQ(r.unsupported.items()[0], (std::pair<std::string, Count>{"aten::max_pool2d", 1}));
  EXPECT_EQ(r.unsupported.items()[1], (std::pair<std::string, Count>{"aten::add_", 2}));
  EXPECT_EQ(r.total(), 0);
}

TEST(Counting, BadShapesBecomeAWarningNotACrash) {
  TraceBuilder b;
  b.add("aten::linear", "fc", -1, {Value::tensor({3, 6}), Value::tensor({5, 7})});
  auto set = mmengine_op_set();
  auto r = count::count_trace(b.trace, set.flops, set);
  EXPECT_EQ(r.total(), 0);
  ASSERT_EQ(r.formula_errors.size(), 1u);
  EXPECT_NE(r.formula_errors[0].find("aten::linear"), std::string::npos);
}

TEST(Counting, OverflowIsAnErrorNeverAWrappedCount) {
  // 2^63 - 1 = 454279 * 31252369 * 649657 (7*7*73*127, 337*92737, 649657): mm's MACs at exactly int64's
  // largest value are counted; one more column overflows and the analysis fails naming the op and module.
  auto set = mmengine_op_set();
  TraceBuilder edge;
  edge.add("aten::mm", "fc", -1, {Value::tensor({454279, 31252369}), Value::tensor({31252369, 649657})},
           {Value::tensor({454279, 649657})});
  EXPECT_EQ(count::count_trace(edge.trace, set.flops, set).total(), INT64_MAX);
  TraceBuilder past;
  past.add("aten::mm", "fc", -1, {Value::tensor({454279, 31252369}), Value::tensor({31252369, 649658})},
           {Value::tensor({454279, 649658})});
  try {
    count::count_trace(past.trace, set.flops, set);
    FAIL() << "no error";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("aten::mm (module 'fc') does not fit in 64 bits"), std::string::npos) << e.what();
  }
  // Each op fits, their sum does not: 2^62 MACs twice in one module (linear x[2^31, 2^16] W[2^15, 2^16]).
  TraceBuilder sum;
  for (int i = 0; i < 2; ++i)
    sum.add("aten::linear", "a.b", -1, {Value::tensor({Count{1} << 31, Count{1} << 16}), Value::tensor({Count{1} << 31, Count{1} << 16})});
  EXPECT_THROW(count::count_trace(sum.trace, set.flops, set), InvalidInput);
}

TEST(Counting, EveryFamilyRefusesToWrap) {
  // One formula per family, each just past int64 (2^32 * 2^32 * 2 ...): CountOverflow, never a wrapped value.
  const OpSet all = op_set_named("all");
  const Count big = Count{1} << 32;
  auto throws = [&](const std::string& name, std::vector<Value> in, std::vector<Value> out) {
    OpRecord r;
    r.name = name;
    r.inputs = std::move(in);
    r.outputs = std::move(out);
    EXPECT_THROW(all.flops.at(name).formula(r), CountOverflow) << name;
  };
  throws("aten::linear", {Value::tensor({big, 2}), Value::tensor({big, 2})}, {});
  throws("aten::bmm", {Value::tensor({big, 1, 2}), Value::tensor({big, 2, big})}, {});
  throws("aten::_convolution", {Value::tensor({big, 1, 4, 4}), Value::tensor({big, 1, 1, 1}), Value::none(),
                                Value::int_list({1, 1}), Value::int_list({0, 0}), Value::int_list({1, 1}),
                                Value::boolean(false), Value::int_list({0, 0}), Value::integer(1), Value::boolean(false),
                                Value::boolean(false), Value::boolean(true)},
         {Value::tensor({big, big, 4, 4})});
  throws("aten::scaled_dot_product_attention", {Value::tensor({1, 1, big, 8}), Value::tensor({1, 1, big, 8}),
                                                Value::tensor({1, 1, big, 8}), Value::none(), Value::real(0),
                                                Value::boolean(false)},
         {});
  throws("aten::layer_norm", {Value::tensor({big, big}), Value::int_list({big}), Value::tensor({big}), Value::tensor({big})}, {});
  throws("aten::upsample_bilinear2d", {Value::tensor({1, 1, 2, 2})}, {Value::tensor({big, big, 2, 2})});
  throws("aten::softmax", {Value::tensor({big, big}), Value::integer(-1)}, {Value::tensor({big, big})});
  throws("aten::_grouped_mm", {Value::tensor({big, 8}), Value::tensor({4, 8, big})}, {});
  throws("aten::einsum", {Value::string("bij,bjk->bik"), Value::tensor_list({{big, 2, 2}, {big, 2, big}})}, {});
}

TEST(Counting, EveryFamilyIsExactAtTheEdge) {
  // The largest counts int64 holds, per family, from the primes of 2^63 - 1 = 454279 * 31252369 * 649657 and of
  // 2^62 - 1 = (2^31 - 1) * 3 * 715827883; one more row or column is past it (EveryFamilyRefusesToWrap).
  const OpSet all = op_set_named("all");
  const Count a = 454279, b = 31252369, c = 649657;
  auto macs = [&](const std::string& name, std::vector<Value> in, std::vector<Value> out) {
    OpRecord r;
    r.name = name;
    r.inputs = std::move(in);
    r.outputs = std::move(out);
    return all.flops.at(name).formula(r);
  };
  auto fits = [](__int128 v) { return v <= INT64_MAX; };
  ASSERT_TRUE(fits(__int128{a} * b * c) && !fits(__int128{a} * b * (c + 1)));
  EXPECT_EQ(macs("aten::linear", {Value::tensor({a, b}), Value::tensor({c, b})}, {}), INT64_MAX);  // rows*in*out
  EXPECT_EQ(macs("aten::bmm", {Value::tensor({1, a, b}), Value::tensor({1, b, c})}, {}), INT64_MAX);
  // Convolution: N * Cout * Hout * Wout * Cin/groups * kh * kw, a 1x1 kernel on a 1x1 image.
  EXPECT_EQ(macs("aten::_convolution",
                 {Value::tensor({a, b, 1, 1}), Value::tensor({c, b, 1, 1}), Value::none(), Value::int_list({1, 1}),
                  Value::int_list({0, 0}), Value::int_list({1, 1}), Value::boolean(false), Value::int_list({0, 0}),
                  Value::integer(1), Value::boolean(false), Value::boolean(false), Value::boolean(true)},
                 {Value::tensor({a, c, 1, 1})}),
            INT64_MAX);
  EXPECT_EQ(macs("aten::einsum", {Value::string("ab,bc->ac"), Value::tensor_list({{a, b}, {b, c}})}, {}),
            INT64_MAX);  // torch's one bmm, a*b*c
  EXPECT_EQ(macs("aten::_grouped_mm", {Value::tensor({a, b}), Value::tensor({4, b, c})}, {}), INT64_MAX);  // T*K*N
  // Attention under `all`: B * L * S * (E + Ev + 4), the softmax's 4 per score included; 6 * L * S is the
  // largest multiple of 6 below 2^63 (2^63 - 2, from 2^62 - 1 = L * 3 * S).
  const Count L = 2147483647, S = 715827883;
  ASSERT_TRUE(fits(__int128{6} * L * S) && !fits(__int128{6} * L * (S + 1)));
  EXPECT_EQ(macs("aten::scaled_dot_product_attention",
                 {Value::tensor({1, 1, L, 1}), Value::tensor({1, 1, S, 1}), Value::tensor({1, 1, S, 1}), Value::none(),
                  Value::real(0), Value::boolean(false)},
                 {}),
            6 * L * S);
  // layer_norm without affine weights: 4 per element; [1, 2^61 - 1] is 2^63 - 4, [1, 2^61] is 2^63.
  const Count n = (Count{1} << 61) - 1;
  EXPECT_EQ(macs("aten::layer_norm", {Value::tensor({1, n}), Value::int_list({n}), Value::none(), Value::none()}, {}), 4 * n);
  EXPECT_THROW(macs("aten::layer_norm", {Value::tensor({1, n + 1}), Value::int_list({n + 1}), Value::none(), Value::none()}, {}),
               CountOverflow);
}

TEST(Counting, AncestorsAndUncalled) {
  EXPECT_EQ(module_and_ancestors("a.b.c"), (std::vector<std::string>{"a.b.c", "a.b", "a", ""}));
  EXPECT_EQ(module_and_ancestors(""), (std::vector<std::string>{""}));
  EXPECT_EQ(module_depth(""), 0);
  EXPECT_EQ(module_depth("layer1"), 1);
  EXPECT_EQ(module_depth("layer1.0.conv1"), 3);
  ModuleTree tree;
  for (const char* p : {"", "a", "a.b", "c"}) tree.nodes.push_back({p, "M", "", true, {}});
  TraceBuilder b;
  b.add("aten::relu", "a.b");
  EXPECT_EQ(count::uncalled_modules(b.trace, tree), (std::vector<std::string>{"c"}));
}

}  // namespace
}  // namespace flopscope
