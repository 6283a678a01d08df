#include "exported/size_expr.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <numeric>

#include "flopscope/errors.h"

namespace flopscope::exported {

// A number, a symbol, or a function of its arguments. Keyword arguments (a Symbol's positive=True) are
// assumptions sympy keeps with the symbol: they change no value, and are dropped when parsed.
struct SizeExpr::Node {
  enum class Kind { Number, Float, Symbol, Call } kind = Kind::Number;
  std::int64_t number = 0;  // Number
  double real = 0;          // Float: sympy's Float('-0.5', precision=53), a Python float
  std::string name;         // Symbol: its name; Call: the function
  std::vector<std::shared_ptr<const Node>> args;
};

namespace {

using Node = SizeExpr::Node;

struct Failure {
  std::string why;
};

// ---- Parsing srepr text ----------------------------------------------------------------------------------

class Parser {
 public:
  explicit Parser(const std::string& text) : m_text(text) {}

  std::shared_ptr<const Node> whole() {
    auto root = expression();
    skip_spaces();
    if (m_at != m_text.size()) fail("unexpected text after the expression");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw Failure{why + " at character " + std::to_string(m_at + 1)};
  }

  void skip_spaces() {
    while (m_at < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_at])) != 0) ++m_at;
  }

  bool next_is(char c) {
    skip_spaces();
    return m_at < m_text.size() && m_text[m_at] == c;
  }

  void expect(char c) {
    if (!next_is(c)) fail(std::string("expected '") + c + "'");
    ++m_at;
  }

  std::string identifier() {
    skip_spaces();
    const std::size_t start = m_at;
    while (m_at < m_text.size() &&
           (std::isalnum(static_cast<unsigned char>(m_text[m_at])) != 0 || m_text[m_at] == '_'))
      ++m_at;
    if (start == m_at) fail("expected a name or a number");
    return m_text.substr(start, m_at - start);
  }

  std::int64_t integer() {
    skip_spaces();
    bool negative = false;
    if (m_at < m_text.size() && m_text[m_at] == '-') {
      negative = true;
      ++m_at;
    }
    const std::size_t start = m_at;
    std::int64_t value = 0;
    while (m_at < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_at])) != 0) {
      if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, m_text[m_at] - '0', &value))
        fail("an integer beyond int64");
      ++m_at;
    }
    if (start == m_at) fail("expected an integer");
    return negative ? -value : value;
  }

  std::string quoted() {
    skip_spaces();
    const char quote = m_text[m_at++];
    const std::size_t start = m_at;
    while (m_at < m_text.size() && m_text[m_at] != quote) ++m_at;
    if (m_at == m_text.size()) fail("an unterminated string");
    return m_text.substr(start, m_at++ - start);
  }

  std::shared_ptr<const Node> expression() {
    if (++m_depth > 200) fail("nested too deeply");
    auto node = std::make_shared<Node>();
    skip_spaces();
    if (m_at < m_text.size() && (m_text[m_at] == '-' || std::isdigit(static_cast<unsigned char>(m_text[m_at])) != 0)) {
      node->number = integer();
      --m_depth;
      return node;
    }
    const std::string name = identifier();
    if ((name == "true" || name == "false") && !next_is('(')) {  // sympy's true and false (a relation's value)
      node->number = name == "true" ? 1 : 0;
      --m_depth;
      return node;
    }
    if (!next_is('(')) fail("'" + name + "' is not a number or a function call");
    ++m_at;
    if (name == "Symbol") {
      node->kind = Node::Kind::Symbol;
      if (!next_is('\'') && !next_is('"')) fail("a Symbol without a quoted name");
      node->name = quoted();
      arguments(nullptr);
    } else if (name == "Integer") {
      node->number = integer();
      expect(')');
    } else if (name == "Float") {
      // Float('-0.5', precision=53): the decimal text of a double (precision 53 bits), read back as that double.
      node->kind = Node::Kind::Float;
      if (!next_is('\'') && !next_is('"')) fail("a Float without its quoted digits");
      const std::string digits = quoted();
      char* end = nullptr;
      node->real = std::strtod(digits.c_str(), &end);
      if (digits.empty() || end != digits.c_str() + digits.size() || !std::isfinite(node->real))
        fail("a Float that is not a finite number: '" + digits + "'");
      arguments(nullptr);
    } else {
      node->kind = Node::Kind::Call;
      node->name = name;
      arguments(node.get());
    }
    --m_depth;
    return node;
  }

  // The rest of an argument list up to its ')': expressions go to `call` (null: none are expected), keyword
  // arguments are skipped.
  void arguments(Node* call) {
    bool first = call != nullptr;
    while (!next_is(')')) {
      if (!first) expect(',');
      first = false;
      if (next_is(')')) break;
      const std::size_t mark = m_at;
      skip_spaces();
      if (std::isalpha(static_cast<unsigned char>(m_text[m_at])) != 0) {
        identifier();
        if (next_is('=')) {  // an assumption: positive=True, integer=True
          ++m_at;
          identifier();
          continue;
        }
      }
      m_at = mark;
      if (call == nullptr) fail("an unexpected argument");
      call->args.push_back(expression());
    }
    ++m_at;
  }

  const std::string& m_text;
  std::size_t m_at = 0;
  int m_depth = 0;
};

