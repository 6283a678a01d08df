// einsum. Two ways to count it, one per op set family:
//
// mmengine's (the mmengine op set, exactly): the equation loses its spaces and its letters are renamed
// a, b, c, ... in order of first appearance; then
//   "abc,abd->acd"  a*b*c*d          (batched A^T B)
//   "abc,adc->adb"  a*b*c*d          (batched A B^T; mmengine: n*t*g*c)
//   anything else   floor(F / 2), where F is numpy's "Optimized FLOP count" of einsum_path(optimize=
//                   'optimal') printed with 4 significant digits. numpy counts a multiply and an add per
//                   term, hence the halving, and mmengine returns a Python float for these.
// numpy's count, reproduced here: the contraction order of least cost among every pairwise order whose
// intermediates are no larger than the largest operand or output; each step costs the product of the sizes
// of its indices times (max(1, terms - 1) + 1 if it sums an index away); the total is the sum plus 1.
// That count is neither the order torch runs nor exact (the printed rounding: "ibh,hnd->ibnd" at 16x1x64 and
// 64x4x16 is 65,550 for the 65,536 products torch runs).
//
// torch's (default and all: what runs): the batched products ATen's einsum makes, followed on the shapes alone
// (it also holds for a .pt2's graph, which runs nothing). Every operand is aligned on all the labels, size 1
// where it lacks one. Pairs are contracted in the order of the call's path argument (opt_einsum's, when torch
// has it), else left to right with the result first. In each pair, a label only one side holds and nothing
// later needs is summed first (no MACs); the labels both hold and nothing later needs are contracted by one bmm,
// whose MACs are the product of the sizes of every label either side holds. A pair that contracts no label is a
// broadcast multiply (aten::mul, which default does not count; all counts one per element, as it counts mul),
// and one operand is only summed: 0 MACs.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <string>

#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

using Set = std::uint64_t;  // one bit per index letter (after renaming at most 52 distinct)

struct Parsed {
  std::vector<std::string> inputs;
  std::string output;
};

int bit_of(char c) { return c >= 'a' && c <= 'z' ? c - 'a' : c >= 'A' && c <= 'Z' ? 26 + (c - 'A') : -1; }

Set set_of(const std::string& term) {
  Set s = 0;
  for (char c : term)
    if (bit_of(c) >= 0) s |= Set{1} << bit_of(c);
  return s;
}

// mmengine's normalisation: no spaces, letters renamed in order of first appearance.
std::string normalise(const std::string& equation) {
  std::string eq;
  for (char c : equation)
    if (c != ' ') eq += c;
  std::map<char, char> rename;
  for (char c : eq)
    if (std::isalpha(static_cast<unsigned char>(c)) && rename.count(c) == 0)
      rename[c] = static_cast<char>('a' + rename.size());
  for (char& c : eq)
    if (rename.count(c)) c = rename[c];
  return eq;
}

// numpy's parsing: ellipses become unused letters (from the end of the unused ones), an implicit output is
// the letters seen once, sorted.
Parsed parse(const std::string& eq, const std::vector<std::vector<std::int64_t>>& shapes, const OpRecord& r) {
  static const std::string kSymbols = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  auto arrow = eq.find("->");
  std::string lhs = eq.substr(0, arrow);
  Parsed p;
  std::size_t start = 0;
  for (;;) {
    auto comma = lhs.find(',', start);
    p.inputs.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  require(p.inputs.size() == shapes.size(), r, "equation and operands differ in number");
  std::string unused;
  for (char c : kSymbols)
    if (eq.find(c) == std::string::npos) unused += c;
  std::size_t longest = 0;
  for (std::size_t i = 0; i < p.inputs.size(); ++i) {
    auto dots = p.inputs[i].find("...");
    if (dots == std::string::npos) continue;
    std::size_t named = p.inputs[i].size() - 3;
    std::size_t count = shapes[i].size() > named ? shapes[i].size() - named : 0;
    longest = std::max(longest, count);
    p.inputs[i].replace(dots, 3, count ? unused.substr(unused.size() - count) : "");
  }
  std::string out_ellipsis = longest ? unused.substr(unused.size() - longest) : "";
  if (arrow != std::string::npos) {
    p.output = eq.substr(arrow + 2);
    auto dots = p.output.find("...");
    if (dots != std::string::npos) p.output.replace(dots, 3, out_ellipsis);
  } else {
    std::string all;
    for (const auto& in : p.inputs) all += in;
    std::string once;
    for (char c : all)
      if (std::count(all.begin(), all.end(), c) == 1 && out_ellipsis.find(c) == std::string::npos) once += c;
    std::sort(once.begin(), once.end());
    p.output = out_ellipsis + once;
  }
  return p;
}

struct Sizes {
  std::int64_t of[64] = {};
  double size(Set s) const {  // numpy multiplies Python ints; doubles hold every realistic size exactly
    double n = 1;
    for (int b = 0; b < 64; ++b)
      if (s >> b & 1) n *= static_cast<double>(of[b]);
    return n;
  }
};

struct Contraction {
  Set result, removed, contracted;
  std::vector<Set> remaining;
};

Contraction find_contraction(const std::vector<std::size_t>& positions, const std::vector<Set>& inputs, Set output) {
  Contraction c{0, 0, 0, {}};
  Set remain = output;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (std::find(positions.begin(), positions.end(), i) != positions.end()) {
      c.contracted |= inputs[i];
    } else {
      c.remaining.push_back(inputs[i]);
      remain |= inputs[i];
    }
  }
  c.result = remain & c.contracted;
  c.removed = c.contracted & ~c.result;
  c.remaining.push_back(c.result);
  return c;
}

