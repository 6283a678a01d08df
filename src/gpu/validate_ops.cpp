// The validate-ops runner (include/flopscope/validate_ops.h): each case made runnable with LibTorch's C++ ops,
// analysed as a C++ frontend forward, then run under the range profiler.
#include "flopscope/validate_ops.h"

#include <torch/nn/functional/embedding.h>
#include <torch/nn/functional/upsampling.h>
#include <torch/nn/modules/rnn.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "flopscope/complexity.h"
#include "flopscope/device.h"
#include "flopscope/errors.h"
#include "count/families.h"
#include "gpu/counter_math.h"
#include "gpu/metric_plan.h"
#include "gpu/cuda_backend.h"
#include "gpu/validate_cases.h"
#include "gpu/validate_options.h"

namespace flopscope {
namespace {

namespace F = torch::nn::functional;

// A case made runnable: its inputs on the device and the call that consumes them.
struct Runnable {
  std::vector<c10::IValue> inputs;
  std::function<void(const std::vector<c10::IValue>&)> call;
  std::shared_ptr<torch::nn::Module> module;  // RNN cases run through a module that owns the weights
};

torch::nn::functional::InterpolateFuncOptions::mode_t interpolate_mode(const std::string& name) {
  if (name == "nearest") return torch::kNearest;
  if (name == "bilinear") return torch::kBilinear;
  if (name == "bicubic") return torch::kBicubic;
  if (name == "linear") return torch::kLinear;
  if (name == "trilinear") return torch::kTrilinear;
  return torch::kNearestExact;
}

Runnable make_runnable(const gpu::ValidateCase& c, const torch::TensorOptions& opt) {
  Runnable r;
  auto t = [&](std::size_t i) { return torch::randn(c.shapes.at(i), opt); };
  auto in = [](const std::vector<c10::IValue>& v, std::size_t i) { return v.at(i).toTensor(); };
  const std::string& k = c.call;
  auto two = [&](auto fn) {
    r.inputs = {t(0), t(1)};
    r.call = [fn, in](const std::vector<c10::IValue>& v) { fn(in(v, 0), in(v, 1)); };
  };
  if (k == "linear") two([](auto a, auto b) { at::linear(a, b); });
  else if (k == "mm") two([](auto a, auto b) { at::mm(a, b); });
  else if (k == "bmm") two([](auto a, auto b) { at::bmm(a, b); });
  else if (k == "matmul") two([](auto a, auto b) { at::matmul(a, b); });
  else if (k == "mv") two([](auto a, auto b) { at::mv(a, b); });
  else if (k == "dot") {
    r.inputs = {t(0), t(0)};
    r.call = [in](const std::vector<c10::IValue>& v) { at::dot(in(v, 0), in(v, 1)); };
  } else if (k == "vdot") {
    r.inputs = {t(0), t(0)};
    r.call = [in](const std::vector<c10::IValue>& v) { at::vdot(in(v, 0), in(v, 1)); };
  } else if (k == "addmm" || k == "baddbmm" || k == "addbmm" || k == "addmv") {
    auto a = t(0), b = t(1);
    torch::Tensor acc = k == "addmm"     ? torch::zeros({a.size(0), b.size(1)}, opt)
                        : k == "baddbmm" ? torch::zeros({a.size(0), a.size(1), b.size(2)}, opt)
                        : k == "addbmm"  ? torch::zeros({a.size(1), b.size(2)}, opt)
                                         : torch::zeros({a.size(0)}, opt);
    r.inputs = {acc, a, b};
    r.call = [k, in](const std::vector<c10::IValue>& v) {
      if (k == "addmm") at::addmm(in(v, 0), in(v, 1), in(v, 2));
      else if (k == "baddbmm") at::baddbmm(in(v, 0), in(v, 1), in(v, 2));
      else if (k == "addbmm") at::addbmm(in(v, 0), in(v, 1), in(v, 2));
      else at::addmv(in(v, 0), in(v, 1), in(v, 2));
    };
  } else if (k == "einsum") {
    std::string eq = c.text;
    two([eq](auto a, auto b) { at::einsum(eq, {a, b}); });
  } else if (k == "conv1d" || k == "conv2d" || k == "conv3d" || k == "conv_transpose2d") {
    const auto stride = c.args.at(0), padding = c.args.at(1), groups = c.args.at(2);
    two([k, stride, padding, groups](auto x, auto w) {
      if (k == "conv1d") at::conv1d(x, w, {}, stride, padding, 1, groups);
      else if (k == "conv2d") at::conv2d(x, w, {}, stride, padding, 1, groups);
      else if (k == "conv3d") at::conv3d(x, w, {}, stride, padding, 1, groups);
      else at::conv_transpose2d(x, w, {}, stride, padding, 0, groups);
    });
  } else if (k == "conv2d_backward") {
    // Both gradients of a forward conv2d: grad_output has the forward's output shape (worked out here, not timed).
    const auto stride = c.args.at(0), padding = c.args.at(1), groups = c.args.at(2);
    auto x = t(0), w = t(1);
    auto g = torch::randn(at::conv2d(x, w, {}, stride, padding, 1, groups).sizes(), opt);
    r.inputs = {g, x, w};
    r.call = [stride, padding, groups, in](const std::vector<c10::IValue>& v) {
      at::convolution_backward(in(v, 0), in(v, 1), in(v, 2), std::nullopt, {stride, stride}, {padding, padding},
                               {1, 1}, false, {0, 0}, groups, {true, true, false});
    };
  } else if (k == "batch_norm" || k == "instance_norm" || k == "group_norm" || k == "layer_norm" ||
             k == "rms_norm") {
    auto x = t(0);
    const int64_t channels = k == "layer_norm" || k == "rms_norm" ? x.size(-1) : x.size(1);
    auto w = torch::ones({channels}, opt), b = torch::zeros({channels}, opt);
    auto mean = torch::zeros({channels}, opt.dtype(torch::kFloat)), var = torch::ones({channels}, opt.dtype(torch::kFloat));
    if (k == "batch_norm") mean = mean.to(opt.dtype()), var = var.to(opt.dtype());
    r.inputs = {x};
    const int64_t groups = c.args.empty() ? 1 : c.args[0];
    r.call = [=](const std::vector<c10::IValue>& v) {
      auto in0 = v.at(0).toTensor();
      if (k == "batch_norm") at::batch_norm(in0, w, b, mean, var, false, 0.1, 1e-5, true);
      else if (k == "instance_norm") at::instance_norm(in0, w, b, {}, {}, true, 0.1, 1e-5, true);
      else if (k == "group_norm") at::group_norm(in0, groups, w, b);
      else if (k == "rms_norm") at::rms_norm(in0, {in0.size(-1)}, w, 1e-5);
      else at::layer_norm(in0, {in0.size(-1)}, w, b);
    };
  } else if (k == "interpolate") {
    const std::size_t spatial = c.shapes.at(0).size() - 2;
    auto options = F::InterpolateFuncOptions()
                       .scale_factor(std::vector<double>(spatial, static_cast<double>(c.args.at(0))))
                       .mode(interpolate_mode(c.text));
    if (c.text == "linear" || c.text == "bilinear" || c.text == "bicubic" || c.text == "trilinear")
      options.align_corners(false);
    r.inputs = {t(0)};
    r.call = [options](const std::vector<c10::IValue>& v) { F::interpolate(v.at(0).toTensor(), options); };
  } else if (k == "grid_sample") {
    r.inputs = {t(0), torch::rand(c.shapes.at(1), opt) * 2 - 1};
    r.call = [in](const std::vector<c10::IValue>& v) { at::grid_sampler(in(v, 0), in(v, 1), 0, 0, false); };
  } else if (k == "affine_grid") {
    const std::vector<int64_t> size = c.args;
    r.inputs = {t(0)};
    r.call = [size, in](const std::vector<c10::IValue>& v) { at::affine_grid_generator(in(v, 0), size, false); };
  } else if (k == "sdpa") {
    const bool causal = c.args.at(0) != 0;
    r.inputs = {t(0), t(1), t(2)};
    r.call = [causal, in](const std::vector<c10::IValue>& v) {
      at::scaled_dot_product_attention(in(v, 0), in(v, 1), in(v, 2), {}, 0.0, causal);
    };
  } else if (k == "lstm" || k == "gru" || k == "rnn_tanh" || k == "rnn_relu") {
    const int64_t features = c.shapes.at(0).back(), hidden = c.args.at(0), layers = c.args.at(1);
    r.inputs = {t(0)};
    if (k == "lstm") {
      auto m = std::make_shared<torch::nn::LSTMImpl>(torch::nn::LSTMOptions(features, hidden).num_layers(layers));
      m->to(opt.device(), opt.dtype().toScalarType());
      r.module = m;
      r.call = [m](const std::vector<c10::IValue>& v) { m->forward(v.at(0).toTensor()); };
    } else if (k == "gru") {
      auto m = std::make_shared<torch::nn::GRUImpl>(torch::nn::GRUOptions(features, hidden).num_layers(layers));
      m->to(opt.device(), opt.dtype().toScalarType());
      r.module = m;
      r.call = [m](const std::vector<c10::IValue>& v) { m->forward(v.at(0).toTensor()); };
    } else {
      auto o = torch::nn::RNNOptions(features, hidden).num_layers(layers);
      o.nonlinearity(k == "rnn_tanh" ? torch::nn::RNNOptions::nonlinearity_t(torch::kTanh)
                                     : torch::nn::RNNOptions::nonlinearity_t(torch::kReLU));
      auto m = std::make_shared<torch::nn::RNNImpl>(o);
      m->to(opt.device(), opt.dtype().toScalarType());
      r.module = m;
      r.call = [m](const std::vector<c10::IValue>& v) { m->forward(v.at(0).toTensor()); };
    }
  } else if (k == "fft" || k == "rfft") {
    // fft on a complex tensor of the case's precision (half: complex32), rfft on a real one.
    r.inputs = {k == "fft" ? torch::complex(t(0), t(0)) : t(0)};
    r.call = [k, in](const std::vector<c10::IValue>& v) {
      if (k == "fft") at::fft_fft(in(v, 0));
      else at::fft_rfft(in(v, 0));
    };
  } else if (k == "stft") {
    // centred frames (the overload torch.stft's padding is), a Hann window of n_fft, complex out
    const int64_t n_fft = c.args.at(0), hop = c.args.at(1);
    const auto window = torch::hann_window(n_fft, opt);
    r.inputs = {t(0)};
    r.call = [n_fft, hop, window, in](const std::vector<c10::IValue>& v) {
      at::stft(in(v, 0), n_fft, hop, n_fft, window, /*center=*/true, "reflect", /*normalized=*/false,
               /*onesided=*/true, /*return_complex=*/true);
    };
  } else if (k == "solve_triangular") {
    // A lower-triangular system with a dominant diagonal (well conditioned in every precision), B its right-hand sides.
    const int64_t m = c.shapes.at(0).back();
    auto a = torch::tril(t(0)) + m * torch::eye(m, opt);
    r.inputs = {t(1)};
    r.call = [a, in](const std::vector<c10::IValue>& v) { at::linalg_solve_triangular(a, in(v, 0), /*upper=*/false); };
  } else if (k == "lu_factor" || k == "det" || k == "inv" || k == "cholesky" || k == "cholesky_inverse" ||
             k == "lu_solve" || k == "solve" || k == "cholesky_solve") {
    // A symmetric positive definite A (G G^T / n + I), factored here, untimed, where the op takes a factor.
    const int64_t n = c.shapes.at(0).back();
    auto g = t(0);
    auto a = at::matmul(g, g.mT()) / n + torch::eye(n, opt);
    auto lower = at::linalg_cholesky(a);
    auto factor = at::linalg_lu_factor(a);
    auto lu = std::get<0>(factor), pivots = std::get<1>(factor);
    const bool solves = k == "lu_solve" || k == "solve" || k == "cholesky_solve";
    r.inputs = {solves ? t(1) : (k == "cholesky_inverse" ? lower : a)};
    r.call = [k, a, lower, lu, pivots, in](const std::vector<c10::IValue>& v) {
      auto x = in(v, 0);
      if (k == "lu_factor") at::linalg_lu_factor(x);
      else if (k == "det") at::linalg_det(x);
      else if (k == "inv") at::linalg_inv(x);
      else if (k == "cholesky") at::linalg_cholesky(x);
      else if (k == "cholesky_inverse") at::cholesky_inverse(x);
      else if (k == "lu_solve") at::linalg_lu_solve(lu, pivots, x);
      else if (k == "solve") at::linalg_solve(a, x);
      else at::cholesky_solve(x, lower);
    };
  } else if (k == "embedding" || k == "embedding_bag") {
    const auto& w = c.shapes.at(1);
    auto weight = torch::randn(w, opt);
    r.inputs = {torch::randint(w[0], c.shapes.at(0), opt.dtype(torch::kLong))};
    if (k == "embedding")
      r.call = [weight](const std::vector<c10::IValue>& v) { at::embedding(weight, v.at(0).toTensor()); };
    else
      r.call = [weight](const std::vector<c10::IValue>& v) {
        F::embedding_bag(v.at(0).toTensor(), weight, F::EmbeddingBagFuncOptions().mode(torch::kSum));
      };
  } else if (k == "batch_norm_backward" || k == "layer_norm_backward" || k == "group_norm_backward" ||
             k == "rms_norm_backward") {
    // Every gradient of a training-mode norm, with the statistics its forward saved (computed here, not timed).
    auto x = t(0);
    const int64_t channels = k == "layer_norm_backward" || k == "rms_norm_backward" ? x.size(-1) : x.size(1);
    auto w = torch::ones({channels}, opt), b = torch::zeros({channels}, opt);
    auto g = torch::randn(x.sizes(), opt);
    r.inputs = {g, x};
    if (k == "layer_norm_backward") {
      auto [out, mean, rstd] = at::native_layer_norm(x, {channels}, w, b, 1e-5);
      r.call = [=](const std::vector<c10::IValue>& v) {
        at::native_layer_norm_backward(in(v, 0), in(v, 1), {channels}, mean, rstd, w, b, {true, true, true});
      };
    } else if (k == "rms_norm_backward") {  // CUDA's fused kernel, the backward a training step runs there
      auto [out, rstd] = at::_fused_rms_norm(x, {channels}, w, 1e-5);
      r.call = [=](const std::vector<c10::IValue>& v) {
        at::_fused_rms_norm_backward(in(v, 0), in(v, 1), {channels}, rstd, w, {true, true});
      };
    } else if (k == "group_norm_backward") {
      const int64_t groups = c.args.at(0), n = x.size(0), hw = x.numel() / (n * channels);
      auto [out, mean, rstd] = at::native_group_norm(x, w, b, n, channels, hw, groups, 1e-5);
      r.call = [=](const std::vector<c10::IValue>& v) {
        at::native_group_norm_backward(in(v, 0), in(v, 1), mean, rstd, w, n, channels, hw, groups, {true, true, true});
      };
    } else {
      auto [out, save_mean, save_invstd] = at::native_batch_norm(x, w, b, {}, {}, true, 0.1, 1e-5);
      r.call = [=](const std::vector<c10::IValue>& v) {
        at::native_batch_norm_backward(in(v, 0), in(v, 1), w, {}, {}, save_mean, save_invstd, true, 1e-5,
                                       {true, true, true});
      };
    }
  } else if (k == "embedding_backward") {
    // The gradient rows added into a [V, D] table's gradient at the indices.
    const auto& w = c.shapes.at(1);
    auto indices = torch::randint(w[0], c.shapes.at(0), opt.dtype(torch::kLong));
    std::vector<int64_t> grad_shape = c.shapes.at(0);
    grad_shape.push_back(w[1]);
    r.inputs = {torch::randn(grad_shape, opt), indices};
    const int64_t rows = w[0];
    r.call = [rows, in](const std::vector<c10::IValue>& v) {
      at::embedding_dense_backward(in(v, 0), in(v, 1), rows, -1, false);
    };
  } else if (k == "adaptive_avg_pool2d") {
    const int64_t out = c.args.at(0);
    r.inputs = {t(0)};
    r.call = [out](const std::vector<c10::IValue>& v) { at::adaptive_avg_pool2d(v.at(0).toTensor(), {out, out}); };
  } else if (k == "adaptive_avg_pool2d_backward") {
    // The gradient of a forward to out x out, back to the input's shape.
    const int64_t out = c.args.at(0);
    auto x = t(0);
    r.inputs = {torch::randn({x.size(0), x.size(1), out, out}, opt), x};
    r.call = [in](const std::vector<c10::IValue>& v) { at::_adaptive_avg_pool2d_backward(in(v, 0), in(v, 1)); };
  } else if (k == "interpolate_backward") {
    const auto& shape = c.shapes.at(0);
    const int64_t scale = c.args.at(0);
    const std::vector<int64_t> out_size{shape[2] * scale, shape[3] * scale};
    const std::vector<int64_t> in_size(shape.begin(), shape.end());
    r.inputs = {torch::randn({shape[0], shape[1], out_size[0], out_size[1]}, opt)};
    const bool nearest = c.text == "nearest";
    r.call = [nearest, out_size, in_size](const std::vector<c10::IValue>& v) {
      if (nearest) at::upsample_nearest2d_backward(v.at(0).toTensor(), out_size, in_size);
      else at::upsample_bilinear2d_backward(v.at(0).toTensor(), out_size, in_size, false);
    };
  } else if (k == "grid_sample_backward") {
    auto x = t(0), grid = torch::rand(c.shapes.at(1), opt) * 2 - 1;
    const auto& g = c.shapes.at(1);
    r.inputs = {torch::randn({g[0], x.size(1), g[1], g[2]}, opt), x, grid};
    r.call = [in](const std::vector<c10::IValue>& v) {
      at::grid_sampler_2d_backward(in(v, 0), in(v, 1), in(v, 2), 0, 0, false, {true, true});
    };
  } else if (k == "grouped_mm") {
    // Tokens split over the experts as evenly as they go; offsets are int32 on the device, as the op needs.
    const int64_t tokens = c.shapes.at(0).at(0), experts = c.shapes.at(1).at(0);
    std::vector<int32_t> ends;
    for (int64_t g = 1; g <= experts; ++g) ends.push_back(static_cast<int32_t>(tokens * g / experts));
    auto offs = torch::tensor(ends, opt.dtype(torch::kInt));
    r.inputs = {t(0), t(1)};
    r.call = [offs, in](const std::vector<c10::IValue>& v) { at::_grouped_mm(in(v, 0), in(v, 1), offs); };
  } else if (k == "scaled_mm") {
    // cuBLASLt's FP8 layout: A row-major, B column-major (the transpose of a row-major [N,K]), one float32 scale
    // per operand, a bf16 output. randn has no FP8 kernel: the values are drawn in bf16 and rounded.
    auto fp8 = [&](std::int64_t rows, std::int64_t cols) {
      return torch::randn({rows, cols}, opt.dtype(torch::kBFloat16)).to(opt.dtype());
    };
    const auto &a = c.shapes.at(0), &b = c.shapes.at(1);
    auto scale = torch::ones({}, opt.dtype(torch::kFloat));
    r.inputs = {fp8(a[0], a[1]), fp8(b[1], b[0]).t()};
    r.call = [scale, in](const std::vector<c10::IValue>& v) {
      at::_scaled_mm(in(v, 0), in(v, 1), scale, scale, std::nullopt, std::nullopt, at::kBFloat16);
    };
  } else if (k == "tensordot") {
    two([](auto a, auto b) { at::tensordot(a, b, {a.dim() - 1}, {0}); });
  } else if (k == "inner") {
    two([](auto a, auto b) { at::inner(a, b); });
  } else if (k == "vecdot") {
    two([](auto a, auto b) { at::linalg_vecdot(a, b); });
  } else if (k == "matrix_power") {
    // Scaled by 1/sqrt(m), a random matrix's powers stay near unit size: no overflow to inf in float16.
    const auto m = static_cast<double>(c.shapes.at(0).back());
    const int64_t n = c.args.at(0);
    r.inputs = {t(0) / std::sqrt(m)};
    r.call = [n, in](const std::vector<c10::IValue>& v) { at::linalg_matrix_power(in(v, 0), n); };
  } else if (k == "multi_dot") {
    r.inputs = {t(0), t(1), t(2)};
    r.call = [in](const std::vector<c10::IValue>& v) { at::linalg_multi_dot({in(v, 0), in(v, 1), in(v, 2)}); };
  } else if (k == "bilinear") {
    r.inputs = {t(0), t(1), t(2)};
    r.call = [in](const std::vector<c10::IValue>& v) { at::bilinear(in(v, 0), in(v, 1), in(v, 2), {}); };
  } else if (k == "cdist") {
    two([](auto a, auto b) { at::cdist(a, b); });
  } else if (k == "native_mha") {
    const int64_t embed = c.shapes.at(0).back(), heads = c.args.at(0);
    auto qkv_w = torch::randn({3 * embed, embed}, opt), qkv_b = torch::zeros({3 * embed}, opt);
    auto proj_w = torch::randn({embed, embed}, opt), proj_b = torch::zeros({embed}, opt);
    r.inputs = {t(0)};
    r.call = [=](const std::vector<c10::IValue>& v) {
      auto q = v.at(0).toTensor();
      at::_native_multi_head_attention(q, q, q, embed, heads, qkv_w, qkv_b, proj_w, proj_b, {}, false);
    };
  } else if (k == "encoder_layer") {
    const int64_t embed = c.shapes.at(0).back(), heads = c.args.at(0), ffn = c.args.at(1);
    auto w = [&](std::vector<int64_t> shape) { return torch::randn(shape, opt); };
    auto qkv_w = w({3 * embed, embed}), qkv_b = w({3 * embed}), proj_w = w({embed, embed}), proj_b = w({embed});
    auto norm_w = torch::ones({embed}, opt), norm_b = torch::zeros({embed}, opt);
    auto ffn_w1 = w({ffn, embed}), ffn_b1 = w({ffn}), ffn_w2 = w({embed, ffn}), ffn_b2 = w({embed});
    r.inputs = {t(0)};
    r.call = [=](const std::vector<c10::IValue>& v) {
      at::_transformer_encoder_layer_fwd(v.at(0).toTensor(), embed, heads, qkv_w, qkv_b, proj_w, proj_b, false, false,
                                         1e-5, norm_w, norm_b, norm_w, norm_b, ffn_w1, ffn_b1, ffn_w2, ffn_b2, {}, {});
    };
  } else {
    throw InvalidInput("validate-ops does not know how to call '" + k + "'");
  }
  return r;
}

// A case's dtype as a tensor's: the float sweep's are the analysis's own; FP8 only validate-ops takes.
c10::ScalarType case_scalar_type(const std::string& dtype) {
  return dtype == "float8_e4m3fn" ? c10::kFloat8_e4m3fn : parse_dtype(dtype);
}

std::vector<gpu::ValidateCase> selected_cases(const ValidateOpsOptions& o, std::vector<std::string>* uncovered) {
  for (const auto& d : o.dtypes)
    if (std::find(gpu::kCaseDtypes.begin(), gpu::kCaseDtypes.end(), d) == gpu::kCaseDtypes.end()) {
      std::string known;
      for (const auto& k : gpu::kCaseDtypes) known += (known.empty() ? "" : ", ") + k;
      throw InvalidInput("validate-ops has no cases in dtype '" + d + "' (use " + known + ")");
    }
  std::vector<std::string> none;
  auto cases = gpu::validate_cases(count::shared_op_set(o.op_set), o.dtypes, uncovered != nullptr ? uncovered : &none);
  if (o.family.empty()) return cases;
  std::vector<gpu::ValidateCase> keep;
  for (auto& c : cases)
    if (c.family == o.family) keep.push_back(std::move(c));
  if (keep.empty()) throw InvalidInput("no validate-ops case for family '" + o.family + "' in op set " + o.op_set);
  return keep;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

namespace gpu {

Options case_analysis_options(const ValidateOpsOptions& options, std::vector<c10::IValue> inputs) {
  Options analysis;
  analysis.inputs = std::move(inputs);
  analysis.op_set = options.op_set;
  analysis.show_table = analysis.show_arch = false;
  analysis.device = "cuda";
  analysis.gpu.timing = false;    // the case's counters come from its own range-profiler run
  analysis.gpu.counters = false;
  analysis.gpu.nvtx = false;
  return analysis;
}

}  // namespace gpu

std::vector<ValidateOpsCase> validate_ops_cases(const ValidateOpsOptions& options, std::vector<std::string>* uncovered) {
  std::vector<ValidateOpsCase> out;
  for (const auto& c : selected_cases(options, uncovered)) out.push_back({c.family, c.label});
  return out;
}

std::vector<ValidateOpsRow> validate_ops(const ValidateOpsOptions& options) {
  const auto cases = selected_cases(options, nullptr);
  const CudaStatus cuda = probe_cuda();
  if (!cuda.available) {
    throw CudaUnavailable("validate-ops runs each op on a GPU, and there is no CUDA device here (" + cuda.reason +
                          "); use --list to see the cases");
  }
  require_cuda();  // LibTorch's CUDA half
  if (!torch::cuda::is_available())
    throw CudaUnavailable("validate-ops runs each op on a GPU, and LibTorch sees no CUDA device; use --list to see "
                          "the cases");
  std::vector<ValidateOpsRow> rows;
  for (const auto& c : cases) {
    ValidateOpsRow row;
    row.op = {c.family, c.label};
    try {
      auto opt = torch::TensorOptions().device(torch::kCUDA).dtype(case_scalar_type(c.dtype));
      Runnable r = make_runnable(c, opt);
      torch::NoGradGuard no_grad;
      r.call(r.inputs);  // warm-up: library handles, workspaces and autotuning stay out of the counter pass
      torch::cuda::synchronize();
      torch::nn::Module holder;
      const Options analysis = gpu::case_analysis_options(options, r.inputs);
      const ForwardFn call = [&r](const std::vector<c10::IValue>& args) {
        r.call(args);
        return c10::IValue();  // a case has no output the analysis needs
      };
      row.analytic_flops = 2.0 * static_cast<double>(analyze(holder, call, analysis).flops);  // 2 per MAC
      gpu::RangeProfilerOptions ropt;
      ropt.tensor_dtypes = gpu::tensor_dtypes_for({c.dtype});
      gpu::CounterReport report = cuda::run_range_profiler(
          cuda, [&](const std::function<void()>&) { r.call(r.inputs); torch::cuda::synchronize(); }, ropt);
      if (!report.ran) throw CudaUnavailable(report.skipped_reason);  // the same for every case: stop
      row.kernels = report.kernels.size();
      for (const auto& k : report.kernels) {
        for (const auto& [cls, f] : gpu::flops_by_class(k)) {
          row.measured_flops += f;
          if (cls.size() > 3 && cls.compare(cls.size() - 3, 3, "_tc") == 0) row.tensor_flops += f;
        }
      }
      const double ratio = row.ratio();
      row.outside = ratio < 0 || std::fabs(ratio - 1) > options.tolerance;
    } catch (const CudaUnavailable&) {
      throw;
    } catch (const std::exception& e) {
      row.not_run = first_line(e.what());
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace flopscope