// ---- Exact arithmetic --------------------------------------------------------------------------------------

struct Rational {
  std::int64_t num = 0;
  std::int64_t den = 1;
};

std::int64_t narrow(__int128 v) {
  if (v > INT64_MAX || v < INT64_MIN) throw Failure{"a value beyond int64"};
  return static_cast<std::int64_t>(v);
}

Rational make(__int128 num, __int128 den) {
  if (den == 0) throw Failure{"a division by zero"};
  if (den < 0) {
    num = -num;
    den = -den;
  }
  __int128 a = num < 0 ? -num : num, b = den;
  while (b != 0) {
    const __int128 t = a % b;
    a = b;
    b = t;
  }
  if (a > 1) {
    num /= a;
    den /= a;
  }
  return {narrow(num), narrow(den)};
}

Rational add(Rational a, Rational b) {
  return make(static_cast<__int128>(a.num) * b.den + static_cast<__int128>(b.num) * a.den,
              static_cast<__int128>(a.den) * b.den);
}
Rational mul(Rational a, Rational b) {
  return make(static_cast<__int128>(a.num) * b.num, static_cast<__int128>(a.den) * b.den);
}
Rational div(Rational a, Rational b) {
  if (b.num == 0) throw Failure{"a division by zero"};
  return make(static_cast<__int128>(a.num) * b.den, static_cast<__int128>(a.den) * b.num);
}
bool less(Rational a, Rational b) {
  return static_cast<__int128>(a.num) * b.den < static_cast<__int128>(b.num) * a.den;
}
std::int64_t floor_of(Rational a) {
  std::int64_t q = a.num / a.den;
  if (a.num % a.den != 0 && a.num < 0) --q;
  return q;
}
std::int64_t ceil_of(Rational a) { return -floor_of({-a.num, a.den}); }
std::int64_t trunc_of(Rational a) { return a.num / a.den; }
Rational whole(std::int64_t v) { return {v, 1}; }

using Lookup = std::function<std::int64_t(const std::string&)>;

// Sizes are integers, but a program may compute one through Python floats (DINOv3's RoPE grid: ceil(s // 8 - 0.5)
// as a float): sympy writes those as ToFloat(...), Float('...') and FloatTrueDiv(...), and torch rounds them back
// with CeilToInt, FloorToInt, TruncToInt or RoundToInt. Such a part is evaluated as the program evaluates it, in
// doubles (ceil(50 * 1.1) is 56 there, not 55); the rest stays exact.
// sympy's relations, given which of the two sides is less: a torch.cond's predicate on sizes
// ("StrictGreaterThan(Symbol('s77'), Integer(4))"), 1 for true and 0 for false.
bool is_relation(const std::string& f) {
  return f == "StrictGreaterThan" || f == "GreaterThan" || f == "StrictLessThan" || f == "LessThan" ||
         f == "Equality" || f == "Unequality";
}
Rational relation(const std::string& f, bool lt, bool gt) {
  const bool holds = f == "StrictGreaterThan" ? gt : f == "GreaterThan" ? !lt : f == "StrictLessThan" ? lt
                     : f == "LessThan" ? !gt : f == "Equality" ? !lt && !gt : lt || gt;
  return whole(holds ? 1 : 0);
}

struct Number {
  bool is_float = false;
  Rational exact;
  double real = 0;
  double as_double() const {
    return is_float ? real : static_cast<double>(exact.num) / static_cast<double>(exact.den);
  }
};

Number exact_of(Rational r) { return {false, r, 0}; }
Number float_of(double d) {
  if (!std::isfinite(d)) throw Failure{"a float size that is not finite"};
  return {true, {}, d};
}
// A Python float rounded to an int by `round` (std::floor, std::ceil, std::trunc, std::nearbyint).
Rational to_int(double d, double (*round)(double)) {
  const double r = round(d);
  if (!(r >= -9.2e18 && r <= 9.2e18)) throw Failure{"a float size beyond int64"};
  return whole(static_cast<std::int64_t>(r));
}

