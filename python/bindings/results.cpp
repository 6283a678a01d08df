// flopscope._core.Result: one analysis, its numbers and every report the command line writes.
#include "bindings.h"

#include "flopscope/report.h"

namespace flopscope::python {

void bind_results(py::module_& m) {
  py::class_<Result, std::shared_ptr<Result>>(m, "Result")
      .def_property_readonly("flops", [](const Result& r) { return r.info.flops; })
      .def_property_readonly("flops_is_float",
                             [](const Result& r) { return r.info.analysis.flops.float_modules.count("") != 0; })
      .def_property_readonly("flops_str", [](const Result& r) { return r.info.flops_str; })
      .def_property_readonly("activations", [](const Result& r) { return r.info.activations; })
      .def_property_readonly("activations_str", [](const Result& r) { return r.info.activations_str; })
      .def_property_readonly("params", [](const Result& r) { return r.info.params; })
      .def_property_readonly("params_str", [](const Result& r) { return r.info.params_str; })
      .def_property_readonly("out_table", [](const Result& r) { return r.info.out_table; })
      .def_property_readonly("out_arch", [](const Result& r) { return r.info.out_arch; })
      .def(
          "console_table",
          [](const Result& r, int max_depth, std::size_t width, bool styled) {
            py::gil_scoped_release release;
            return "\n" + render_table(r.info.analysis, max_depth, true, TableConsole{width, styled});
          },
          py::arg("max_depth"), py::arg("width"), py::arg("styled"),
          "out_table as mmengine's rich console would print it: narrowed to width columns, the header bold if styled.")
      .def_property_readonly("warnings", [](const Result& r) { return r.info.warnings; })
      .def(
          "add_warning", [](Result& r, const std::string& line) { r.info.warnings.push_back(line); },
          py::arg("line"),
          "A warning of the package's own about how it ran the forward (a shape-only forward on fake tensors): "
          "reports list it with the library's.")
      .def_property_readonly("gpu_ran", [](const Result& r) { return r.info.analysis.gpu.ran; })
      .def_property_readonly("gpu_skipped_reason", [](const Result& r) { return r.info.analysis.gpu.skipped_reason; })
      .def("report",
           [](const Result& r, const std::string& format, int max_depth) {
             RenderOptions o;
             o.max_depth = max_depth;
             o.warnings = r.info.warnings;
             return render_report(format, r.info.analysis, o);
           },
           py::arg("format"), py::arg("max_depth") = 3)
      .def("chrome_trace", [](const Result& r) { return render_chrome_trace(r.info.analysis); })
      .def("roofline", [](const Result& r, int max_depth) { return render_roofline(r.info.analysis, max_depth); },
           py::arg("max_depth") = 3);
  m.def("report_formats", [] { return report_formats(); });
}

}  // namespace flopscope::python
