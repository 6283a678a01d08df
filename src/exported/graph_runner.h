#pragma once
// Executing an exported program (`--run`): its graph interpreted node by node, each node one boxed call
// through the dispatcher, as a forward makes it, so that the capture sees every op of the model (with what
// LibTorch runs inside it) and places it on the module of the node that made it. LibTorch's own runtime for
// exported graphs (NativeRT) runs CPU ops through static kernels that bypass the dispatcher (a linear's
// top-level op, layer_norm, relu are never observed) and takes no configuration through its public handle, so
// flopscope interprets the graph itself. Weights and constants are read from the archive onto the device.
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <ATen/core/ivalue.h>
#include <c10/core/Device.h>

#include "exported/program.h"

namespace flopscope::exported {

class GraphRunner {
 public:
  /// Reads the program's weights and constants onto `device` (a program held in memory: its own tensors, moved
  /// there). Each parameter is a leaf of flopscope's own (never the caller's tensor) that requires grad where it
  /// did when exported, so a training step's backward leaves its gradients there. Throws InvalidInput (a missing
  /// or pickled weight file, a tensor on the meta device, an input kind it cannot feed).
  GraphRunner(const Program& program, c10::Device device);

  /// The user inputs at `bindings`: random normal floats, zeros for integer inputs (valid token ids), on the
  /// device.
  std::vector<c10::IValue> make_inputs(const Bindings& bindings) const;

  /// Runs the graph on `inputs` (one per user input); `on_node(module)` is told each node's module before its
  /// op runs. Returns what the exported module returns (its tensors, in order; not the buffers the graph writes).
  /// Throws what the ops throw, or InvalidInput for a node it cannot run
  /// (an op LibTorch does not have, such as a Python library's custom op).
  std::vector<c10::IValue> run(const std::vector<c10::IValue>& inputs,
                               const std::function<void(const std::string& module)>& on_node) const;

  /// Every parameter and buffer, on the device.
  std::vector<at::Tensor> tensors() const;
  /// The parameters by name, in the signature's order, a tied one once (under its first name).
  std::vector<std::pair<std::string, at::Tensor>> parameters() const;
  /// Drops the gradients a step's backward left on the parameters.
  void clear_gradients() const;

 private:
  void make_parameters_leaves();

  const Program& m_program;
  c10::Device m_device;
  std::unordered_map<std::string, at::Tensor> m_state;  // FQN -> parameter, buffer or constant
  std::vector<std::pair<std::string, at::Tensor>> m_parameters;  // the leaves, tied ones once
};

}  // namespace flopscope::exported
