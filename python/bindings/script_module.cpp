// _core.analyze_script(model, args, kwargs, options): a TorchScript module the caller holds in Python (made by
// torch.jit.script or torch.jit.trace, or loaded by torch.jit.load) goes to the library's TorchScript source, the
// one the command line runs on a .pt file. Python's hooks cannot place its ops (a ScriptModule refuses hooks, and
// its submodules run inside the interpreter, not through nn.Module.__call__): the library follows the
// interpreter's calls instead, so every submodule gets its own ops.
#include "bindings.h"

#include <torch/csrc/jit/python/module_python.h>
#include <torch/csrc/jit/python/pybind_utils.h>

namespace flopscope::python {
namespace {

// The forward's arguments as the interpreter takes them: positional ones, keywords by name and defaults for
// what is left out, each converted by the schema's type, as calling the module from Python would.
std::vector<c10::IValue> forward_arguments(torch::jit::Module& module, const py::tuple& args, const py::dict& kwargs) {
  const auto method = module.find_method("forward");
  if (!method) throw InvalidInput("the TorchScript module has no forward method");
  torch::jit::Stack stack;
  try {
    stack = torch::jit::createStackForSchema(method->function().getSchema(), torch::jit::tuple_slice(args),
                                             py::kwargs(kwargs), module._ivalue());
  } catch (const std::exception& e) {  // schema_match_error, or a value the schema's type does not take
    throw InvalidInput(std::string("the inputs do not fit the TorchScript module's forward: ") + e.what());
  }
  stack.erase(stack.begin());  // self
  return stack;
}

std::shared_ptr<Result> analyze_script(py::handle model, const py::tuple& args, const py::dict& kwargs,
                                       const py::dict& options) {
  std::optional<torch::jit::Module> module = torch::jit::as_module(model);
  if (!module) throw InvalidInput("not a TorchScript module");
  Options o = options_from(options);
  o.inputs = forward_arguments(*module, args, kwargs);
  // The interpreter takes the GIL back for the Python functions a scripted model calls (@torch.jit.ignore).
  py::gil_scoped_release release;
  return std::make_shared<Result>(Result{flopscope::analyze(*module, o)});
}

}  // namespace

void bind_script_module(py::module_& m) {
  m.def("analyze_script", &analyze_script, py::arg("model"), py::arg("args"), py::arg("kwargs"), py::arg("options"),
        "One analysis of a TorchScript module (torch.jit.ScriptModule) through the library's TorchScript source.");
}

}  // namespace flopscope::python
