// Pooling. mmengine counts only adaptive_avg_pool2d: 1 per input element (each is added once). all counts
// every pooling op:
//   max/avg pool, kernel k:          numel(output) * prod(k)   (one compare or add per window element)
//   adaptive avg/max pool (1-3 D):   numel(input)              (each input element enters one window, about)
//   fractional max pool, kernel k:   numel(output) * prod(k)   (its windows start at pseudo-random offsets, but
//                                    each still has prod(k) elements)
//   lp pools are Python (a power, an average pool, a root): their ops are counted as such.
// A training step's backward, counted as the forward is (default: adaptive average pooling; all: every pool):
//   adaptive avg pool backward:      numel(input)              (each input gradient is its window's share)
//   max pool backward (with indices, adaptive and fractional too): numel(grad_output)  (each routed to its argmax,
//                                    one add)
//   avg pool backward, kernel k:     numel(grad_output) * prod(k)   (spread over its window)
#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

// The elements of a window: kernel_size (argument `at`) is an int list of 1-3 values; one value means the same
// size in every pooled dimension.
template <int Dims>
Count window(const OpRecord& r, std::size_t at) {
  const Value& k = input(r, at);
  require(k.kind == Value::Kind::IntList && (k.sizes.size() == 1 || k.sizes.size() == Dims), r,
          "kernel_size is not one value or one per pooled dimension");
  Count elements = 1;
  for (int d = 0; d < Dims; ++d)
    elements = mul(elements, k.sizes[k.sizes.size() == 1 ? 0 : static_cast<std::size_t>(d)]);
  return elements;
}

// (input, kernel_size, stride, padding, ...)
template <int Dims>
Count windowed(const OpRecord& r) {
  return mul(product(output_shape(r)), window<Dims>(r, 1));
}

// (grad_output, self): the input's gradient, one per element.
Count per_backward_input(const OpRecord& r) { return product(input_shape(r, 1)); }

// avg_pool{2,3}d_backward(grad_output, self, kernel_size, ...): the forward's count.
template <int Dims>
Count windowed_backward(const OpRecord& r) {
  return mul(product(input_shape(r, 0)), window<Dims>(r, 2));
}

}  // namespace

void add_pool_handlers(OpSet& set, Tier tier) {
  set.flops["aten::adaptive_avg_pool2d"] = {"adaptive_avg_pool2d", input_elements, "numel(input)"};
  if (tier < Tier::standard) return;
  // A training step's backward (CPU and CUDA call the same ops).
  for (const char* op : {"_adaptive_avg_pool2d_backward", "_adaptive_avg_pool3d_backward"})
    set.flops[std::string("aten::") + op] = {"adaptive_avg_pool_backward", per_backward_input, "numel(input)"};
  if (tier < Tier::all) return;
  for (const char* op : {"max_pool2d_with_indices_backward", "max_pool3d_with_indices_backward",
                         "adaptive_max_pool2d_backward", "adaptive_max_pool3d_backward",
                         "fractional_max_pool2d_backward", "fractional_max_pool3d_backward"})
    set.flops[std::string("aten::") + op] = {"max_pool_backward", input_elements, "numel(grad_output)"};
  set.flops["aten::avg_pool2d_backward"] = {"avg_pool_backward", windowed_backward<2>, "numel(grad_output)*kh*kw"};
  set.flops["aten::avg_pool3d_backward"] = {"avg_pool_backward", windowed_backward<3>, "numel(grad_output)*kd*kh*kw"};
  for (const char* op : {"adaptive_avg_pool1d", "adaptive_avg_pool3d", "_adaptive_avg_pool2d", "_adaptive_avg_pool3d",
                         "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d"})
    set.flops[std::string("aten::") + op] = {op, input_elements, "numel(input)"};
  set.flops["aten::max_pool1d"] = {"max_pool1d", windowed<1>, "numel(output)*k"};
  set.flops["aten::avg_pool1d"] = {"avg_pool1d", windowed<1>, "numel(output)*k"};
  for (const char* op : {"max_pool2d", "avg_pool2d", "max_pool2d_with_indices", "mkldnn_max_pool2d",
                         "fractional_max_pool2d"})
    set.flops[std::string("aten::") + op] = {op, windowed<2>, "numel(output)*kh*kw"};
  for (const char* op : {"max_pool3d", "avg_pool3d", "max_pool3d_with_indices", "mkldnn_max_pool3d",
                         "fractional_max_pool3d"})
    set.flops[std::string("aten::") + op] = {op, windowed<3>, "numel(output)*kd*kh*kw"};
}

}  // namespace flopscope::count
