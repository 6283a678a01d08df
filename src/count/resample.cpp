// Resampling: a fixed cost per output element, the number of input taps each output reads.
//   nearest (any dim, "exact" too)  1     (mmengine counts its copy as 1)
//   linear 1-D                      2
//   bilinear 2-D (and antialiased)  4
//   bicubic 2-D                     16
//   trilinear 3-D                   8
//   grid_sampler                    4     (mmengine assumes bilinear)
// affine_grid_generator(theta, size) makes the grid (default on): each output coordinate is a row of theta times
// (x, y, 1), or (x, y, z, 1): numel(output) * (spatial dims + 1) multiply-adds, the batched product torch runs.
// mmengine counts upsample_nearest2d, upsample_bilinear2d and grid_sampler; default adds the other forms.
// all adds torchvision's RoIAlign (the box head of Faster/Mask/Keypoint R-CNN), whose output element is the mean of
// s x s bilinear samples (s = sampling_ratio, each way):
//   torchvision::roi_align                  numel(output) * (4 s^2 + 1)   (4 taps per sample, the mean's division)
//   torchvision::_roi_align_backward        numel(grad) * (4 s^2 + 1)     (grad / count scattered over the taps)
// With sampling_ratio <= 0 each box takes ceil(its size / the output size) samples: its values decide the count, a
// formula error.
// A training step's backward scatters each output gradient back over the same taps:
//   upsample *_backward(grad_output, ...)   taps * numel(grad_output)
//   grid_sampler_2d_backward                4 * numel(grad_output) for the input's gradient, and for the grid's
//                                           8 (two coordinates, four taps), by output_mask
#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

template <int Taps>
Count per_output(const OpRecord& r) {
  return mul(Taps, product(output_shape(r)));
}

template <int Taps>
Count per_gradient(const OpRecord& r) {
  return mul(Taps, product(input_shape(r, 0)));
}

// grid_sampler_2d_backward(grad_output, input, grid, interpolation_mode, padding_mode, align_corners, output_mask)
Count grid_sampler_backward_macs(const OpRecord& r) {
  const Value& mask = input(r, 6);
  require(mask.kind == Value::Kind::IntList && mask.sizes.size() == 2, r, "expected output_mask[2]");
  const Count per = (mask.sizes[0] != 0 ? 4 : 0) + (mask.sizes[1] != 0 ? 8 : 0);
  return mul(per, product(input_shape(r, 0)));
}

// affine_grid_generator(theta[N, k, k + 1], size[N, C, spatial...], align_corners): a grid [N, spatial..., k].
Count affine_grid_macs(const OpRecord& r) {
  const Value& size = input(r, 1);
  require(size.kind == Value::Kind::IntList && (size.sizes.size() == 4 || size.sizes.size() == 5), r,
          "expects size [N, C, H, W] or [N, C, D, H, W]");
  const auto k = static_cast<std::int64_t>(size.sizes.size()) - 2;
  Count points = size.sizes[0];
  for (std::size_t i = 2; i < size.sizes.size(); ++i) points = mul(points, size.sizes[i]);
  return mul(points, k, k + 1);
}

// torchvision::roi_align(input, rois, spatial_scale, pooled_height, pooled_width, sampling_ratio, aligned) and
// _roi_align_backward(grad, rois, spatial_scale, pooled_height, pooled_width, batch_size, channels, height, width,
// sampling_ratio, aligned): per output (or gradient) element, sampling_ratio^2 bilinear samples and their mean.
template <std::size_t SamplingAt, bool Backward>
Count roi_align_macs(const OpRecord& r) {
  const Value& ratio = input(r, SamplingAt);
  require(ratio.kind == Value::Kind::Int, r, "expects sampling_ratio, an int");
  require(ratio.number > 0, r,
          "samples each box adaptively (sampling_ratio <= 0: as many samples as the box's size asks), so its values "
          "decide the count");
  const auto s = static_cast<Count>(ratio.number);
  return mul(Backward ? product(input_shape(r, 0)) : product(output_shape(r)), add(mul(4, s, s), 1));
}

}  // namespace

