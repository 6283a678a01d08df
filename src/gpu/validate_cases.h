#pragma once
// `flopscope validate-ops`'s case list: every op family with a FLOP formula, at several shapes (including
// M = 1, primes and sizes that are not multiples of 8) and dtypes. Pure, so the coverage is tested on the CPU;
// the CLI runs each case on the GPU under the range profiler.
#include <cstdint>
#include <string>
#include <vector>

#include "flopscope/op_set.h"

namespace flopscope::gpu {

struct ValidateCase {
  std::string family;  ///< the formula's key in the op set ("linear", "conv", ...)
  /// What to call, one of: linear addmm mm bmm matmul baddbmm addbmm addmv mv dot vdot conv1d conv2d conv3d
  /// conv_transpose2d batch_norm group_norm layer_norm instance_norm interpolate grid_sample sdpa lstm gru
  /// rnn_tanh rnn_relu embedding embedding_bag fft rfft stft solve_triangular einsum adaptive_avg_pool2d scaled_mm ... (validate_ops.cpp)
  std::string call;
  /// Input tensor shapes in argument order (for conv: input, weight; rnn: input [T,N,C] then hidden size).
  std::vector<std::vector<std::int64_t>> shapes;
  /// Extra integer arguments: conv {stride, padding, groups}; interpolate {mode index}; norms {groups};
  /// sdpa {is_causal}; rnn {hidden, layers}; embedding {num_embeddings}; stft {n_fft, hop}.
  std::vector<std::int64_t> args;
  std::string text;    ///< interpolate mode name, einsum equation
  std::string dtype;   ///< one of kCaseDtypes
  std::string label;   ///< one line naming the case
};

/// The formula keys of products that take one dtype each (grouped FP8, int8, int4 weights): validate-ops has no case
/// for them. _scaled_mm, FP8, has its cases, in float8_e4m3fn only.
extern const std::vector<const char*> kSingleDtypeProducts;

/// The dtypes a case can run in: the float sweep's and FP8 (e4m3, _scaled_mm's only).
extern const std::vector<std::string> kCaseDtypes;

/// The distinct formula keys of `set.flops` whose formula is an op family (every key but the exempt ones), sorted.
std::vector<std::string> formula_families(const OpSet& set);

/// Every family of `set` that has a formula, × its shapes, × `dtypes` (those the family supports on CUDA).
/// Families this list does not know how to call are returned in `uncovered`.
std::vector<ValidateCase> validate_cases(const OpSet& set, const std::vector<std::string>& dtypes,
                                         std::vector<std::string>* uncovered = nullptr);

}  // namespace flopscope::gpu
