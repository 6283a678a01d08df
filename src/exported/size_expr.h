#pragma once
// The sizes of an exported program's tensors are integers or sympy expressions over its symbols, serialized as
// sympy's srepr ("Mul(Integer(16), Symbol('s27', positive=True, integer=True))"). This is the small evaluator
// that reads them: parsed once, evaluated for each binding of the symbols (one per value of a sweep). Exact
// rational arithmetic, checked for overflow (Python floats where the program used them); anything it cannot read
// is an InvalidInput naming the expression.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace flopscope::exported {

/// A parsed size expression.
class SizeExpr {
 public:
  /// Parses sympy srepr text. Throws InvalidInput ("cannot read the size expression '...': ...") for what it does
  /// not know: the functions sizes use are Integer, Rational, Symbol, Add, Mul, Pow, PowByNatural, FloorDiv,
  /// CleanDiv, CeilDiv, Mod, PythonMod, ModularIndexing, Max, Min, floor, ceiling, FloorToInt, CeilToInt,
  /// TruncToInt, RoundToInt, IntTrueDiv, Abs, Identity, Where; a size computed through Python floats (Float,
  /// ToFloat, FloatTrueDiv, FloatPow, TruncToFloat), in doubles as the program computes it; and for a
  /// torch.cond's predicate on sizes, the relations (StrictGreaterThan, GreaterThan, StrictLessThan, LessThan,
  /// Equality, Unequality), And, Or, Not, true and false, whose values are 1 and 0.
  static SizeExpr parse(const std::string& text);

  /// The value with each symbol given by `value_of` (which throws for a symbol it does not know). Throws
  /// InvalidInput when the result is not an integer, divides by zero or overflows int64.
  std::int64_t evaluate(const std::function<std::int64_t(const std::string& symbol)>& value_of) const;

  /// The symbols it names, each once, in order of first appearance.
  std::vector<std::string> symbols() const;

  /// The symbol's name when the expression is that symbol alone ("s27"), else "".
  std::string bare_symbol() const;

  struct Node;

 private:
  std::shared_ptr<const Node> m_root;
  std::string m_text;
};

}  // namespace flopscope::exported
