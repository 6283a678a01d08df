#pragma once
// Each op family's file adds its formulas to an OpSet, up to a tier; registry.cpp assembles the named sets:
//   mmengine  exactly mmengine's handlers (parity mode)
//   default   + the matmul-class ops mmengine misses: models without them count exactly as in mmengine
//   all       + pooling, softmax, activation functions, elementwise arithmetic and loss functions
#include <string>

#include "flopscope/op_set.h"

namespace flopscope::count {

enum class Tier { mmengine = 0, standard = 1, all = 2 };

/// The named op set (op_set_named), built once per process and shared read-only: an analysis only reads it,
/// and building one costs more than analysing a small model.
const OpSet& shared_op_set(const std::string& name);

void add_matmul_handlers(OpSet& set, Tier tier);       // matmul.cpp
void add_contraction_handlers(OpSet& set, Tier tier);  // contraction.cpp: grouped_mm, tensordot, bilinear, ...
void add_conv_handlers(OpSet& set, Tier tier);         // conv.cpp
void add_norm_handlers(OpSet& set, Tier tier);         // norm.cpp
void add_resample_handlers(OpSet& set, Tier tier);     // resample.cpp: upsampling, grid_sampler
void add_attention_handlers(OpSet& set, Tier tier);    // attention.cpp: scaled_dot_product_attention family
void add_rnn_handlers(OpSet& set, Tier tier);          // rnn.cpp: lstm, gru, rnn_tanh, rnn_relu
void add_embedding_handlers(OpSet& set, Tier tier);    // embedding.cpp
void add_fft_handlers(OpSet& set, Tier tier);          // fft.cpp: torch.fft and ATen's transforms
void add_linalg_handlers(OpSet& set, Tier tier);       // linalg.cpp: triangular solves
void add_einsum_handlers(OpSet& set, Tier tier);       // einsum.cpp: mmengine's special forms and numpy path
void add_pool_handlers(OpSet& set, Tier tier);         // pool.cpp: adaptive_avg_pool2d; all: every pooling
void add_elementwise_handlers(OpSet& set, Tier tier);  // elementwise.cpp (all): softmax, activations, arithmetic
void add_loss_handlers(OpSet& set, Tier tier);         // loss.cpp (all): mse, cross entropy, ... and backwards
void add_distance_handlers(OpSet& set, Tier tier);     // distance.cpp (all): cosine similarity, pdist, cross, ...
void add_ignored_ops(OpSet& set, Tier tier);           // ignored.cpp: mmengine's _IGNORED_OPS; more in default, all

}  // namespace flopscope::count
