#include "gpu/validate_cases.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace flopscope::gpu {
namespace {

using Shape = std::vector<std::int64_t>;
using Shapes = std::vector<Shape>;

std::string shape_text(const Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

struct Proto {
  Proto(std::string c, Shapes s, std::vector<std::int64_t> a = {}, std::string t = {})
      : call(std::move(c)), shapes(std::move(s)), args(std::move(a)), text(std::move(t)) {}
  std::string call;
  Shapes shapes;
  std::vector<std::int64_t> args;
  std::string text;
};

// Sizes chosen so every family sees M = 1, a prime (127, 251, 509) and a size that is not a multiple of 8
// (100, 1000), next to tile-friendly sizes (512, 4096) for contrast.
std::vector<Proto> protos_for(const std::string& family) {
  static const std::map<std::string, std::vector<Proto>> table = {
      {"linear", {{"linear", {{1, 4096}, {4096, 4096}}}, {"linear", {{127, 1000}, {251, 1000}}},
                  // 4096^3: tile-friendly; its ratio checks kFlopsPerTensorMathOp on a device
                  {"linear", {{4096, 4096}, {4096, 4096}}}}},
      {"addmm", {{"addmm", {{1, 509}, {509, 100}}}, {"addmm", {{127, 512}, {512, 251}}}}},
      {"mm", {{"mm", {{1, 1000}, {1000, 127}}}, {"mm", {{509, 100}, {100, 512}}}}},
      {"matmul", {{"matmul", {{4, 1, 251}, {251, 100}}}, {"matmul", {{3, 127, 64}, {3, 64, 509}}}}},
      {"bmm", {{"bmm", {{7, 1, 100}, {7, 100, 127}}}, {"bmm", {{4, 251, 64}, {4, 64, 100}}}}},
      {"baddbmm", {{"baddbmm", {{5, 1, 127}, {5, 127, 100}}}, {"baddbmm", {{2, 251, 64}, {2, 64, 64}}}}},
      {"addbmm", {{"addbmm", {{5, 1, 127}, {5, 127, 100}}}, {"addbmm", {{3, 251, 64}, {3, 64, 100}}}}},
      {"addmv", {{"addmv", {{1, 509}, {509}}}, {"addmv", {{1000, 251}, {251}}}}},
      {"mv", {{"mv", {{1, 127}, {127}}}, {"mv", {{1000, 509}, {509}}}}},
      {"dot", {{"dot", {{1}}}, {"dot", {{100003}}}}},
      {"vdot", {{"vdot", {{1}}}, {"vdot", {{100003}}}}},
      {"einsum", {{"einsum", {{1, 127, 100}, {1, 100, 251}}, {}, "bij,bjk->bik"},
                  {"einsum", {{3, 251}, {251, 100}}, {}, "ij,jk->ik"}}},
      // conv: input, weight; args stride, padding, groups
      {"conv", {{"conv2d", {{1, 3, 224, 224}, {64, 3, 7, 7}}, {2, 3, 1}},
                {"conv2d", {{2, 64, 31, 31}, {127, 64, 3, 3}}, {1, 1, 1}},   // Winograd-friendly 3x3
                {"conv2d", {{1, 100, 17, 17}, {100, 1, 3, 3}}, {1, 1, 100}},  // depthwise
                {"conv2d", {{1, 96, 13, 13}, {96, 24, 1, 1}}, {1, 0, 4}},     // grouped 1x1
                {"conv1d", {{3, 100, 251}, {127, 100, 5}}, {1, 2, 1}},
                {"conv3d", {{1, 8, 7, 11, 13}, {16, 8, 3, 3, 3}}, {1, 1, 1}},
                {"conv_transpose2d", {{1, 100, 15, 15}, {100, 51, 4, 4}}, {2, 1, 1}}}},
      // a training step's convolution backward, both gradients: input, weight; args stride, padding, groups
      {"conv_backward", {{"conv2d_backward", {{2, 64, 31, 31}, {127, 64, 3, 3}}, {1, 1, 1}},
                         {"conv2d_backward", {{1, 100, 17, 17}, {100, 1, 3, 3}}, {1, 1, 100}}}},
      {"batch_norm", {{"batch_norm", {{1, 100, 7, 7}}}, {"batch_norm", {{8, 127, 31, 31}}}}},
      // a training step's norm backward, every gradient (the statistics come from a forward at setup)
      {"batch_norm_backward", {{"batch_norm_backward", {{1, 100, 7, 7}}}, {"batch_norm_backward", {{8, 127, 31, 31}}}}},
      {"layer_norm_backward", {{"layer_norm_backward", {{1, 1, 1000}}}, {"layer_norm_backward", {{4, 127, 509}}}}},
      {"rms_norm_backward", {{"rms_norm_backward", {{1, 1, 1000}}}, {"rms_norm_backward", {{4, 127, 509}}}}},
      {"group_norm_backward", {{"group_norm_backward", {{1, 100, 7, 7}}, {4}},
                               {"group_norm_backward", {{3, 128, 31, 31}}, {32}}}},
      {"instance_norm", {{"instance_norm", {{1, 100, 7, 7}}}, {"instance_norm", {{3, 127, 31, 31}}}}},
      {"group_norm", {{"group_norm", {{1, 100, 7, 7}}, {4}}, {"group_norm", {{3, 128, 31, 31}}, {32}}}},
      {"layer_norm", {{"layer_norm", {{1, 1, 1000}}}, {"layer_norm", {{4, 127, 509}}}}},
      {"rms_norm", {{"rms_norm", {{1, 1, 1000}}}, {"rms_norm", {{4, 127, 509}}}}},
      {"upsample_nearest2d", {{"interpolate", {{1, 3, 7, 7}}, {2}, "nearest"}, {"interpolate", {{2, 100, 31, 31}}, {2}, "nearest"}}},
      {"upsample_bilinear2d", {{"interpolate", {{1, 3, 7, 7}}, {2}, "bilinear"}, {"interpolate", {{2, 100, 31, 31}}, {2}, "bilinear"}}},
      {"upsample_bicubic2d", {{"interpolate", {{1, 3, 7, 7}}, {2}, "bicubic"}, {"interpolate", {{2, 100, 31, 31}}, {2}, "bicubic"}}},
      {"upsample_linear1d", {{"interpolate", {{1, 3, 127}}, {2}, "linear"}, {"interpolate", {{2, 100, 251}}, {2}, "linear"}}},
      {"upsample_trilinear3d", {{"interpolate", {{1, 3, 5, 7, 11}}, {2}, "trilinear"}, {"interpolate", {{2, 8, 7, 13, 13}}, {2}, "trilinear"}}},
      {"upsample_nearest1d", {{"interpolate", {{1, 3, 127}}, {2}, "nearest"}, {"interpolate", {{2, 100, 251}}, {2}, "nearest"}}},
      {"upsample_nearest3d", {{"interpolate", {{1, 3, 5, 7, 11}}, {2}, "nearest"}, {"interpolate", {{2, 8, 7, 13, 13}}, {2}, "nearest"}}},
      {"_upsample_nearest_exact1d", {{"interpolate", {{1, 3, 127}}, {2}, "nearest-exact"}, {"interpolate", {{2, 100, 251}}, {2}, "nearest-exact"}}},
      {"_upsample_nearest_exact2d", {{"interpolate", {{1, 3, 7, 7}}, {2}, "nearest-exact"}, {"interpolate", {{2, 100, 31, 31}}, {2}, "nearest-exact"}}},
      {"_upsample_nearest_exact3d", {{"interpolate", {{1, 3, 5, 7, 11}}, {2}, "nearest-exact"}, {"interpolate", {{2, 8, 7, 13, 13}}, {2}, "nearest-exact"}}},
      // grid_sample: input, grid [N,Hout,Wout,2]
      {"grid_sampler", {{"grid_sample", {{1, 3, 7, 7}, {1, 1, 5, 2}}}, {"grid_sample", {{2, 100, 31, 31}, {2, 17, 19, 2}}}}},
      // affine_grid: theta [N,2,3]; args the grid's size [N,C,H,W]
      {"affine_grid_generator", {{"affine_grid", {{1, 2, 3}}, {1, 3, 7, 7}}, {"affine_grid", {{8, 2, 3}}, {8, 3, 251, 251}}}},
      // sdpa: q, k, v [B,H,L,E]; args is_causal
      {"scaled_dot_product_attention", {{"sdpa", {{1, 8, 1, 64}, {1, 8, 127, 64}, {1, 8, 127, 64}}, {0}},
                                        {"sdpa", {{2, 12, 251, 64}, {2, 12, 251, 64}, {2, 12, 251, 64}}, {1}},
                                        {"sdpa", {{1, 4, 100, 128}, {1, 4, 509, 128}, {1, 4, 509, 128}}, {0}}}},
      // rnn: input [T,N,C]; args hidden, layers
      {"lstm", {{"lstm", {{1, 1, 100}}, {127, 1}}, {"lstm", {{17, 3, 64}}, {100, 2}}}},
      {"gru", {{"gru", {{1, 1, 100}}, {127, 1}}, {"gru", {{17, 3, 64}}, {100, 2}}}},
      {"rnn_tanh", {{"rnn_tanh", {{1, 1, 100}}, {127, 1}}, {"rnn_tanh", {{17, 3, 64}}, {100, 2}}}},
      {"rnn_relu", {{"rnn_relu", {{1, 1, 100}}, {127, 1}}, {"rnn_relu", {{17, 3, 64}}, {100, 2}}}},
      // embedding: indices shape, weight [V,D]
      {"embedding", {{"embedding", {{1}, {1000, 127}}}, {"embedding", {{4, 251}, {30011, 100}}}}},
      {"embedding_bag", {{"embedding_bag", {{1, 1}, {1000, 127}}}, {"embedding_bag", {{8, 13}, {30011, 100}}}}},
      // Fourier transforms: a complex [batch, N] over its last dimension, and a real one (rfft). cuFFT takes half
      // precision at powers of two only, and no bfloat16 (supports()). stft: a second of 16 kHz audio, 4 signals,
      // framed centred with a Hann window of n_fft 512 every 160 samples {n_fft, hop}: 101 frames each.
      {"fft", {{"fft", {{1, 128}}}, {"rfft", {{8, 1024}}}, {"stft", {{4, 16000}}, {512, 160}}}},
      // triangular solves: A [m,m] (lower, diagonally dominant), B [m,k]; batched
      {"solve_triangular", {{"solve_triangular", {{127, 127}, {127, 1}}},
                            {"solve_triangular", {{3, 251, 251}, {3, 251, 100}}}}},
      // dense factorizations and the solves on them (cuSOLVER): A [n,n] made symmetric positive definite, so every
      // one of them is well conditioned; B [n,k] where the op solves
      {"lu_factor", {{"lu_factor", {{127, 127}}}, {"lu_factor", {{3, 251, 251}}}}},
      {"det", {{"det", {{127, 127}}}, {"det", {{3, 251, 251}}}}},
      {"lu_solve", {{"lu_solve", {{127, 127}, {127, 1}}}, {"lu_solve", {{3, 251, 251}, {3, 251, 100}}}}},
      {"solve", {{"solve", {{127, 127}, {127, 1}}}, {"solve", {{3, 251, 251}, {3, 251, 100}}}}},
      {"inv", {{"inv", {{127, 127}}}, {"inv", {{3, 251, 251}}}}},
      {"cholesky", {{"cholesky", {{127, 127}}}, {"cholesky", {{3, 251, 251}}}}},
      {"cholesky_solve", {{"cholesky_solve", {{127, 127}, {127, 1}}}, {"cholesky_solve", {{3, 251, 251}, {3, 251, 100}}}}},
      {"cholesky_inverse", {{"cholesky_inverse", {{127, 127}}}, {"cholesky_inverse", {{3, 251, 251}}}}},
      // a training step's embedding backward: indices shape, table [V,D] (grad_output is indices x D)
      {"embedding_backward", {{"embedding_backward", {{1}, {1000, 127}}},
                              {"embedding_backward", {{4, 251}, {30011, 100}}}}},
      {"adaptive_avg_pool2d", {{"adaptive_avg_pool2d", {{1, 100, 7, 7}}, {1}}, {"adaptive_avg_pool2d", {{8, 127, 31, 31}}, {3}}}},
      // a training step's backward of pooling and resampling: the forward's input; args output size or scale
      {"adaptive_avg_pool_backward", {{"adaptive_avg_pool2d_backward", {{1, 100, 7, 7}}, {1}},
                                      {"adaptive_avg_pool2d_backward", {{8, 127, 31, 31}}, {3}}}},
      {"upsample_backward", {{"interpolate_backward", {{1, 3, 7, 7}}, {2}, "nearest"},
                             {"interpolate_backward", {{2, 100, 31, 31}}, {2}, "bilinear"}}},
      // grid_sample backward: input, grid [N,Hout,Wout,2]; both gradients
      {"grid_sampler_backward", {{"grid_sample_backward", {{1, 3, 7, 7}, {1, 1, 5, 2}}},
                                 {"grid_sample_backward", {{2, 100, 31, 31}, {2, 17, 19, 2}}}}},
      // grouped_mm: tokens [T,K], experts [G,K,N]; K and N keep the 16-byte strides the op needs
      {"_grouped_mm", {{"grouped_mm", {{1, 64}, {1, 64, 128}}}, {"grouped_mm", {{127, 64}, {4, 64, 128}}}}},
      // FP8 products (float8_e4m3fn operands, one float32 scale each, a bf16 output): A [M,K], B [K,N]. cuBLASLt
      // takes FP8 only with every size a multiple of 16, so no prime here: the smallest M it takes, and 4096^3,
      // whose ratio checks the FP8 tensor-op convention as the bf16 4096^3 linear checks bf16's.
      {"_scaled_mm", {{"scaled_mm", {{16, 4096}, {4096, 4096}}}, {"scaled_mm", {{4096, 4096}, {4096, 4096}}}}},
      // tensordot: a[..., K], b[K, ...], contracting a's last dim with b's first
      {"tensordot", {{"tensordot", {{1, 100}, {100, 127}}}, {"tensordot", {{3, 127, 100}, {100, 251}}}}},
      {"inner", {{"inner", {{1, 100}, {251, 100}}}, {"inner", {{3, 127, 64}, {251, 64}}}}},
      {"linalg_vecdot", {{"vecdot", {{1, 100}, {251, 100}}}, {"vecdot", {{3, 127, 64}, {127, 64}}}}},
      // matrix powers by repeated squaring: A [m,m] (scaled to keep its powers finite in half precision); args n
      {"matrix_power", {{"matrix_power", {{127, 127}}, {5}}, {"matrix_power", {{3, 251, 251}}, {13}}}},
      {"linalg_multi_dot", {{"multi_dot", {{1, 100}, {100, 251}, {251, 127}}},
                            {"multi_dot", {{509, 100}, {100, 251}, {251, 1}}}}},
      // bilinear: x1 [N,i1], x2 [N,i2], W [o,i1,i2]
      {"bilinear", {{"bilinear", {{1, 100}, {1, 64}, {127, 100, 64}}}, {"bilinear", {{251, 64}, {251, 100}, {7, 64, 100}}}}},
      {"cdist", {{"cdist", {{1, 1, 100}, {1, 127, 100}}}, {"cdist", {{2, 251, 64}, {2, 509, 64}}}}},
      // nn.MultiheadAttention's fast path: q = k = v [B,L,E]; args heads
      {"_native_multi_head_attention", {{"native_mha", {{1, 1, 256}}, {4}}, {"native_mha", {{2, 127, 256}}, {8}}}},
      // nn.TransformerEncoderLayer's fast path: src [B,L,E]; args heads, feed-forward width F
      {"transformer_encoder_layer",
       {{"encoder_layer", {{1, 1, 256}}, {4, 512}}, {"encoder_layer", {{2, 127, 256}}, {8, 1024}}}},
  };
  auto it = table.find(family);
  return it == table.end() ? std::vector<Proto>{} : it->second;
}

// Families that run in one dtype of their own, not in validate-ops' float sweep.
const std::map<std::string, std::string>& fixed_dtype_families() {
  static const std::map<std::string, std::string> fixed = {{"_scaled_mm", "float8_e4m3fn"}};
  return fixed;
}

// Dtypes a family runs in on CUDA: its own for a fixed-dtype family, else every float dtype (the lookups use
// integer indices and a floating weight of the case's dtype, so they take them all too).
bool supports(const std::string& family, const std::string& dtype) {
  if (family == "fft" && dtype == "bfloat16") return false;  // cuFFT has no bfloat16 transform
  // cuBLAS's triangular solves and cuSOLVER's factorizations: single and double precision only (ATen refuses
  // half types)
  static const std::set<std::string> lapack = {"solve_triangular", "lu_factor", "det",      "lu_solve",      "solve",
                                               "inv",              "cholesky",  "cholesky_solve", "cholesky_inverse"};
  if (lapack.count(family)) return dtype == "float32" || dtype == "float64";
  auto fixed = fixed_dtype_families().find(family);
  if (fixed != fixed_dtype_families().end()) return dtype == fixed->second;
  return dtype == "float32" || dtype == "bfloat16" || dtype == "float16" || dtype == "float64";
}

}  // namespace

const std::vector<const char*> kSingleDtypeProducts = {"_scaled_grouped_mm",  "_int_mm",
                                                       "_weight_int8pack_mm", "_weight_int4pack_mm",
                                                       "_weight_int4pack_mm_for_cpu"};

const std::vector<std::string> kCaseDtypes = {"float32", "bfloat16", "float16", "float64", "float8_e4m3fn"};

std::vector<std::string> formula_families(const OpSet& set) {
  std::set<std::string> keys;
  for (const auto& [op, handler] : set.flops) keys.insert(handler.key);
  // The fused attention kernels' backward takes the forward's outputs and a backend-specific state (logsumexp,
  // philox seeds): no case can call it alone. It is checked by arithmetic (tests/python/test_train_step.py) and
  // on a device by a training step's counter pass, not by validate-ops.
  keys.erase("scaled_dot_product_attention_backward");
  // An LSTM's backward takes the forward's saved state (mkldnn's workspace on the CPU, cuDNN's reserve on CUDA): it
  // is checked by arithmetic and by a training step's counter pass, not by validate-ops.
  keys.erase("rnn_backward");
  // The other low-precision products take one dtype each (grouped FP8; int8; int8 or int4 weights) and share
  // linear's arithmetic (numel(A)*n); they are checked by arithmetic (tests/unit/count/, tests/python/
  // test_analyze.py). int8 is no FLOP class for the counters (gpu/counter_math.h), and _scaled_mm's FP8 case
  // measures the FP8 tensor path the grouped one shares.
  for (const char* k : kSingleDtypeProducts) keys.erase(k);
  return {keys.begin(), keys.end()};
}

std::vector<ValidateCase> validate_cases(const OpSet& set, const std::vector<std::string>& dtypes,
                                         std::vector<std::string>* uncovered) {
  std::vector<ValidateCase> out;
  for (const auto& family : formula_families(set)) {
    auto protos = protos_for(family);
    if (protos.empty()) {
      if (uncovered) uncovered->push_back(family);
      continue;
    }
    for (const auto& p : protos)
      for (const auto& dtype : dtypes) {
        if (!supports(family, dtype)) continue;
        ValidateCase c{family, p.call, p.shapes, p.args, p.text, dtype, ""};
        c.label = p.call + (p.text.empty() ? "" : "(" + p.text + ")");
        for (const auto& s : p.shapes) c.label += " " + shape_text(s);
        for (auto a : p.args) c.label += " " + std::to_string(a);
        c.label += " " + dtype;
        out.push_back(std::move(c));
      }
  }
  return out;
}

}  // namespace flopscope::gpu
