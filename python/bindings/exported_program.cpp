// _core.analyze_exported(graph_json, tied, tensors, inputs, dims, execute, options): a torch.export
// ExportedProgram the caller holds in Python goes to the library's exported source, the one the command line runs
// on a .pt2 file. The package hands over what an archive would hold (the graph JSON torch's serializer writes, the
// parameters that are one tensor, the tensors) without writing one: the program is read, or run, from memory.
#include "bindings.h"

#include "flopscope/exported.h"

namespace flopscope::python {
namespace {

std::shared_ptr<Result> analyze_exported(const py::bytes& graph_json, const std::vector<std::vector<std::string>>& tied,
                                         std::unordered_map<std::string, at::Tensor> tensors,
                                         const std::optional<std::vector<at::Tensor>>& inputs,
                                         const std::vector<DimBinding>& dims, bool execute, const py::dict& options) {
  const Options o = options_from(options);
  const std::string json = graph_json;
  py::gil_scoped_release release;
  const ExportedModel model = ExportedModel::from_memory(json, tied, std::move(tensors));
  if (!inputs) return std::make_shared<Result>(Result{analyze(model, o, dims, execute)});
  return std::make_shared<Result>(Result{analyze(model, o, *inputs, dims, execute)});
}

}  // namespace

void bind_exported_program(py::module_& m) {
  m.def("analyze_exported", &analyze_exported, py::arg("graph_json"), py::arg("tied"), py::arg("tensors"),
        py::arg("inputs"), py::arg("dims"), py::arg("execute"), py::arg("options"),
        "One analysis of a torch.export program held in memory, by the library's exported source: read from its "
        "graph (at the sizes of `inputs` when given), or run (execute, and always on CUDA) on them.");
}

}  // namespace flopscope::python
