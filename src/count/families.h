#pragma once
// Each op family's file adds its formulas to an OpSet; registry.cpp assembles the named sets.
#include "flopscope/op_set.h"

namespace flopscope::count {

void add_matmul_handlers(OpSet& set);    // matmul.cpp: addmm, linear, bmm, matmul, mm
void add_conv_handlers(OpSet& set);      // conv.cpp: _convolution
void add_norm_handlers(OpSet& set);      // norm.cpp: batch_norm, group_norm, layer_norm, instance_norm
void add_resample_handlers(OpSet& set);  // resample.cpp: upsample, adaptive_avg_pool2d, grid_sampler
void add_ignored_ops(OpSet& set);        // ignored.cpp: mmengine's _IGNORED_OPS

}  // namespace flopscope::count
