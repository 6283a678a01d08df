#include "text/printable.h"

#include <cstdio>


namespace flopscope::text {
namespace {

// Bytes [i, i + n) form one valid UTF-8 sequence of length n (no overlongs, surrogates or values past U+10FFFF).
std::size_t utf8_length(const std::string& s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else return 0;
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return n;
}

// The escape for byte `c`, or "" when it is shown as itself (printable ASCII other than quote and backslash).
std::string escape(unsigned char c) {
  switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default:
      if (c >= 0x20 && c < 0x7F) return "";
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      return hex;
  }
}

// The length of the printable UTF-8 sequence at i (C1 controls U+0080..U+009F act on terminals too), 0 if none.
std::size_t printable_utf8(const std::string& s, std::size_t i) {
  const std::size_t n = utf8_length(s, i);
  if (n == 2 && static_cast<unsigned char>(s[i]) == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) return 0;
  return n;
}

}  // namespace

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      if (const std::size_t n = printable_utf8(text, i); n > 0) {
        out.append(text, i, n);
        i += n;
        continue;
      }
    }
    const std::string e = escape(c);
    if (e.empty()) out += static_cast<char>(c);
    else out += e;
    ++i;
  }
  return out + "\"";
}

bool is_printable(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t n = printable_utf8(text, i);
      if (n == 0) return false;
      i += n;
    } else if (c < 0x20 || c == 0x7F) {
      return false;
    } else {
      ++i;
    }
  }
  return true;
}

std::string printable(const std::string& text) { return is_printable(text) ? text : quoted(text); }

std::string spreadsheet_safe(const std::string& text) {
  std::string safe = printable(text);
  if (!safe.empty() && std::string("=+-@\t\r").find(safe[0]) != std::string::npos) safe.insert(0, "'");
  return safe;
}

}  // namespace flopscope::text
