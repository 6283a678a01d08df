#pragma once
// Autocast's cache of cast weights, kept apart from the analysis.
//
// Inside an autocast region (torch.autocast, at::autocast) LibTorch keeps, per thread and until the region ends,
// the low-precision copy it made of each float32 leaf tensor that requires grad (a model's weights), and hands that
// copy to every later op in the region. An analysis run inside the caller's region would share that cache both
// ways:
//  - the caller's copies would reach the analysis: its forward would skip the weights' casts the caller's had
//    already made, so what it counts and times would depend on what the caller ran before it; and the GPU passes'
//    repeated forwards would cast only in the first one, unlike a step in its own region;
//  - the analysis's copies would reach the caller: an inference forward runs without autograd's graph, so the
//    copies it leaves require no grad, and every later forward of the caller in that region (and a training
//    step's analysis) would compute outputs that require no grad: a training loss with no gradient for the weights.
//
// So each forward of an analysis starts from an empty cache, as the first forward of a region does, and the cache
// is emptied again when the analysis ends. The caller loses only copies LibTorch makes again on their next use
// (the same values, the same gradients: the cache saves time, not state).
namespace flopscope::api {

/// Empties this thread's autocast cache (cheap when it is empty; a no-op outside autocast).
void fresh_autocast_casts();

/// Empties the cache when made and again when it ends.
class AutocastCacheApart {
 public:
  AutocastCacheApart() { fresh_autocast_casts(); }
  ~AutocastCacheApart() { fresh_autocast_casts(); }
  AutocastCacheApart(const AutocastCacheApart&) = delete;
  AutocastCacheApart& operator=(const AutocastCacheApart&) = delete;
};

}  // namespace flopscope::api