Rational exact_call(const std::string& f, const std::vector<Rational>& a);

Number number(const Node& n, const Lookup& value_of) {
  switch (n.kind) {
    case Node::Kind::Number: return exact_of(whole(n.number));
    case Node::Kind::Symbol: return exact_of(whole(value_of(n.name)));
    case Node::Kind::Float: return float_of(n.real);
    case Node::Kind::Call: break;
  }
  const std::string& f = n.name;
  std::vector<Number> a;
  a.reserve(n.args.size());
  bool any_float = false;
  for (const auto& arg : n.args) {
    a.push_back(number(*arg, value_of));
    any_float = any_float || a.back().is_float;
  }
  auto arity = [&](std::size_t want) {
    if (a.size() != want)
      throw Failure{f + " takes " + std::to_string(want) + " argument(s), not " + std::to_string(a.size())};
  };
  if (f == "ToFloat") {
    arity(1);
    return float_of(a[0].as_double());
  }
  if (f == "FloatTrueDiv") {
    arity(2);
    if (a[1].as_double() == 0) throw Failure{"a division by zero"};
    return float_of(a[0].as_double() / a[1].as_double());
  }
  if (f == "FloatPow") {
    arity(2);
    return float_of(std::pow(a[0].as_double(), a[1].as_double()));
  }
  if (any_float) {
    if (f == "Add" || f == "Mul") {
      if (a.empty()) throw Failure{f + " without arguments"};
      double r = a.front().as_double();
      for (std::size_t i = 1; i < a.size(); ++i) r = f == "Add" ? r + a[i].as_double() : r * a[i].as_double();
      return float_of(r);
    }
    if (f == "Max" || f == "Min") {
      if (a.empty()) throw Failure{f + " without arguments"};
      double r = a.front().as_double();
      for (std::size_t i = 1; i < a.size(); ++i)
        r = f == "Max" ? std::max(r, a[i].as_double()) : std::min(r, a[i].as_double());
      return float_of(r);
    }
    if (f == "floor" || f == "FloorToInt" || f == "ceiling" || f == "CeilToInt" || f == "TruncToInt" ||
        f == "TruncToFloat" || f == "RoundToInt") {
      arity(1);
      const bool up = f == "ceiling" || f == "CeilToInt", down = f == "floor" || f == "FloorToInt";
      // RoundToInt is Python's round(): halves to even, as nearbyint's default rounding mode does.
      const Rational r = to_int(a[0].as_double(), up ? static_cast<double (*)(double)>(std::ceil)
                                                  : down ? static_cast<double (*)(double)>(std::floor)
                                                  : f == "RoundToInt" ? static_cast<double (*)(double)>(std::nearbyint)
                                                                      : static_cast<double (*)(double)>(std::trunc));
      return f == "TruncToFloat" ? float_of(static_cast<double>(r.num)) : exact_of(r);
    }
    if (f == "Abs") {
      arity(1);
      return float_of(std::fabs(a[0].as_double()));
    }
    if (f == "Identity") {
      arity(1);
      return a[0];
    }
    if (f == "Where") {
      arity(3);
      return a[0].as_double() != 0 ? a[1] : a[2];
    }
    if (is_relation(f)) {
      arity(2);
      const double x = a[0].as_double(), y = a[1].as_double();
      return exact_of(relation(f, x < y, y < x));
    }
    throw Failure{f + " of a float"};
  }
  std::vector<Rational> exact;
  exact.reserve(a.size());
  for (const auto& v : a) exact.push_back(v.exact);
  return exact_of(exact_call(f, exact));
}

