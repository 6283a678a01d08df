// mmengine's (and fvcore's) _IGNORED_OPS: shape manipulation, copies, comparisons and ReLU, counted as zero
// without an "unsupported operator" warning.
#include "count/families.h"

namespace flopscope::count {

void add_ignored_ops(OpSet& set) {
  static const char* const kIgnored[] = {
      "Int",       "ScalarImplicit", "__and__",     "arange",      "bitwise_not", "cat",
      "chunk",     "clamp",          "clamp_",      "constant_pad_nd", "contiguous", "copy_",
      "detach",    "dropout",        "empty",       "eq",          "expand",      "flatten",
      "floor",     "floor_divide",   "full",        "full_like",   "gather",      "ge",
      "gt",        "index",          "index_put_",  "masked_fill", "max",         "narrow",
      "new_empty", "new_full",       "new_zeros",   "nonzero",     "ones",        "permute",
      "relu",      "relu_",          "remainder",   "reshape",     "roll",        "select",
      "size",      "slice",          "split",       "split_with_sizes", "squeeze", "stack",
      "t",         "to",             "transpose",   "type_as",     "unbind",      "unsqueeze",
      "unsqueeze_", "view",          "zeros",       "zeros_like",
  };
  for (const char* op : kIgnored) set.ignored.insert(std::string("aten::") + op);
  // The TorchScript interpreter implements its own prim ops (aten::Int, aten::Float, ScalarImplicit, which
  // mmengine ignores and the dispatcher never records) by reading a tensor's value through these: they are
  // part of an ignored op, not of the model.
  for (const char* op : {"item", "_local_scalar_dense"}) set.ignored.insert(std::string("aten::") + op);
}

}  // namespace flopscope::count
