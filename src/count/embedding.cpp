// Embeddings (default and all). A lookup copies rows and does no arithmetic: 0 MACs, but counted, so it is
// not reported unsupported. A bag reduces the rows it gathers: one add (or multiply-add with
// per_sample_weights, or compare for max) per gathered element: numel(indices) * D. A training step's backward
// of a lookup adds each gradient row into the weight's gradient: one add per element of grad_output, as a bag's
// reduction is counted.
#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

Count lookup_macs(const OpRecord& /*r*/) { return 0; }

// embedding_bag(weight[V, D], indices, offsets, ...)
Count bag_macs(const OpRecord& r) {
  const auto& w = input_shape(r, 0);
  require(w.size() == 2, r, "expects a [V, D] weight");
  return mul(product(input_shape(r, 1)), w[1]);
}

// embedding_backward / embedding_dense_backward(grad_output[..., D], indices, num_weights, ...)
Count lookup_backward_macs(const OpRecord& r) { return product(input_shape(r, 0)); }

}  // namespace

void add_embedding_handlers(OpSet& set, Tier tier) {
  if (tier < Tier::standard) return;
  set.flops["aten::embedding"] = {"embedding", lookup_macs, "0 (a lookup)"};
  set.flops["aten::embedding_bag"] = {"embedding_bag", bag_macs, "numel(indices)*D"};
  set.flops["aten::_embedding_bag"] = {"embedding_bag", bag_macs, "numel(indices)*D"};
  for (const char* op : {"aten::embedding_backward", "aten::embedding_dense_backward"})
    set.flops[op] = {"embedding_backward", lookup_backward_macs, "numel(grad_output): one add per gradient element"};
}

}  // namespace flopscope::count