double step_cost(const Contraction& c, std::size_t terms, const Sizes& sizes) {
  double factor = static_cast<double>(std::max<std::size_t>(1, terms - 1)) + (c.removed ? 1 : 0);
  return sizes.size(c.contracted) * factor;
}

// numpy's _optimal_path: breadth-first over every sequence of pairwise contractions.
std::vector<std::vector<std::size_t>> optimal_path(const std::vector<Set>& inputs, Set output, const Sizes& sizes,
                                                   double memory_limit) {
  struct Partial {
    double cost;
    std::vector<std::vector<std::size_t>> path;
    std::vector<Set> remaining;
  };
  std::vector<Partial> full{{0, {}, inputs}};
  for (std::size_t iteration = 0; iteration + 1 < inputs.size(); ++iteration) {
    std::vector<Partial> next;
    const std::size_t n = inputs.size() - iteration;
    for (const auto& cur : full)
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) {
          Contraction c = find_contraction({i, j}, cur.remaining, output);
          if (sizes.size(c.result) > memory_limit) continue;
          Partial p{cur.cost + step_cost(c, 2, sizes), cur.path, c.remaining};
          p.path.push_back({i, j});
          next.push_back(std::move(p));
        }
    if (next.empty()) {
      auto best = std::min_element(full.begin(), full.end(), [](auto& a, auto& b) { return a.cost < b.cost; });
      auto path = best->path;
      std::vector<std::size_t> rest(n);
      for (std::size_t k = 0; k < n; ++k) rest[k] = k;
      path.push_back(rest);
      return path;
    }
    full = std::move(next);
  }
  auto best = std::min_element(full.begin(), full.end(), [](auto& a, auto& b) { return a.cost < b.cost; });
  return best->path;
}

double numpy_optimized_flops(const Parsed& p, const std::vector<std::vector<std::int64_t>>& shapes, const OpRecord& r) {
  Sizes sizes;
  for (std::size_t t = 0; t < p.inputs.size(); ++t) {
    require(p.inputs[t].size() == shapes[t].size(), r, "subscripts and operand rank differ");
    for (std::size_t k = 0; k < p.inputs[t].size(); ++k) {
      int b = bit_of(p.inputs[t][k]);
      require(b >= 0, r, "unsupported subscript");
      if (sizes.of[b] == 0 || sizes.of[b] == 1) sizes.of[b] = shapes[t][k];
    }
  }
  std::vector<Set> inputs;
  Set indices = 0;
  for (const auto& in : p.inputs) {
    inputs.push_back(set_of(in));
    indices |= inputs.back();
  }
  const Set output = set_of(p.output);
  double memory_limit = sizes.size(output);
  for (Set s : inputs) memory_limit = std::max(memory_limit, sizes.size(s));
  std::vector<std::vector<std::size_t>> path;
  if (inputs.size() <= 2 || indices == output) {
    std::vector<std::size_t> all(inputs.size());
    for (std::size_t k = 0; k < all.size(); ++k) all[k] = k;
    path.push_back(all);
  } else {
    path = optimal_path(inputs, output, sizes, memory_limit);
  }
  double total = 0;
  std::vector<Set> current = inputs;
  for (auto step : path) {
    Contraction c = find_contraction(step, current, output);
    total += step_cost(c, step.size(), sizes);
    current = c.remaining;
  }
  return total + 1;
}

bool special_case(const std::string& eq) { return eq == "abc,abd->acd" || eq == "abc,adc->adb"; }

