// Resampling and pooling that mmengine counts: a fixed cost per input or output element.
//   upsample_nearest2d   1 · numel(output)   (a copy per output element)
//   upsample_bilinear2d  4 · numel(output)   (four taps per output element)
//   grid_sampler         4 · numel(output)   (assumes bilinear)
//   adaptive_avg_pool2d  1 · numel(input)    (each input element is added once)
#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

Count one_per_output(const OpRecord& r) { return product(output_shape(r)); }
Count four_per_output(const OpRecord& r) { return 4 * product(output_shape(r)); }
Count one_per_input(const OpRecord& r) { return product(input_shape(r, 0)); }

}  // namespace

void add_resample_handlers(OpSet& set) {
  set.flops["aten::upsample_nearest2d"] = {"upsample_nearest2d", one_per_output, "numel(output)"};
  set.flops["aten::upsample_bilinear2d"] = {"upsample_bilinear2d", four_per_output, "4*numel(output)"};
  set.flops["aten::grid_sampler"] = {"grid_sampler", four_per_output, "4*numel(output) (bilinear)"};
  set.flops["aten::adaptive_avg_pool2d"] = {"adaptive_avg_pool2d", one_per_input, "numel(input)"};
}

}  // namespace flopscope::count
