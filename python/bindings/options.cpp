// The options of an analysis, from the keyword dict the package passes.
#include "bindings.h"

#include <type_traits>

namespace flopscope::python {

namespace {

template <class T>
const char* kind() {
  if constexpr (std::is_same_v<T, bool>) return "a bool";
  else if constexpr (std::is_integral_v<T>) return "an int (32 bits)";
  else if constexpr (std::is_floating_point_v<T>) return "a number";
  else return "a str";
}

// A value of the wrong type (a str for an int, an int past 32 bits) is the caller's error, named, not pybind11's
// "Unable to cast".
template <class T>
void read(const py::dict& kw, const char* key, T& into) {
  if (!kw.contains(key) || kw[key].is_none()) return;
  try {
    into = kw[key].cast<T>();
  } catch (const py::cast_error&) {
    throw InvalidInput(std::string(key) + " must be " + kind<T>() + ", not " + utf8(py::repr(kw[key])));
  }
}

}  // namespace

Options options_from(const py::dict& kw) {
  Options o;
  read(kw, "op_set", o.op_set);
  read(kw, "device", o.device);
  read(kw, "shape_only", o.shape_only);
  read(kw, "max_depth", o.max_depth);
  read(kw, "show_table", o.show_table);
  read(kw, "show_arch", o.show_arch);
  read(kw, "allow_cpu_fallback", o.allow_cpu_fallback);
  read(kw, "train_step", o.train_step);
  read(kw, "optimizer", o.optimizer);
  read(kw, "timing", o.gpu.timing);
  read(kw, "warmup", o.gpu.warmup);
  read(kw, "forwards", o.gpu.forwards);
  read(kw, "measured_peaks", o.gpu.measured_peaks);
  read(kw, "chrome_trace", o.gpu.chrome_trace);
  read(kw, "nvtx", o.gpu.nvtx);
  read(kw, "counters", o.gpu.counters);
  read(kw, "counter_tolerance", o.gpu.counter_tolerance);
  return o;
}

}  // namespace flopscope::python
