// The dtypes' names as users write them (torch's: float32, bfloat16, int64), for the reports, the errors and the
// options that take one. Apart from the pipeline so that the exported program's reader (and its fuzz target)
// can name a dtype without linking the whole analysis.
#include <cctype>
#include <string>

#include "flopscope/complexity.h"
#include "flopscope/errors.h"

namespace flopscope {

std::string dtype_name(c10::ScalarType t) {
  switch (t) {
    case c10::kFloat: return "float32";
    case c10::kHalf: return "float16";
    case c10::kBFloat16: return "bfloat16";
    case c10::kDouble: return "float64";
    case c10::kLong: return "int64";
    case c10::kInt: return "int32";
    default: {
      std::string name = c10::toString(t);  // "Long", "Int", ...: lower-case, as torch prints dtypes
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return name;
    }
  }
}

c10::ScalarType parse_dtype(const std::string& name) {
  if (name == "float32" || name == "float") return c10::kFloat;
  if (name == "float16" || name == "half") return c10::kHalf;
  if (name == "bfloat16") return c10::kBFloat16;
  if (name == "float64" || name == "double") return c10::kDouble;
  if (name == "int64" || name == "long") return c10::kLong;
  if (name == "int32" || name == "int") return c10::kInt;
  throw InvalidInput("unknown dtype '" + name + "' (use float32, float16, bfloat16, float64, int64 or int32)");
}

}  // namespace flopscope
