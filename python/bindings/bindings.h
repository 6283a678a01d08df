#pragma once
// The extension module flopscope._core: what the Python layer (python/flopscope/) calls. Kept thin: Python builds
// the module tree and installs the hooks; C++ captures, counts and reports through the library's public API.
#include <torch/csrc/utils/pybind.h>

#include <memory>

#include "flopscope/complexity.h"
#include "flopscope/described_model.h"

namespace flopscope::python {

namespace py = pybind11;

/// The module tree from the description python/flopscope/_modules.py makes: nodes as (path, class name,
/// extra_repr, real forward, [(child key, node index)]), every path (aliases too) -> node index, parameters as
/// (canonical name, shape).
ModuleTree tree_from(const py::list& nodes, const py::dict& paths, const py::list& params);

/// Options from the keyword dict the Python layer passes (names as in Options and GpuOptions).
Options options_from(const py::dict& kw);

/// One analysis, as Python sees it: the result and the warnings its reports carry.
struct Result {
  ComplexityInfo info;
};

void bind_results(py::module_& m);

/// ScopedCall and ScopeHooks: what opens and closes each module's scope around its call (hooks.cpp).
void bind_hooks(py::module_& m);

/// Raises the Python exception that matches a flopscope error (the classes of flopscope/_errors.py).
void register_errors(py::module_& m);

}  // namespace flopscope::python
