// Placing a training step's backward (src/capture/backward_placement.cpp) on hand-built records shaped as LibTorch
// records them: the engine's wrapper (no sequence number) around the node's own record (the forward op's number)
// around the ATen ops the node runs.
#include <gtest/gtest.h>

#include "capture/backward_placement.h"

namespace flopscope {
namespace {

OpRecord rec(std::string name, std::int32_t parent, std::string module, std::int64_t seq, bool backward) {
  OpRecord r;
  r.name = std::move(name);
  r.parent = parent;
  r.module = std::move(module);
  r.sequence_nr = seq;
  r.backward = backward;
  return r;
}

Trace step_trace() {
  Trace t;
  t.ops = {
      rec("aten::linear", -1, "fc1", 5, false),                                   // 0
      rec("aten::t", 0, "fc1", 5, false),                                         // 1
      rec("aten::addmm", 0, "fc1", 6, false),                                     // 2: AddmmBackward0 #6
      rec("aten::linear", -1, "fc2", 7, false),                                   // 3
      rec("aten::addmm", 3, "fc2", 8, false),                                     // 4: AddmmBackward0 #8
      rec("autograd::engine::evaluate_function: AddmmBackward0", -1, "?", -1, true),  // 5
      rec("AddmmBackward0", 5, "?", 8, true),                                     // 6
      rec("aten::mm", 6, "?", -1, true),                                          // 7
      rec("autograd::engine::evaluate_function: AddmmBackward0", -1, "?", -1, true),  // 8
      rec("AddmmBackward0", 8, "?", 6, true),                                     // 9
      rec("aten::mm", 9, "?", -1, true),                                          // 10
      rec("aten::resolve_conj", 10, "?", -1, true),                               // 11
      rec("autograd::engine::evaluate_function: torch::autograd::AccumulateGrad", -1, "?", -1, true),  // 12
      rec("torch::autograd::AccumulateGrad", 12, "?", -1, true),                  // 13
      rec("aten::add_", 13, "?", -1, true),                                       // 14
  };
  return t;
}

TEST(BackwardPlacement, EachNodeGoesToTheModuleThatMadeIt) {
  Trace t = step_trace();
  capture::place_backward(t);
  EXPECT_EQ(t.ops[7].module, "fc2");   // the node numbered 8: fc2's addmm
  EXPECT_EQ(t.ops[10].module, "fc1");  // the node numbered 6: fc1's addmm, nested inside fc1's linear
  EXPECT_EQ(t.ops[11].module, "fc1");  // inside the node's op
  EXPECT_EQ(t.ops[14].module, "");     // gradient accumulation: no forward op, the root's
  EXPECT_EQ(t.ops[0].module, "fc1");   // the forward is untouched
}

// A custom autograd function's call is no op (the capture notes it apart, Trace::function_nodes): its node finds the
// module the call ran in there. An op's number wins over a note of the same number.
TEST(BackwardPlacement, ACustomFunctionsNodeGoesWhereItsCallRan) {
  Trace t;
  t.ops = {
      rec("aten::mm", -1, "layer", -1, false),                                         // 0: inside the call, no grad
      rec("aten::linear", -1, "head", 4, false),                                       // 1
      rec("autograd::engine::evaluate_function: MyMatmulBackward", -1, "?", -1, true),  // 2
      rec("MyMatmulBackward", 2, "?", 3, true),                                        // 3
      rec("aten::mm", 3, "?", -1, true),                                               // 4
      rec("autograd::engine::evaluate_function: TBackward0", -1, "?", -1, true),        // 5
      rec("TBackward0", 5, "?", 4, true),                                              // 6
  };
  t.function_nodes = {{3, "layer"}, {4, "elsewhere"}};
  capture::place_backward(t);
  EXPECT_EQ(t.ops[2].module, "layer");
  EXPECT_EQ(t.ops[4].module, "layer");
  EXPECT_EQ(t.ops[6].module, "head");
  t.function_nodes.clear();  // as before the notes: the root's
  t.ops[2].module = t.ops[3].module = t.ops[4].module = "?";
  capture::place_backward(t);
  EXPECT_EQ(t.ops[4].module, "");
}

// Activation checkpointing reruns forward ops inside a backward node, in the modules whose scopes the rerun opens
// (recorded while the node runs); a reentrant checkpoint then runs the rerun's backward inside the same node.
TEST(BackwardPlacement, CheckpointReruns) {
  Trace t;
  t.ops = {
      rec("aten::linear", -1, "fc2", 8, false),                                   // 0: fc2's MmBackward0 #8
      rec("CheckpointFunction", -1, "outer", 3, false),                           // 1: a reentrant checkpoint
      // Reentrant: the checkpoint's node reruns block.a, then runs its backward in the node.
      rec("autograd::engine::evaluate_function: CheckpointFunctionBackward", -1, "", -1, true),  // 2
      rec("CheckpointFunctionBackward", 2, "", 3, true),                          // 3
      rec("aten::linear", 3, "block.a", 20, true),                                // 4: the rerun
      rec("aten::addmm", 4, "block.a", 21, true),                                 // 5
      rec("autograd::engine::evaluate_function: AddmmBackward0", 3, "", -1, true),  // 6: the inner backward
      rec("AddmmBackward0", 6, "", 21, true),                                     // 7
      rec("aten::mm", 7, "", -1, true),                                           // 8
      rec("aten::add_", 3, "", -1, true),                                         // 9: the checkpoint node's own
      // Non-reentrant: a node unpacking a saved tensor reruns block.a inside it.
      rec("autograd::engine::evaluate_function: MmBackward0", -1, "", -1, true),  // 10
      rec("MmBackward0", 10, "", 8, true),                                        // 11
      rec("aten::linear", 11, "block.a", 30, true),                               // 12: the rerun
      rec("aten::mm", 11, "", -1, true),                                          // 13: the node's own
  };
  capture::place_backward(t);
  EXPECT_EQ(t.ops[4].module, "block.a");
  EXPECT_EQ(t.ops[5].module, "block.a");
  EXPECT_EQ(t.ops[6].module, "block.a");  // the inner node of the rerun's addmm (#21)
  EXPECT_EQ(t.ops[8].module, "block.a");
  EXPECT_EQ(t.ops[9].module, "outer");    // where the checkpoint was called
  EXPECT_EQ(t.ops[12].module, "block.a");
  EXPECT_EQ(t.ops[13].module, "fc2");
}

TEST(BackwardPlacement, PartsSplitForCounting) {
  Trace t = step_trace();
  capture::place_backward(t);
  const Trace forward = capture::forward_part(t);
  ASSERT_EQ(forward.ops.size(), 5u);
  EXPECT_EQ(forward.ops[2].parent, 0);
  const Trace backward = capture::backward_part(t);
  // Autograd's own records go; the ATen ops they ran become top-level ops of their node's module.
  ASSERT_EQ(backward.ops.size(), 4u);
  EXPECT_EQ(backward.ops[0].name, "aten::mm");
  EXPECT_EQ(backward.ops[0].module, "fc2");
  EXPECT_EQ(backward.ops[0].parent, -1);
  EXPECT_EQ(backward.ops[1].module, "fc1");
  EXPECT_EQ(backward.ops[2].name, "aten::resolve_conj");
  EXPECT_EQ(backward.ops[2].parent, 1);  // still inside its mm
  EXPECT_EQ(backward.ops[3].name, "aten::add_");
  EXPECT_EQ(backward.ops[3].parent, -1);
}

}  // namespace
}  // namespace flopscope
