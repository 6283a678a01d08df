// flopscope._core: module scopes for the package's forward hooks, analyze() and Recording for described models,
// and the Result. The library runs without the GIL; the model's forward takes it back to run Python.
#include "bindings.h"

#include <stdexcept>

#include "flopscope/module_scope.h"
#include "flopscope/op_set.h"

namespace flopscope::python {
namespace {

// A Python exception from the model's forward, on its way through the library (which adds the op and module it
// happened in): the package raises the original again, with flopscope's line as a note.
struct PythonRaised : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The model's forward, callable from the library without the GIL.
struct ForwardCall {
  py::object fn;
  std::shared_ptr<py::error_already_set> raised;

  void operator()() {
    py::gil_scoped_acquire gil;
    try {
      fn();
    } catch (py::error_already_set& e) {
      const std::string what = e.what();
      raised = std::make_shared<py::error_already_set>(std::move(e));
      throw PythonRaised(what);
    }
  }
};

DescribedModel described(const Description& d) {
  DescribedModel m;
  m.name = d.name;
  m.tree = d.tree;
  m.parameters = d.parameters;
  m.buffers = d.buffers;
  m.training = d.training;
  return m;
}

// Whether a forward that failed without autograd's graph (DescribedModel::build_graph) is worth a second run with
// it: not when the library failed before or around the forward, nor when the user interrupted it.
// Called without the GIL; forgets the first error when it says yes.
bool retry_with_graph(ForwardCall& call) {
  if (!call.raised) return true;  // LibTorch's own error, raised by an op
  py::gil_scoped_acquire gil;
  if (!call.raised->matches(PyExc_Exception)) return false;  // KeyboardInterrupt, SystemExit, GeneratorExit
  call.raised.reset();
  return true;
}

// Whether the forward can go without autograd's graph (DescribedModel::build_graph) and the model not tell. In
// training mode its code is likelier to look (reentrant gradient checkpointing, Hugging Face's default, warns when no
// input requires grad; hooks on activations need the graph): not then. Without the graph no activation requires
// grad; with it, one does when anything it was computed from does. Code that asks of an activation and of its
// module's parameters together (MultiheadAttention's and TransformerEncoderLayer's fast paths) gets the same answer
// both ways when every parameter requires grad, or when none does and no input does; a partly frozen model (a
// trainable prompt before a frozen encoder), or a frozen one given inputs that require grad (saliency), would not.
bool graph_unseen(const Description& description, const std::vector<at::Tensor>& inputs) {
  for (const auto& module : description.modules)
    if (py::bool_(module.attr("training"))) return false;
  bool some = false, all = true;
  for (const auto& p : description.parameters) {
    some = some || p.requires_grad();
    all = all && p.requires_grad();
  }
  if (some) return all;
  for (const auto& x : inputs)
    if (x.requires_grad()) return false;
  return true;
}

std::shared_ptr<Result> analyze_described(const Description& description, bool keep_grad_mode, py::object forward,
                                          const std::vector<at::Tensor>& inputs, const py::dict& options,
                                          bool fake_tensors, const std::vector<at::Tensor>& forward_parameters) {
  DescribedModel m = described(description);
  m.keep_grad_mode = keep_grad_mode;
  m.fake_tensors = fake_tensors;
  m.forward_parameters = forward_parameters;
  m.build_graph = !graph_unseen(description, inputs);
  auto call = std::make_shared<ForwardCall>();
  call->fn = std::move(forward);
  m.forward = [call] { (*call)(); };  // copies of the function share one call: no reference counts without the GIL
  Options o = options_from(options);
  o.inputs = std::vector<c10::IValue>(inputs.begin(), inputs.end());
  const bool graphless = keep_grad_mode && !m.build_graph && !o.train_step;
  try {
    py::gil_scoped_release release;
    try {
      return std::make_shared<Result>(Result{flopscope::analyze(m, o)});
    } catch (const ForwardFailed&) {
      if (!graphless || !retry_with_graph(*call)) throw;
    }
    // The forward may need autograd's graph: the second run decides, and its error is the one the caller sees.
    m.build_graph = true;
    return std::make_shared<Result>(Result{flopscope::analyze(m, o)});
  } catch (const ForwardFailed& e) {
    if (!call->raised) throw;
    const py::object exc = call->raised->value();
    if (py::hasattr(exc, "add_note")) exc.attr("add_note")(std::string("flopscope: ") + e.what());
    throw *call->raised;
  }
}

class PyRecording {
 public:
  PyRecording(const Description& description, const py::dict& options)
      : m_recording(described(description), options_from(options)) {}

