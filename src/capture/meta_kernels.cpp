// Output shapes on the meta device for ops whose Meta kernels LibTorch's C++ runtime does not have. Each
// kernel only computes sizes (from the formulas in PyTorch's documentation of the op) and makes an empty
// meta tensor; nothing is read.
#include "capture/meta_kernels.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/ExpandUtils.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/result_type.h>
#include <c10/core/WrapDimMinimal.h>
#include <torch/library.h>

#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

namespace flopscope::capture {
namespace {

std::int64_t at_or_first(c10::IntArrayRef values, std::size_t i) {
  return values.size() == 1 ? values[0] : values.at(i);  // a one-element list applies to every dimension
}

c10::MemoryFormat format_of(const at::Tensor& input) {
  // CPU and CUDA convolutions return channels-last outputs for channels-last inputs.
  auto suggested = input.suggest_memory_format();
  return suggested;
}

// convolution_overrideable is where aten::_convolution sends a device it has no backend for (meta among
// them). Output: [N, C_out, spatial...]; C_out = weight[0], or weight[1] * groups when transposed;
//   spatial_i = (in_i + 2 p_i - d_i (k_i - 1) - 1) / s_i + 1                      (convolution)
//   spatial_i = (in_i - 1) s_i - 2 p_i + d_i (k_i - 1) + output_padding_i + 1    (transposed)
at::Tensor convolution_meta(const at::Tensor& input, const at::Tensor& weight, const std::optional<at::Tensor>& /*bias*/,
                            c10::IntArrayRef stride, c10::IntArrayRef padding, c10::IntArrayRef dilation,
                            bool transposed, c10::IntArrayRef output_padding, std::int64_t groups) {
  const std::int64_t spatial = weight.dim() - 2;
  TORCH_CHECK(spatial >= 1, "convolution: weight must have at least 3 dimensions, got ", weight.sizes());
  const bool batched = input.dim() == weight.dim();
  TORCH_CHECK(batched || input.dim() == weight.dim() - 1, "convolution: expected a ", weight.dim(), "-D or ",
              weight.dim() - 1, "-D input for a ", weight.dim(), "-D weight, got ", input.sizes());
  const std::int64_t first_spatial = batched ? 2 : 1;
  const std::int64_t in_channels = input.size(first_spatial - 1);
  const std::int64_t expected_in = transposed ? weight.size(0) : weight.size(1) * groups;
  TORCH_CHECK(in_channels == expected_in, "convolution: input has ", in_channels, " channels but the weight ",
              weight.sizes(), " with groups=", groups, " expects ", expected_in);
  std::vector<std::int64_t> out;
  if (batched) out.push_back(input.size(0));
  out.push_back(transposed ? weight.size(1) * groups : weight.size(0));
  for (std::int64_t i = 0; i < spatial; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const std::int64_t in = input.size(first_spatial + i);
    const std::int64_t s = at_or_first(stride, k), p = at_or_first(padding, k), d = at_or_first(dilation, k);
    const std::int64_t kernel = weight.size(2 + i);
    std::int64_t size = transposed ? (in - 1) * s - 2 * p + d * (kernel - 1) + at_or_first(output_padding, k) + 1
                                   : (in + 2 * p - d * (kernel - 1) - 1) / s + 1;
    TORCH_CHECK(size > 0, "convolution: the kernel (", kernel, ", dilation ", d, ") does not fit the padded input (",
                in, " + 2*", p, ")");
    out.push_back(size);
  }
  auto options = input.options();
  return batched && spatial <= 3 ? at::empty(out, options, format_of(input)) : at::empty(out, options);
}

// native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)
//   -> (output: input's shape, save_mean, save_invstd)
// The saved statistics are per channel (dimension 1) in training and empty in evaluation, as the CPU kernel
// returns them. Running statistics would be updated in place: meta tensors have nothing to update.
std::tuple<at::Tensor, at::Tensor, at::Tensor> native_batch_norm_meta(
    const at::Tensor& input, const std::optional<at::Tensor>& /*weight*/, const std::optional<at::Tensor>& /*bias*/,
    const std::optional<at::Tensor>& /*running_mean*/, const std::optional<at::Tensor>& /*running_var*/,
    bool training, double /*momentum*/, double /*eps*/) {
  TORCH_CHECK(input.dim() >= 2, "batch_norm: expected an input with at least 2 dimensions, got ", input.sizes());
  const std::int64_t stats = training ? input.size(1) : 0;
  auto out = at::empty(input.sizes(), input.options(), input.suggest_memory_format());
  return {out, at::empty({stats}, input.options()), at::empty({stats}, input.options())};
}

// Ops whose output has the input's shape and dtype: relu(self), roll(self, shifts, dims).
at::Tensor relu_meta(const at::Tensor& self) { return at::empty(self.sizes(), self.options(), self.suggest_memory_format()); }

at::Tensor roll_meta(const at::Tensor& self, c10::IntArrayRef shifts, c10::IntArrayRef dims) {
  TORCH_CHECK(!shifts.empty(), "roll: shifts must not be empty");
  TORCH_CHECK(dims.empty() || dims.size() == shifts.size(), "roll: shifts and dims must have the same length");
  return at::empty(self.sizes(), self.options());
}

// index_select(self, dim, index): self's shape with dimension `dim` replaced by the number of indices.
at::Tensor index_select_meta(const at::Tensor& self, std::int64_t dim, const at::Tensor& index) {
  TORCH_CHECK(index.dim() <= 1, "index_select: index must be a vector, got ", index.sizes());
  if (self.dim() == 0) return at::empty({}, self.options());
  const std::int64_t d = c10::maybe_wrap_dim(dim, self.dim());
  auto sizes = self.sizes().vec();
  sizes[static_cast<std::size_t>(d)] = index.numel();
  return at::empty(sizes, self.options());
}

// where(condition, self, other): the three shapes broadcast; the dtype promoted from self and other.
at::Tensor where_meta(const at::Tensor& condition, const at::Tensor& self, const at::Tensor& other) {
  auto sizes = at::infer_size(at::infer_size(condition.sizes(), self.sizes()), other.sizes());
  return at::empty(sizes, self.options().dtype(at::result_type(self, other)));
}

at::Tensor& where_out_meta(const at::Tensor& condition, const at::Tensor& self, const at::Tensor& other, at::Tensor& out) {
  out.resize_(at::infer_size(at::infer_size(condition.sizes(), self.sizes()), other.sizes()));
  return out;
}

// _adaptive_avg_pool2d(self, output_size): [..., H, W] -> [..., oH, oW].
at::Tensor adaptive_avg_pool2d_meta(const at::Tensor& self, c10::IntArrayRef output_size) {
  TORCH_CHECK(self.dim() == 3 || self.dim() == 4, "adaptive_avg_pool2d: expected a 3-D or 4-D input, got ", self.sizes());
  TORCH_CHECK(output_size.size() == 2, "adaptive_avg_pool2d: output_size must have 2 elements");
  auto sizes = self.sizes().vec();
  sizes[sizes.size() - 2] = output_size[0];
  sizes[sizes.size() - 1] = output_size[1];
  return at::empty(sizes, self.options());
}

// floor_divide(self, other): the shapes broadcast, the dtype promoted (MoE routing: expert index from a
// flat position).
at::Tensor floor_divide_meta(const at::Tensor& self, const at::Tensor& other) {
  return at::empty(at::infer_size(self.sizes(), other.sizes()), self.options().dtype(at::result_type(self, other)));
}

// abs.out(self, out): out takes self's shape (T5's relative position buckets).
at::Tensor& abs_out_meta(const at::Tensor& self, at::Tensor& out) {
  out.resize_(self.sizes());
  return out;
}

// histc(self, bins, min, max): its values need the input's, but its shape is [bins] whatever they are. MoE
// routing (Mixtral) counts tokens per expert with it; the counts only become _grouped_mm's offsets, which no
// formula reads.
at::Tensor histc_meta(const at::Tensor& self, std::int64_t bins, const at::Scalar& /*min*/, const at::Scalar& /*max*/) {
  TORCH_CHECK(bins > 0, "histc: bins must be > 0, got ", bins);
  return at::empty({bins}, self.options());
}

// _grouped_mm(A, B, offs, bias, out_dtype), the MoE experts' product (count/contraction.cpp has the forms):
//   A[T,K] B[G,K,N] -> [T,N];  A[G,M,K] B[K,N] -> [M,N];  A[M,K] B[K,N] -> [G,M,N] (G = offs' length);
//   A[G,M,K] B[G,K,N] -> [G,M,N]
at::Tensor grouped_mm_meta(const at::Tensor& a, const at::Tensor& b, const std::optional<at::Tensor>& offs,
                           const std::optional<at::Tensor>& /*bias*/, std::optional<c10::ScalarType> out_dtype) {
  TORCH_CHECK((a.dim() == 2 || a.dim() == 3) && (b.dim() == 2 || b.dim() == 3), "_grouped_mm: expected 2-D or 3-D "
              "operands, got ", a.sizes(), " and ", b.sizes());
  std::vector<std::int64_t> out;
  if (a.dim() == 2 && b.dim() == 3) out = {a.size(0), b.size(2)};
  if (a.dim() == 3 && b.dim() == 2) out = {a.size(1), b.size(1)};
  if (a.dim() == 2 && b.dim() == 2) {
    TORCH_CHECK(offs.has_value(), "_grouped_mm: two 2-D operands need offs");
    out = {offs->size(0), a.size(0), b.size(1)};
  }
  if (a.dim() == 3 && b.dim() == 3) out = {a.size(0), a.size(1), b.size(2)};
  return at::empty(out, a.options().dtype(out_dtype.value_or(a.scalar_type())));
}

// _cdist_forward(x1[...,P,M], x2[...,R,M], p, compute_mode) -> [..., P, R], the batch dims broadcast.
at::Tensor cdist_forward_meta(const at::Tensor& x1, const at::Tensor& x2, double /*p*/,
                              std::optional<std::int64_t> /*compute_mode*/) {
  TORCH_CHECK(x1.dim() >= 2 && x2.dim() >= 2 && x1.size(-1) == x2.size(-1), "cdist: expected x1[...,P,M] and "
              "x2[...,R,M], got ", x1.sizes(), " and ", x2.sizes());
  auto batch = at::infer_size(x1.sizes().slice(0, x1.dim() - 2), x2.sizes().slice(0, x2.dim() - 2));
  batch.push_back(x1.size(-2));
  batch.push_back(x2.size(-2));
  return at::empty(batch, x1.options());
}

// _native_multi_head_attention(query[B,L,E], key[B,S,E], value, embed_dim, heads, ..., need_weights,
// average_attn_weights) -> (output [B,L,E], weights: [B,L,S] averaged, [B,heads,L,S], or empty without).
std::tuple<at::Tensor, at::Tensor> native_mha_meta(
    const at::Tensor& query, const at::Tensor& key, const at::Tensor& /*value*/, std::int64_t embed_dim,
    std::int64_t heads, const at::Tensor& /*qkv_weight*/, const at::Tensor& /*qkv_bias*/,
    const at::Tensor& /*proj_weight*/, const at::Tensor& /*proj_bias*/, const std::optional<at::Tensor>& /*mask*/,
    bool need_weights, bool average_weights, std::optional<std::int64_t> /*mask_type*/) {
  TORCH_CHECK(query.dim() == 3 && key.dim() == 3, "_native_multi_head_attention: expected [B,L,E] inputs, got ",
              query.sizes(), " and ", key.sizes());
  auto out = at::empty({query.size(0), query.size(1), embed_dim}, query.options());
  if (!need_weights) return {out, at::empty({0}, query.options())};
  if (average_weights) return {out, at::empty({query.size(0), query.size(1), key.size(1)}, query.options())};
  return {out, at::empty({query.size(0), heads, query.size(1), key.size(1)}, query.options())};
}

// _weight_norm_interface(v, g, dim) -> (w, norms): w has v's shape, the norms g's (wav2vec2's positional
// convolution).
std::tuple<at::Tensor, at::Tensor> weight_norm_meta(const at::Tensor& v, const at::Tensor& g, std::int64_t /*dim*/) {
  return {at::empty(v.sizes(), v.options()), at::empty(g.sizes(), g.options())};
}

bool lacks_meta_kernel(const char* name, const char* overload) {
  auto op = c10::Dispatcher::singleton().findSchema({name, overload});
  return op.has_value() && !op->hasKernelForDispatchKey(c10::DispatchKey::Meta);
}

}  // namespace

namespace {

// The registrations, while any MetaKernels lives; destroying the Library deregisters every kernel it added.
std::mutex g_mutex;
std::size_t g_holders = 0;
std::unique_ptr<torch::Library> g_library;

void register_kernels(torch::Library& library) {
  if (lacks_meta_kernel("aten::convolution_overrideable", ""))
    library.impl("convolution_overrideable", TORCH_FN(convolution_meta));
  if (lacks_meta_kernel("aten::native_batch_norm", "")) library.impl("native_batch_norm", TORCH_FN(native_batch_norm_meta));
  if (lacks_meta_kernel("aten::relu", "")) library.impl("relu", TORCH_FN(relu_meta));
  if (lacks_meta_kernel("aten::roll", "")) library.impl("roll", TORCH_FN(roll_meta));
  if (lacks_meta_kernel("aten::index_select", "")) library.impl("index_select", TORCH_FN(index_select_meta));
  if (lacks_meta_kernel("aten::where", "self")) library.impl("where.self", TORCH_FN(where_meta));
  if (lacks_meta_kernel("aten::where", "self_out")) library.impl("where.self_out", TORCH_FN(where_out_meta));
  if (lacks_meta_kernel("aten::floor_divide", "")) library.impl("floor_divide", TORCH_FN(floor_divide_meta));
  if (lacks_meta_kernel("aten::abs", "out")) library.impl("abs.out", TORCH_FN(abs_out_meta));
  if (lacks_meta_kernel("aten::histc", "")) library.impl("histc", TORCH_FN(histc_meta));
  if (lacks_meta_kernel("aten::_grouped_mm", "")) library.impl("_grouped_mm", TORCH_FN(grouped_mm_meta));
  if (lacks_meta_kernel("aten::_cdist_forward", "")) library.impl("_cdist_forward", TORCH_FN(cdist_forward_meta));
  if (lacks_meta_kernel("aten::_native_multi_head_attention", ""))
    library.impl("_native_multi_head_attention", TORCH_FN(native_mha_meta));
  if (lacks_meta_kernel("aten::_weight_norm_interface", ""))
    library.impl("_weight_norm_interface", TORCH_FN(weight_norm_meta));
  if (lacks_meta_kernel("aten::_adaptive_avg_pool2d", ""))
    library.impl("_adaptive_avg_pool2d", TORCH_FN(adaptive_avg_pool2d_meta));
}

}  // namespace

MetaKernels::MetaKernels() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_holders++ > 0) return;
  g_library = std::make_unique<torch::Library>(torch::Library::IMPL, "aten", c10::DispatchKey::Meta, __FILE__, __LINE__);
  register_kernels(*g_library);
}

MetaKernels::~MetaKernels() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (--g_holders == 0) g_library.reset();
}

}  // namespace flopscope::capture
