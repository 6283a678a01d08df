#pragma once
// The training step's loss and backward, one rule for every model source (the Python package calls it too): the
// model's own scalar output if it returns one (a Hugging Face model given labels returns its loss first), else the
// sum of its floating-point outputs that require grad, as a benchmark's `model(x).sum().backward()` does.
#include <vector>

#include <ATen/core/Tensor.h>
#include <ATen/core/ivalue.h>

#include "flopscope/analysis.h"

namespace flopscope::api {

/// The tensors of a forward's output: a tensor, or those inside tuples, lists and dicts (values), in order.
std::vector<at::Tensor> output_tensors(const c10::IValue& output);

/// The loss of a step from the forward's output tensors, and its backward. Throws InvalidInput when nothing in
/// the output requires grad (every parameter frozen, or the forward detached its result).
void backward_of(const std::vector<at::Tensor>& outputs);

/// A training step's held forward memory from its counted trace (OpRecord::saved_bytes, by each top-level op's
/// module). What the counting filters drop (work no output uses) is read by no backward either.
Analysis::SavedActivations saved_activations(const Trace& captured);

}  // namespace flopscope::api