Count einsum_macs(const OpRecord& r) {
  const Value& equation = input(r, 0);
  const Value& operands = input(r, 1);
  require(equation.kind == Value::Kind::String && operands.kind == Value::Kind::TensorList, r,
          "expects an equation and a tensor list");
  const std::string eq = normalise(equation.text);
  const auto& s = operands.shapes;
  if (special_case(eq)) {
    require(s.size() == 2 && s[0].size() == 3 && s[1].size() == 3, r, "expects two 3-D operands");
    return mul(s[0][0], s[0][1], s[0][2], eq == "abc,abd->acd" ? s[1][2] : s[1][1]);
  }
  double flops = numpy_optimized_flops(parse(eq, s, r), s, r);
  char printed[32];
  std::snprintf(printed, sizeof printed, "%.3e", flops);  // what mmengine parses back
  const double macs = std::floor(std::strtod(printed, nullptr) / 2);
  if (!(macs < 9.2233720368547758e18)) throw CountOverflow("einsum's " + std::string(printed) + " FLOPs overflow int64");
  return static_cast<Count>(macs);
}

// ATen's einsum on shapes: the operands aligned on every label (out labels first, then the ellipsis unless the
// output has it, then the contracted labels), their sizes 1 where a label is missing or broadcast. Labels are
// numbered as mmengine's path numbers them (bit_of): ATen orders upper case first, and no order changes a count.
struct Aligned {
  std::vector<std::vector<std::int64_t>> operands;
  std::vector<std::int64_t> holders;  // per aligned dimension: how many operands hold it (size != 1)
  std::size_t out_dims = 0;
};

Aligned align(const std::string& equation, const std::vector<std::vector<std::int64_t>>& shapes, const OpRecord& r) {
  constexpr int kEllipsis = 52;
  const auto arrow = equation.find("->");
  const std::string lhs = equation.substr(0, arrow);
  std::vector<std::vector<int>> labels(1);
  for (std::size_t i = 0; i < lhs.size(); ++i) {
    const char c = lhs[i];
    if (c == ' ') continue;
    if (c == ',') {
      labels.emplace_back();
    } else if (c == '.') {
      require(lhs.compare(i, 3, "...") == 0, r, "a '.' that is not part of an ellipsis");
      require(std::count(labels.back().begin(), labels.back().end(), kEllipsis) == 0, r,
              "an operand with two ellipses");
      labels.back().push_back(kEllipsis);
      i += 2;
    } else {
      require(bit_of(c) >= 0, r, "subscripts must be in [a-zA-Z]");
      labels.back().push_back(bit_of(c));
    }
  }
  require(labels.size() == shapes.size(), r, "equation and operands differ in number");
  std::vector<int> count(kEllipsis, 0);
  std::int64_t ellipsis_dims = 0;
  for (std::size_t t = 0; t < labels.size(); ++t) {
    const auto named = static_cast<std::int64_t>(std::count_if(labels[t].begin(), labels[t].end(),
                                                                [](int l) { return l != kEllipsis; }));
    const bool has_ellipsis = named != static_cast<std::int64_t>(labels[t].size());
    const auto rank = static_cast<std::int64_t>(shapes[t].size());
    require(has_ellipsis ? named <= rank : named == rank, r, "subscripts and operand rank differ");
    if (has_ellipsis) ellipsis_dims = std::max(ellipsis_dims, rank - named);
    for (int l : labels[t])
      if (l != kEllipsis) ++count[l];
  }
  std::vector<std::int64_t> slot(kEllipsis, -1);  // each label's aligned dimension
  std::int64_t next = 0, ellipsis_at = 0;
  bool ellipsis_out = false;
  if (arrow == std::string::npos) {  // implicit output: the ellipsis, then the labels seen once
    ellipsis_out = true;
    next = ellipsis_dims;
    for (int l = 0; l < kEllipsis; ++l)
      if (count[l] == 1) slot[l] = next++;
  } else {
    const std::string rhs = equation.substr(arrow + 2);
    for (std::size_t i = 0; i < rhs.size(); ++i) {
      const char c = rhs[i];
      if (c == ' ') continue;
      if (c == '.') {
        require(rhs.compare(i, 3, "...") == 0 && !ellipsis_out, r, "a malformed ellipsis in the output");
        ellipsis_at = next;
        next += ellipsis_dims;
        ellipsis_out = true;
        i += 2;
        continue;
      }
      const int l = bit_of(c);
      require(l >= 0 && count[l] > 0 && slot[l] == -1, r, "an output subscript no operand has, or one repeated");
      slot[l] = next++;
    }
  }
  Aligned a;
  a.out_dims = static_cast<std::size_t>(next);
  if (!ellipsis_out) {
    ellipsis_at = next;
    next += ellipsis_dims;
  }
  for (int l = 0; l < kEllipsis; ++l)
    if (count[l] > 0 && slot[l] == -1) slot[l] = next++;
  a.holders.assign(static_cast<std::size_t>(next), 0);
  std::vector<std::int64_t> size_of(static_cast<std::size_t>(next), 1);  // where an operand holds the dimension
  for (std::size_t t = 0; t < labels.size(); ++t) {
    std::vector<std::int64_t> sizes(static_cast<std::size_t>(next), 1);
    std::vector<bool> seen(static_cast<std::size_t>(next), false);
    std::size_t dim = 0;
    auto take = [&](std::int64_t at) {
      require(dim < shapes[t].size(), r, "subscripts and operand rank differ");
      const std::int64_t size = shapes[t][dim++];
      const auto k = static_cast<std::size_t>(at);
      if (seen[k]) return;  // a repeated label: its diagonal, one dimension
      seen[k] = true;
      if (size == 1) return;
      require(size_of[k] == 1 || size_of[k] == size, r, "sizes that do not broadcast");
      size_of[k] = size;
      sizes[k] = size;
      ++a.holders[k];
    };
    for (int l : labels[t]) {
      if (l == kEllipsis) {  // it covers the dimensions the named labels leave
        const auto covered = static_cast<std::int64_t>(shapes[t].size() + 1 - labels[t].size());
        for (std::int64_t j = ellipsis_dims - covered; j < ellipsis_dims; ++j) take(ellipsis_at + j);
      } else {
        take(slot[l]);
      }
    }
    a.operands.push_back(std::move(sizes));
  }
  return a;
}