void add_resample_handlers(OpSet& set, Tier tier) {
  set.flops["aten::upsample_nearest2d"] = {"upsample_nearest2d", per_output<1>, "numel(output)"};
  set.flops["aten::upsample_bilinear2d"] = {"upsample_bilinear2d", per_output<4>, "4*numel(output)"};
  set.flops["aten::grid_sampler"] = {"grid_sampler", per_output<4>, "4*numel(output) (bilinear)"};
  if (tier < Tier::standard) return;
  // A training step's backward.
  set.flops["aten::upsample_nearest2d_backward"] = {"upsample_backward", per_gradient<1>, "numel(grad_output)"};
  set.flops["aten::upsample_bilinear2d_backward"] = {"upsample_backward", per_gradient<4>, "4*numel(grad_output)"};
  set.flops["aten::grid_sampler_2d_backward"] = {"grid_sampler_backward", grid_sampler_backward_macs,
                                                 "numel(grad_output)*(4 input, 8 grid, by output_mask)"};
  for (const char* op : {"upsample_nearest1d_backward", "upsample_nearest3d_backward", "_upsample_nearest_exact1d_backward",
                         "_upsample_nearest_exact2d_backward", "_upsample_nearest_exact3d_backward"})
    set.flops[std::string("aten::") + op] = {"upsample_backward", per_gradient<1>, "numel(grad_output)"};
  set.flops["aten::upsample_linear1d_backward"] = {"upsample_backward", per_gradient<2>, "2*numel(grad_output)"};
  set.flops["aten::upsample_bicubic2d_backward"] = {"upsample_backward", per_gradient<16>, "16*numel(grad_output)"};
  set.flops["aten::upsample_trilinear3d_backward"] = {"upsample_backward", per_gradient<8>, "8*numel(grad_output)"};
  for (const char* op : {"upsample_nearest1d", "upsample_nearest3d", "_upsample_nearest_exact1d",
                         "_upsample_nearest_exact2d", "_upsample_nearest_exact3d"})
    set.flops[std::string("aten::") + op] = {op, per_output<1>, "numel(output)"};
  set.flops["aten::upsample_linear1d"] = {"upsample_linear1d", per_output<2>, "2*numel(output)"};
  set.flops["aten::_upsample_bilinear2d_aa"] = {"upsample_bilinear2d", per_output<4>, "4*numel(output)"};
  set.flops["aten::upsample_bicubic2d"] = {"upsample_bicubic2d", per_output<16>, "16*numel(output)"};
  set.flops["aten::_upsample_bicubic2d_aa"] = {"upsample_bicubic2d", per_output<16>, "16*numel(output)"};
  set.flops["aten::upsample_trilinear3d"] = {"upsample_trilinear3d", per_output<8>, "8*numel(output)"};
  set.flops["aten::grid_sampler_2d"] = {"grid_sampler", per_output<4>, "4*numel(output) (bilinear)"};
  set.flops["aten::grid_sampler_3d"] = {"grid_sampler", per_output<8>, "8*numel(output) (trilinear)"};
  set.flops["aten::affine_grid_generator"] = {"affine_grid_generator", affine_grid_macs,
                                              "N*spatial points*k*(k+1) for a k-dim grid"};
  if (tier < Tier::all) return;
  set.flops["torchvision::roi_align"] = {"roi_align", roi_align_macs<5, false>,
                                         "numel(output)*(4*sampling_ratio^2 + 1)"};
  set.flops["torchvision::_roi_align_backward"] = {"roi_align_backward", roi_align_macs<9, true>,
                                                   "numel(grad)*(4*sampling_ratio^2 + 1)"};
}

}  // namespace flopscope::count
