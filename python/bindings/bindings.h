#pragma once
// The extension module flopscope._core: what the Python layer (python/flopscope/) calls. Kept thin: Python installs
// the module scopes; C++ reads the module tree, captures, counts and reports through the library's public API.
#include <torch/csrc/utils/pybind.h>

#include <memory>

#include "flopscope/complexity.h"
#include "flopscope/described_model.h"

namespace flopscope::python {

namespace py = pybind11;

/// What the package reads from an nn.Module before an analysis (describe.cpp): the tree, parameters and buffers
/// for the library, and the distinct modules with their canonical names for the scopes the package opens.
struct Description {
  std::string name;  ///< the model's class name
  ModuleTree tree;
  std::vector<at::Tensor> parameters, buffers;
  bool training = false;
  py::list modules;  ///< the distinct modules, pre-order (named_modules())
  py::list names;    ///< modules[i]'s canonical name
};

std::shared_ptr<Description> describe(py::handle model, bool extra_reprs);

/// A name or text from Python as UTF-8 bytes (str() of it if it is not a str). A lone surrogate, which strict
/// UTF-8 refuses, is kept as the bytes it stands for: the reports escape what is not valid UTF-8
/// (text::printable) rather than fail the analysis, and module paths stay one-to-one with Python's names.
std::string utf8(py::handle text);
void bind_describe(py::module_& m);

/// Options from the keyword dict the Python layer passes (names as in Options and GpuOptions).
Options options_from(const py::dict& kw);

/// One analysis, as Python sees it: the result and the warnings its reports carry.
struct Result {
  ComplexityInfo info;
};

void bind_results(py::module_& m);

/// ScopedCall and ScopeHooks: what opens and closes each module's scope around its call (hooks.cpp).
void bind_hooks(py::module_& m);

/// analyze_script: a TorchScript module held in Python, analysed by the library's TorchScript source
/// (script_module.cpp).
void bind_script_module(py::module_& m);

/// analyze_exported: a torch.export ExportedProgram held in Python, analysed by the library's exported source
/// (exported_program.cpp).
void bind_exported_program(py::module_& m);

/// Raises the Python exception that matches a flopscope error (the classes of flopscope/_errors.py).
void register_errors(py::module_& m);

}  // namespace flopscope::python
