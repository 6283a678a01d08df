// mmengine's (and fvcore's) _IGNORED_OPS: shape manipulation, copies, comparisons and ReLU, counted as zero
// without an "unsupported operator" warning. Every op set has them; the mmengine set has only them, so that
// its unsupported operators are mmengine's.
// default and all also ignore the ops mmengine's list leaves out that do no arithmetic: views and copies,
// tensors made from nothing, random numbers, comparisons, selection, sorting and logic. Their "unsupported"
// lines said nothing about the count (an LLM's forward named alias, is_nonzero, ne, topk...), and hid the lines
// that do: an op with arithmetic and no formula.
#include "count/families.h"

namespace flopscope::count {
namespace {

void add_no_arithmetic_ops(OpSet& set) {
  static const char* const kNoArithmetic[] = {
      // views, aliases and copies
      "alias", "lift_fresh", "lift_fresh_copy", "detach_", "clone", "resolve_conj", "resolve_neg", "_conj", "conj",
      "real", "imag", "view_as", "view_as_real", "view_as_complex", "numpy_T", "mT", "mH", "adjoint",
      "movedim", "moveaxis", "swapaxes", "swapdims", "reshape_as", "expand_as", "unflatten", "as_strided",
      "broadcast_to", "broadcast_tensors", "unfold", "im2col", "flip", "fliplr", "flipud", "rot90", "tile", "repeat",
      "repeat_interleave", "concat", "concatenate", "hstack", "vstack", "dstack", "column_stack", "tril", "triu",
      "tril_", "triu_", "pad", "reflection_pad1d", "reflection_pad2d", "reflection_pad3d", "replication_pad1d",
      "replication_pad2d", "replication_pad3d", "circular_pad1d", "circular_pad2d", "circular_pad3d", "meshgrid",
      "index_select", "index_copy", "index_copy_", "index_fill", "index_fill_", "masked_scatter", "masked_scatter_",
      "masked_fill_", "masked_select", "scatter", "scatter_", "take", "take_along_dim", "one_hot", "diag_embed",
      "diagonal", "block_diag", "tensor_split", "hsplit", "vsplit", "unsafe_split", "unsafe_chunk", "_unsafe_view",
      "fill_", "zero_", "where", "nan_to_num",
      "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle", "frexp",
      // tensors made from nothing, random numbers
      "empty_like", "empty_strided", "ones_like", "new_ones", "new_tensor", "scalar_tensor", "linspace", "logspace",
      "new_empty_strided", "eye", "tril_indices", "triu_indices", "rand", "randn", "randint", "rand_like",
      "randn_like", "randint_like", "randperm",
      "bernoulli", "bernoulli_", "multinomial", "normal", "normal_", "uniform_", "exponential_", "dropout_",
      "feature_dropout", "alpha_dropout", "native_dropout",
      // comparisons, logic, selection and sorting: no floating-point arithmetic
      "ne", "le", "lt", "greater", "greater_equal", "less", "less_equal", "not_equal", "eq_", "ne_", "ge_", "gt_",
      "le_", "lt_", "logical_and", "logical_or", "logical_not", "logical_xor", "logical_and_", "logical_or_",
      "logical_not_", "logical_xor_", "bitwise_and_", "bitwise_or_", "bitwise_xor_", "bitwise_not_", "__or__",
      "__xor__", "__not__",
      "__ior__", "__iand__", "__ixor__", "__lshift__", "__rshift__", "__ilshift__", "__irshift__",
      "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift", "isnan", "isinf",
      "isfinite", "isin", "signbit", "any", "all", "min", "argmax", "argmin", "topk", "sort", "argsort", "msort",
      "cummax", "cummin",
      "kthvalue", "median", "mode", "unique", "_unique2", "unique_consecutive", "unique_dim", "histc", "bincount",
      "bucketize", "searchsorted", "is_nonzero", "_is_all_true", "_is_any_true", "equal", "allclose",
      "_has_compatible_shallow_copy_type",
      // questions asked of the arguments (ctc_loss on CUDA: whether cuDNN takes them)
      "_use_cudnn_ctc_loss",
      // a training step's backward of a view or selection: zeros with the gradient copied into its place
      "slice_backward", "select_backward", "diagonal_backward", "value_selecting_reduction_backward",
      "masked_scatter_backward",  // the gradient's masked elements selected (Llava's image features)
  };
  for (const char* op : kNoArithmetic) set.ignored.insert(std::string("aten::") + op);
}

}  // namespace

void add_ignored_ops(OpSet& set, Tier tier) {
  if (tier >= Tier::standard) add_no_arithmetic_ops(set);
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