  std::shared_ptr<Result> finish() {
    py::gil_scoped_release release;
    return std::make_shared<Result>(Result{m_recording.finish()});
  }

 private:
  Recording m_recording;
};

}  // namespace

void register_errors(py::module_& m) {
  (void)m;
  // Local: pybind11's global translators are shared with every module built on the same pybind11 internals, torch's
  // among them, so a global one would turn torch's own c10::Error (torch.jit.trace's, say) into flopscope.Error, no
  // longer a RuntimeError, in any program that imported flopscope.
  py::register_local_exception_translator([](std::exception_ptr p) {
    if (!p) return;
    auto raise = [](const char* name, const std::exception& e) {
      const py::object cls = py::module_::import("flopscope._errors").attr(name);
      PyErr_SetString(cls.ptr(), e.what());
    };
    try {
      std::rethrow_exception(p);
    } catch (const InvalidInput& e) {
      raise("InvalidInput", e);
    } catch (const CudaUnavailable& e) {
      raise("CudaUnavailable", e);
    } catch (const ForwardFailed& e) {
      raise("ForwardFailed", e);
    } catch (const Error& e) {
      raise("Error", e);
    } catch (const c10::Error& e) {  // never meant to escape the library; one line, not a backtrace
      raise("Error", std::runtime_error(e.what_without_backtrace()));
    }
  });
}

}  // namespace flopscope::python

PYBIND11_MODULE(_core, m) {
  namespace fp = flopscope::python;
  using fp::py::arg;
  m.doc() = "flopscope's C++ core: capture, counting and reports (use the flopscope package, not this module)";
  m.def("enter", [](const std::string& path) { flopscope::ModuleScope::enter(path); }, arg("path"),
        "Opens the module at this full dotted path on this thread (a forward pre-hook).");
  m.def("leave", [] { flopscope::ModuleScope::leave(); }, "Closes the innermost module (a forward hook).");
  m.def("enter_traced", [] { flopscope::ModuleScope::enter_traced(); },
        "From now on this thread runs a graph torch traced for its control flow: an op goes to the module whose "
        "parameter it takes (torch.cond's functions call no module).");
  m.def("leave_traced", [] { flopscope::ModuleScope::leave_traced(); });
  m.def("scope_depth", [] { return flopscope::ModuleScope::depth(); });
  m.def("unwind", [](std::size_t depth) { flopscope::ModuleScope::unwind(depth); }, arg("depth"));
  m.def("step_backward",
        [](const std::vector<at::Tensor>& outputs) {
          fp::py::gil_scoped_release release;  // autograd's engine must run without the GIL
          flopscope::step_backward(outputs);
        },
        arg("outputs"), "A training step's loss from the forward's output tensors, and its backward.");
  m.def("plan_device",
        [](const fp::py::dict& options) {
          const flopscope::DevicePlan plan = flopscope::plan_device(fp::options_from(options));
          return fp::py::make_tuple(plan.device ? fp::py::object(fp::py::str(plan.device->str())) : fp::py::none(),
                                    plan.fallback_reason);
        },
        arg("options"), "Where an analysis with these options runs (the library's one check and device probe).");
  m.def("inputs_from_shape",
        [](const std::vector<std::vector<std::int64_t>>& shapes, const std::string& device) {
          flopscope::Options o;
          o.input_shape = flopscope::InputShape(shapes);
          return flopscope::inputs_from_shape(o, c10::Device(device));
        },
        arg("shapes"), arg("device"),
        "mmengine's inputs for input_shape, made by the library (its checks; the caller's random streams kept).");
  m.def("ops_looked_inside",
        [](const fp::py::dict& options) { return flopscope::ops_looked_inside(fp::options_from(options).op_set); },
        arg("options"),
        "The ops whose calls counting looks inside with these options' op set (conv1d): a fake forward runs what is "
        "inside them, never answers them from a cache.");
  fp::bind_describe(m);
  m.def("analyze", &fp::analyze_described, arg("description"), arg("keep_grad_mode"), arg("forward"), arg("inputs"),
        arg("options"), arg("fake_tensors") = false, arg("forward_parameters") = std::vector<at::Tensor>{});
  fp::py::class_<fp::PyRecording>(m, "Recording")
      .def(fp::py::init<const fp::Description&, const fp::py::dict&>(), arg("description"), arg("options"))
      .def("finish", &fp::PyRecording::finish);
  fp::bind_results(m);
  fp::bind_hooks(m);
  fp::bind_script_module(m);
  fp::bind_exported_program(m);
  fp::register_errors(m);
  m.attr("version") = FLOPSCOPE_VERSION;
}