Count torch_einsum_macs(const OpRecord& r, bool multiplies) {
  const Value& equation = input(r, 0);
  const Value& operands = input(r, 1);
  require(equation.kind == Value::Kind::String && operands.kind == Value::Kind::TensorList, r,
          "expects an equation and a tensor list");
  Aligned a = align(equation.text, operands.shapes, r);
  std::deque<std::vector<std::int64_t>> ops(a.operands.begin(), a.operands.end());
  std::vector<std::int64_t> path;
  if (r.inputs.size() > 2 && r.inputs[2].kind == Value::Kind::IntList) path = r.inputs[2].sizes;
  require(path.empty() || ops.size() < 2 || path.size() == (ops.size() - 1) * 2, r,
          "a contraction path of the wrong length");
  Count macs = 0;
  std::size_t step = 0;
  while (ops.size() > 1) {
    std::int64_t i = 0, j = 1;
    if (!path.empty()) {
      i = path[step++];
      j = path[step++];
      if (j < i) std::swap(i, j);
      require(i != j && i >= 0 && j < static_cast<std::int64_t>(ops.size()), r, "an invalid contraction path");
    }
    auto left = ops[static_cast<std::size_t>(i)], right = ops[static_cast<std::size_t>(j)];
    ops.erase(ops.begin() + j);
    ops.erase(ops.begin() + i);
    std::vector<bool> summed(left.size(), false);
    bool contracts = false;
    for (std::size_t d = a.out_dims; d < left.size(); ++d) {
      if (left[d] != 1 && right[d] != 1) {
        if (--a.holders[d] == 1) {  // no later operand holds it: contracted by this pair's product
          summed[d] = contracts = true;
          a.holders[d] = 0;
        }
      } else if (a.holders[d] == 1) {  // one side holds it and nothing later: summed first, no MACs
        (left[d] != 1 ? left[d] : right[d]) = 1;
        a.holders[d] = 0;
      }
    }
    std::vector<std::int64_t> result(left.size(), 1);
    Count pair = 1;
    for (std::size_t d = 0; d < left.size(); ++d) {
      const std::int64_t size = left[d] != 1 ? left[d] : right[d];  // 1, or the label's size where held
      pair = mul(pair, size);
      if (!summed[d]) result[d] = size;
    }
    if (contracts || multiplies) macs = add(macs, pair);
    if (path.empty()) {
      ops.push_front(std::move(result));
    } else {
      ops.push_back(std::move(result));
    }
  }
  return macs;
}

bool einsum_returns_float(const OpRecord& r) {
  return !(r.inputs.size() > 0 && r.inputs[0].kind == Value::Kind::String && special_case(normalise(r.inputs[0].text)));
}


}  // namespace

void add_einsum_handlers(OpSet& set, Tier tier) {
  if (tier == Tier::mmengine)
    set.flops["aten::einsum"] = {"einsum", einsum_macs,
                                 "special forms a*b*c*d; else floor(numpy optimal-path FLOPs / 2)", einsum_returns_float};
  else if (tier == Tier::standard)
    set.flops["aten::einsum"] = {"einsum", [](const OpRecord& r) { return torch_einsum_macs(r, false); },
                                 "torch's pairwise order (the path argument, else left to right): per contracting "
                                 "pair, the product of the sizes of every label either side holds"};
  else  // all: a pair that only multiplies counts one operation per element, as aten::mul does there
    set.flops["aten::einsum"] = {"einsum", [](const OpRecord& r) { return torch_einsum_macs(r, true); },
                                 "as default, and a pair that contracts nothing (a broadcast multiply) one per element"};
  set.activations["aten::einsum"] = {"einsum", output_elements, "numel(output)"};
}

}  // namespace flopscope::count