// A function of exact arguments.
Rational exact_call(const std::string& f, const std::vector<Rational>& a) {
  auto arity = [&](std::size_t want) {
    if (a.size() != want)
      throw Failure{f + " takes " + std::to_string(want) + " argument(s), not " + std::to_string(a.size())};
  };
  if (f == "Add" || f == "Mul") {
    if (a.empty()) throw Failure{f + " without arguments"};
    Rational r = a.front();
    for (std::size_t i = 1; i < a.size(); ++i) r = f == "Add" ? add(r, a[i]) : mul(r, a[i]);
    return r;
  }
  if (f == "Max" || f == "Min") {
    if (a.empty()) throw Failure{f + " without arguments"};
    Rational r = a.front();
    for (std::size_t i = 1; i < a.size(); ++i)
      if (f == "Max" ? less(r, a[i]) : less(a[i], r)) r = a[i];
    return r;
  }
  if (f == "Rational") {
    arity(2);
    return div(a[0], a[1]);
  }
  if (f == "Identity") {
    arity(1);
    return a[0];
  }
  if (f == "Where") {  // Where(condition, then, otherwise)
    arity(3);
    return a[0].num != 0 ? a[1] : a[2];
  }
  if (f == "CeilDiv") {
    arity(2);
    return whole(ceil_of(div(a[0], a[1])));
  }
  if (f == "ModularIndexing") {  // (base // divisor) % modulus
    arity(3);
    const Rational q = whole(floor_of(div(a[0], a[1])));
    return add(q, mul(whole(-1), mul(a[2], whole(floor_of(div(q, a[2]))))));
  }
  if (f == "Pow" || f == "PowByNatural") {
    arity(2);
    if (a[1].den != 1) throw Failure{"a power with a fractional exponent"};
    if (a[1].num > 64 || a[1].num < -64) throw Failure{"a power beyond int64"};
    Rational r = whole(1);
    for (std::int64_t i = 0; i < (a[1].num < 0 ? -a[1].num : a[1].num); ++i) r = mul(r, a[0]);
    return a[1].num < 0 ? div(whole(1), r) : r;
  }
  if (f == "FloorDiv" || f == "CleanDiv") {
    arity(2);
    return whole(floor_of(div(a[0], a[1])));
  }
  if (f == "IntTrueDiv") {
    arity(2);
    return div(a[0], a[1]);
  }
  if (f == "Mod" || f == "PythonMod") {  // Python's sign rule: the result has the divisor's sign
    arity(2);
    const Rational q = whole(floor_of(div(a[0], a[1])));
    return add(a[0], mul(whole(-1), mul(a[1], q)));
  }
  if (f == "floor" || f == "FloorToInt") {
    arity(1);
    return whole(floor_of(a[0]));
  }
  if (f == "ceiling" || f == "CeilToInt") {
    arity(1);
    return whole(ceil_of(a[0]));
  }
  if (f == "TruncToInt") {
    arity(1);
    return whole(trunc_of(a[0]));
  }
  if (f == "Abs") {
    arity(1);
    return a[0].num < 0 ? Rational{-a[0].num, a[0].den} : a[0];
  }
  // Relations and their logic (a torch.cond's predicate).
  if (is_relation(f)) {
    arity(2);
    return relation(f, less(a[0], a[1]), less(a[1], a[0]));
  }
  if (f == "And" || f == "Or") {
    bool r = f == "And";
    for (const auto& v : a) r = f == "And" ? r && v.num != 0 : r || v.num != 0;
    return whole(r ? 1 : 0);
  }
  if (f == "Not") {
    arity(1);
    return whole(a[0].num == 0 ? 1 : 0);
  }
  throw Failure{"unknown function '" + f + "'"};
}

void collect(const Node& n, std::vector<std::string>& out) {
  if (n.kind == Node::Kind::Symbol) {
    for (const auto& s : out)
      if (s == n.name) return;
    out.push_back(n.name);
  }
  for (const auto& a : n.args) collect(*a, out);
}

[[noreturn]] void unreadable(const std::string& text, const std::string& why) {
  throw InvalidInput("cannot read the size expression '" + (text.size() > 200 ? text.substr(0, 200) + "..." : text) +
                     "': " + why);
}

}  // namespace

SizeExpr SizeExpr::parse(const std::string& text) {
  SizeExpr e;
  e.m_text = text;
  try {
    e.m_root = Parser(text).whole();
  } catch (const Failure& f) {
    unreadable(text, f.why);
  }
  return e;
}

std::int64_t SizeExpr::evaluate(const std::function<std::int64_t(const std::string& symbol)>& value_of) const {
  Rational r;
  try {
    const Number v = number(*m_root, value_of);
    if (v.is_float) throw Failure{"a float, not an integer size (" + std::to_string(v.real) + ")"};
    r = v.exact;
  } catch (const Failure& f) {
    unreadable(m_text, f.why);
  }
  if (r.den != 1) unreadable(m_text, "its value " + std::to_string(r.num) + "/" + std::to_string(r.den) + " is not an integer");
  return r.num;
}

std::vector<std::string> SizeExpr::symbols() const {
  std::vector<std::string> out;
  collect(*m_root, out);
  return out;
}

std::string SizeExpr::bare_symbol() const { return m_root->kind == Node::Kind::Symbol ? m_root->name : ""; }

}  // namespace flopscope::exported
