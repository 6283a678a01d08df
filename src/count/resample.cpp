// Resampling: a fixed cost per output element, the number of input taps each output reads.
//   nearest (any dim, "exact" too)  1     (mmengine counts its copy as 1)
//   linear 1-D                      2
//   bilinear 2-D (and antialiased)  4
//   bicubic 2-D                     16
//   trilinear 3-D                   8
//   grid_sampler                    4     (mmengine assumes bilinear)
// mmengine counts upsample_nearest2d, upsample_bilinear2d and grid_sampler; default adds the other forms.
#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

template <int Taps>
Count per_output(const OpRecord& r) {
  return mul(Taps, product(output_shape(r)));
}

}  // namespace

void add_resample_handlers(OpSet& set, Tier tier) {
  set.flops["aten::upsample_nearest2d"] = {"upsample_nearest2d", per_output<1>, "numel(output)"};
  set.flops["aten::upsample_bilinear2d"] = {"upsample_bilinear2d", per_output<4>, "4*numel(output)"};
  set.flops["aten::grid_sampler"] = {"grid_sampler", per_output<4>, "4*numel(output) (bilinear)"};
  if (tier < Tier::standard) return;
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
}

}  // namespace flopscope::count
