// The evaluator of torch.export's size expressions (sympy srepr text), on expressions as torch 2.11 writes them
// and on what it must refuse. Expected values are the arithmetic written out.
#include <gtest/gtest.h>

#include <map>

#include "exported/size_expr.h"
#include "flopscope/errors.h"

namespace flopscope::exported {
namespace {

std::int64_t eval(const std::string& text, std::map<std::string, std::int64_t> values) {
  return SizeExpr::parse(text).evaluate([&](const std::string& s) {
    auto it = values.find(s);
    if (it == values.end()) throw InvalidInput("unbound " + s);
    return it->second;
  });
}

const std::string kS = "Symbol('s27', positive=True, integer=True)";

TEST(SizeExpr, ReadsWhatTorchExportWrites) {
  EXPECT_EQ(eval("Integer(16)", {}), 16);
  EXPECT_EQ(eval(kS, {{"s27", 10}}), 10);
  EXPECT_EQ(eval("Mul(Integer(16), " + kS + ")", {{"s27", 10}}), 160);
  EXPECT_EQ(eval("Add(" + kS + ", Integer(-1))", {{"s27", 10}}), 9);
  // A stride-2 convolution's output size: floor((s + 2*1 - 3) / 2) + 1 at s = 15: (15 - 1) // 2 + 1 = 8.
  EXPECT_EQ(eval("Add(FloorDiv(Add(" + kS + ", Integer(-1)), Integer(2)), Integer(1))", {{"s27", 15}}), 8);
  EXPECT_EQ(eval("Pow(" + kS + ", Integer(2))", {{"s27", 12}}), 144);
  EXPECT_EQ(eval("Mul(Rational(1, 2), " + kS + ")", {{"s27", 12}}), 6);
  EXPECT_EQ(eval("CeilToInt(IntTrueDiv(" + kS + ", Integer(4)))", {{"s27", 10}}), 3);  // ceil(10 / 4)
  EXPECT_EQ(eval("Max(Integer(1), " + kS + ")", {{"s27", 0}}), 1);
  EXPECT_EQ(eval("Min(Integer(1), " + kS + ", Integer(7))", {{"s27", 0}}), 0);
  EXPECT_EQ(eval("Mod(" + kS + ", Integer(7))", {{"s27", 23}}), 2);
  EXPECT_EQ(eval("PythonMod(Integer(-1), Integer(7))", {}), 6);  // Python's sign rule: the divisor's
  EXPECT_EQ(eval("FloorDiv(Integer(-7), Integer(2))", {}), -4);
  EXPECT_EQ(eval("Mul(Symbol('s0', positive=True, integer=True), Symbol('s1', positive=True, integer=True))",
                 {{"s0", 3}, {"s1", 5}}),
            15);
}

// A torch.cond's predicate on sizes, as torch.export writes it (x.shape[0] > 4): true is 1, false 0.
TEST(SizeExpr, ReadsTheRelationsOfAPredicate) {
  const std::string gt = "StrictGreaterThan(" + kS + ", Integer(4))";
  EXPECT_EQ(eval(gt, {{"s27", 5}}), 1);
  EXPECT_EQ(eval(gt, {{"s27", 4}}), 0);
  EXPECT_EQ(eval("GreaterThan(" + kS + ", Integer(4))", {{"s27", 4}}), 1);
  EXPECT_EQ(eval("StrictLessThan(" + kS + ", Integer(4))", {{"s27", 4}}), 0);
  EXPECT_EQ(eval("LessThan(" + kS + ", Integer(4))", {{"s27", 4}}), 1);
  EXPECT_EQ(eval("Equality(Mod(" + kS + ", Integer(2)), Integer(0))", {{"s27", 6}}), 1);
  EXPECT_EQ(eval("Unequality(" + kS + ", Integer(6))", {{"s27", 6}}), 0);
  EXPECT_EQ(eval("And(" + gt + ", Not(Equality(" + kS + ", Integer(7))))", {{"s27", 7}}), 0);  // 7 > 4 and not 7 == 7
  EXPECT_EQ(eval("Or(" + gt + ", false)", {{"s27", 3}}), 0);
  EXPECT_EQ(eval("true", {}), 1);
}

// A size computed through Python floats, as DINOv3's RoPE grid computes its patch coordinates' count:
// ceil((s // 8 - 0.5) / 1.0), written by torch 2.11 as below. At s = 224: 28 - 0.5 = 27.5, rounded up to 28.
TEST(SizeExpr, ReadsSizesComputedThroughFloats) {
  const std::string rope = "CeilToInt(FloatTrueDiv(Add(ToFloat(floor(Mul(Rational(1, 8), " + kS +
                           "))), Float('-0.5', precision=53)), Float('1.0', precision=53)))";
  EXPECT_EQ(eval(rope, {{"s27", 224}}), 28);
  EXPECT_EQ(eval(rope, {{"s27", 230}}), 28);  // 230 // 8 = 28
  // Evaluated in doubles, as the program evaluates it: 50 * 1.1 is 55.00000000000001 there, so its ceiling is 56
  // (exact arithmetic would say 55), its floor 55.
  const std::string scaled = "Mul(Float('1.1000000000000001', precision=53), ToFloat(" + kS + "))";
  EXPECT_EQ(eval("CeilToInt(" + scaled + ")", {{"s27", 50}}), 56);
  EXPECT_EQ(eval("FloorToInt(" + scaled + ")", {{"s27", 50}}), 55);
  // Python's round() takes halves to even; truncation goes toward zero.
  EXPECT_EQ(eval("RoundToInt(Float('2.5', precision=53))", {}), 2);
  EXPECT_EQ(eval("RoundToInt(Float('3.5', precision=53))", {}), 4);
  EXPECT_EQ(eval("TruncToInt(Float('-2.75', precision=53))", {}), -2);
  EXPECT_EQ(eval("FloorToInt(FloatPow(Float('2.0', precision=53), Float('10.0', precision=53)))", {}), 1024);
  // A float never stands for a size itself, and a float's text must be a finite number.
  EXPECT_THROW(eval("ToFloat(" + kS + ")", {{"s27", 3}}), InvalidInput);
  EXPECT_THROW(eval("FloorDiv(Float('2.5', precision=53), Integer(2))", {}), InvalidInput);
  EXPECT_THROW(eval("CeilToInt(Float('inf', precision=53))", {}), InvalidInput);
  EXPECT_THROW(eval("CeilToInt(Float('x', precision=53))", {}), InvalidInput);
  EXPECT_THROW(eval("CeilToInt(Float('1e300', precision=53))", {}), InvalidInput);  // beyond int64
  // Integer helpers torch's sympy functions add: ceil division, (base // divisor) % modulus, a conditional.
  EXPECT_EQ(eval("CeilDiv(" + kS + ", Integer(4))", {{"s27", 10}}), 3);
  EXPECT_EQ(eval("ModularIndexing(" + kS + ", Integer(3), Integer(4))", {{"s27", 23}}), 3);  // (23 // 3) % 4 = 7 % 4
  EXPECT_EQ(eval("Where(StrictGreaterThan(" + kS + ", Integer(4)), Integer(7), Integer(9))", {{"s27", 5}}), 7);
  EXPECT_EQ(eval("PowByNatural(" + kS + ", Integer(3))", {{"s27", 5}}), 125);
}

TEST(SizeExpr, NamesItsSymbols) {
  const SizeExpr e = SizeExpr::parse("Add(Mul(Integer(2), Symbol('s1')), Symbol('s0'), Symbol('s1'))");
  EXPECT_EQ(e.symbols(), (std::vector<std::string>{"s1", "s0"}));
  EXPECT_EQ(e.bare_symbol(), "");
  EXPECT_EQ(SizeExpr::parse(kS).bare_symbol(), "s27");
}

TEST(SizeExpr, RefusesWhatItCannotRead) {
  for (const char* bad : {"", "Frobnicate(Integer(2))", "Integer(2", "Integer(2))", "Symbol(s27)", "Mul()",
                          "Pow(Integer(2), Rational(1, 2))", "Integer(99999999999999999999)", "x + 1", "Rational(1, 0)"}) {
    EXPECT_THROW(eval(bad, {}), InvalidInput) << bad;
  }
  try {
    eval("Frobnicate(" + kS + ")", {{"s27", 1}});
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), ("cannot read the size expression 'Frobnicate(" + kS + ")': unknown function 'Frobnicate'").c_str());
  }
  EXPECT_THROW(eval("Mul(Integer(4294967296), Integer(4294967296))", {}), InvalidInput);  // beyond int64
  EXPECT_THROW(eval("Mul(Rational(1, 2), Integer(3))", {}), InvalidInput);               // not an integer
  EXPECT_THROW(eval(kS, {}), InvalidInput);                                               // unbound
  EXPECT_THROW(eval(std::string(300, '(') , {}), InvalidInput);
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += "Abs(";
  EXPECT_THROW(eval(deep + "Integer(1)" + std::string(1000, ')'), {}), InvalidInput);  // nested too deeply
}

}  // namespace
}  // namespace flopscope::exported
