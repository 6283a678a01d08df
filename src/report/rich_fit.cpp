#include "report/rich_fit.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace flopscope::report::rich {
namespace {

using Widths = std::vector<long long>;  // signed: rich's arithmetic may pass below zero on absurd widths

// rich's ratio_reduce: takes `total` off `values`, shared by `ratios`, no slot losing more than its maximum. The
// share is Python's round() of a float quotient: ties go to the even integer, as nearbyint's default mode does.
Widths ratio_reduce(long long total, std::vector<long long> ratios, const Widths& maximums, const Widths& values) {
  for (std::size_t i = 0; i < ratios.size(); ++i)
    if (maximums[i] == 0) ratios[i] = 0;
  long long total_ratio = std::accumulate(ratios.begin(), ratios.end(), 0LL);
  if (total_ratio == 0) return values;
  long long remaining = total;
  Widths out;
  out.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (ratios[i] != 0 && total_ratio > 0) {
      const double share = static_cast<double>(ratios[i] * remaining) / static_cast<double>(total_ratio);
      const long long distributed = std::min(maximums[i], static_cast<long long>(std::nearbyint(share)));
      out.push_back(values[i] - distributed);
      remaining -= distributed;
      total_ratio -= ratios[i];
    } else {
      out.push_back(values[i]);
    }
  }
  return out;
}

long long sum(const Widths& w) { return std::accumulate(w.begin(), w.end(), 0LL); }

// Table._collapse_widths with every column wrapable (none has a fixed width or no_wrap in mmengine's table).
Widths collapse(Widths w, long long max_width) {
  long long total = sum(w);
  long long excess = total - max_width;
  while (total != 0 && excess > 0) {
    const long long widest = *std::max_element(w.begin(), w.end());
    long long second = 0;
    for (const long long x : w)
      if (x != widest) second = std::max(second, x);
    const long long difference = widest - second;
    std::vector<long long> ratios(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) ratios[i] = w[i] == widest ? 1 : 0;
    if (difference == 0) break;
    w = ratio_reduce(excess, ratios, Widths(w.size(), std::min(excess, difference)), w);
    total = sum(w);
    excess = total - max_width;
  }
  return w;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

// The byte offset of each code point of `s`, and s.size() last.
std::vector<std::size_t> code_points(const std::string& s) {
  std::vector<std::size_t> at;
  at.reserve(s.size() + 1);
  for (std::size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) at.push_back(i);
  at.push_back(s.size());
  return at;
}

// rich's divide_line(text, width, fold=False), in code points: where lines break. A "word" is leading spaces, the
// word and its trailing spaces (the regex \s*\S+\s*); a word is measured without its trailing spaces.
std::vector<std::size_t> divide_line(const std::string& text, const std::vector<std::size_t>& at, long long width) {
  std::vector<std::size_t> breaks;
  const std::size_t n = at.size() - 1;
  auto space = [&](std::size_t i) { return is_space(text[at[i]]); };
  long long offset = 0;
  std::size_t start = 0;
  while (start < n) {
    std::size_t i = start;
    while (i < n && space(i)) ++i;
    if (i == n) break;  // only spaces left: no word
    while (i < n && !space(i)) ++i;
    const auto word_length = static_cast<long long>(i - start);
    while (i < n && space(i)) ++i;
    const auto word_cells = static_cast<long long>(i - start);
    if (width - offset >= word_length) {
      offset += word_cells;
    } else if (word_length > width) {
      if (start != 0) breaks.push_back(start);
      offset = word_cells;
    } else if (offset != 0 && start != 0) {
      breaks.push_back(start);
      offset = word_cells;
    }
    start = i;
  }
  return breaks;
}

}  // namespace

std::vector<std::size_t> fit_widths(const std::vector<std::size_t>& widths, std::size_t max_width) {
  const Widths natural(widths.begin(), widths.end());
  const auto limit = static_cast<long long>(max_width);
  if (sum(natural) <= limit) return widths;
  Widths w = collapse(natural, limit);
  if (sum(w) > limit) w = ratio_reduce(sum(w) - limit, std::vector<long long>(w.size(), 1), w, w);  // evenly
  // Each column measured again at its width (Table._measure_column over padded cells): no wider than its cells,
  // and a column too narrow for its padding takes the whole width.
  std::vector<std::size_t> out(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    const long long fitted = w[i];
    const long long kept = fitted < 1 ? 0 : fitted < 3 ? fitted : std::min(natural[i], fitted);
    out[i] = static_cast<std::size_t>(kept);
  }
  return out;
}

std::vector<std::string> wrap(const std::string& text, std::size_t width) {
  const auto at = code_points(text);
  const auto w = static_cast<long long>(width);
  std::vector<std::size_t> bounds = divide_line(text, at, w);
  bounds.insert(bounds.begin(), 0);
  bounds.push_back(at.size() - 1);
  std::vector<std::string> lines;
  for (std::size_t b = 0; b + 1 < bounds.size(); ++b) {
    std::size_t first = bounds[b], last = bounds[b + 1];  // code points [first, last)
    // rstrip_end: trailing spaces beyond the width go.
    if (static_cast<long long>(last - first) > w) {
      std::size_t excess = last - first - width;
      while (excess > 0 && last > first && is_space(text[at[last - 1]])) --last, --excess;
    }
    std::string line;
    if (static_cast<long long>(last - first) > w) {  // truncate with an ellipsis
      const std::size_t keep = width == 0 ? 0 : width - 1;
      line = text.substr(at[first], at[first + keep] - at[first]) + "\u2026";
    } else {
      line = text.substr(at[first], at[last] - at[first]);
      line.append(width - (last - first), ' ');
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace flopscope::report::rich
