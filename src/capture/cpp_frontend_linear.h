#pragma once
// torch::nn::Linear's forward (torch/nn/functional/linear.h) runs `t` + `addmm`, or `t` + `matmul` + `add_`,
// where Python's nn.Linear runs one `aten::linear`. So that a C++ model is counted as the same model in
// Python is (mmengine's "linear" key, no spurious unsupported `add_`), each such run of ops is wrapped in a
// synthetic `aten::linear` record whose children are the ops the C++ frontend really dispatched.
#include "flopscope/module_tree.h"
#include "flopscope/op_record.h"

namespace flopscope::capture {

void group_cpp_frontend_linear(Trace& trace, const ModuleTree& tree);

}  // namespace flopscope::capture
