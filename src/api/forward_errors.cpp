#include "api/forward_errors.h"

#include <algorithm>

#include "capture/nn_resolver.h"
#include "capture/tensor_shape.h"
#include "flopscope/complexity.h"
#include "text/printable.h"

namespace flopscope::api {

// The line at `from` (its first with words), without its trailing spaces; `next` is where the one after starts.
static std::string line_at(const std::string& text, std::size_t from, std::size_t& next) {
  const std::size_t begin = text.find_first_not_of("\n ", from);
  if (begin == std::string::npos) {
    next = text.size();
    return "";
  }
  const std::size_t end = std::min(text.find('\n', begin), text.size());
  next = end;
  const std::size_t last = text.find_last_not_of(' ', end - 1);
  return text.substr(begin, last + 1 - begin);
}

// The line of a LibTorch error that says what went wrong: its first line with words, and the next one where the
// first only names the exception (a Python library's message may start with a newline, as transformers' "requires
// the scipy library" does: "ImportError: \n..."). The TorchScript interpreter wraps errors in a traceback whose last
// line ("RuntimeError: ...") is the real message.
std::string error_summary(const std::string& what) {
  std::size_t next = 0;
  std::string first = line_at(what, 0, next);
  if (first.empty()) return what;
  if (first.back() == ':') {
    const std::string more = line_at(what, next, next);
    if (!more.empty()) first += " " + more;
  }
  if (first.find("TorchScript interpreter") == std::string::npos) return first;
  std::size_t end = what.find_last_not_of("\n ");
  if (end == std::string::npos) return first;
  std::size_t start = what.rfind('\n', end);
  return what.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

// "the model's forward failed in aten::linear (module 'fc1'): <LibTorch's first line>[; forward signature]"; "after"
// the last op where that op had returned (the model's own code raised: a Python exception, a TorchScript raise).
ForwardFailed forward_failure(const capture::Session& session, const std::string& what, const std::string& signature) {
  std::string msg = "the model's forward failed";
  if (const auto op = session.last_top_level_op()) {
    msg += (op->aborted ? " in " : " after ") + op->name;
    if (op->module != capture::NnResolver::unresolved())
      msg += op->module.empty() ? " (root module)" : " (module '" + op->module + "')";
  }
  msg += ": " + error_summary(what);
  if (!signature.empty()) msg += "; the model's forward is " + signature;
  return ForwardFailed(msg);
}

// Ops that read tensor values (or make a shape from them): a meta tensor has none to give.
static bool reads_values(const std::string& op) {
  static const char* const kReaders[] = {
      "aten::_local_scalar_dense", "aten::item",    "aten::is_nonzero",   "aten::nonzero",   "aten::nonzero_static",
      "aten::nonzero_numpy",       "aten::argwhere", "aten::masked_select", "aten::_unique",  "aten::_unique2",
      "aten::unique_dim",          "aten::unique_consecutive", "aten::equal", "aten::allclose", "aten::bincount",
      "aten::repeat_interleave", "aten::_assert_async", "aten::tolist"};
  for (const char* r : kReaders)
    if (op == r) return true;
  return false;
}

static bool mentions_missing_meta_kernel(const std::string& what) {
  return what.find("'Meta' backend") != std::string::npos || what.find("meta tensors") != std::string::npos ||
         what.find("not implemented") != std::string::npos || what.find("Meta kernel") != std::string::npos;
}

// A shape-only forward that failed: because it needs values, because LibTorch has no meta kernel for an op,
// or (otherwise) for the reason a real forward would fail too.
ForwardFailed shape_only_failure(const capture::Session& session, const std::string& what, const std::string& signature) {
  const auto chain = session.last_op_chain();  // innermost first
  const OpRecord* reader = nullptr;
  for (const OpRecord& op : chain)
    if (reads_values(op.name)) reader = &op;  // the outermost one names what the model asked for
  if (reader) return ForwardFailed("cannot be analysed shape-only: " + reader->name + " needs tensor values; analyse on cpu");
  // A copy off the meta device (tensor.tolist(), .cpu(), .numpy(): Qwen2-VL reads its image grid so) asks for the
  // values too, though no op above names them.
  if (!chain.empty() && what.find("Cannot copy out of meta tensor") != std::string::npos)
    return ForwardFailed("cannot be analysed shape-only: " + chain.back().name +
                         " copies a tensor off the meta device and so needs tensor values; analyse on cpu");
  // A traced model records the device its tensors were made on (torch.zeros(..., device=cpu) for an LSTM's
  // initial state): on meta inputs those constants meet meta tensors.
  if (!chain.empty() && what.find("device") != std::string::npos && what.find("meta") != std::string::npos &&
      what.find("cpu") != std::string::npos)
    return ForwardFailed("cannot be analysed shape-only: " + chain.back().name +
                         " mixes meta tensors with tensors the model makes on the cpu (a traced model fixes its "
                         "devices); analyse on cpu");
  if (!chain.empty() && mentions_missing_meta_kernel(what))
  {
    std::string why = error_summary(what);
    if (why.size() > 160) why = why.substr(0, 157) + "...";
    return ForwardFailed("cannot be analysed shape-only: " + chain.front().name +
                         " has no meta kernel in LibTorch's C++ runtime (" + why + "); analyse on cpu");
  }
  return forward_failure(session, what, signature);
}

// Whether a forward's error is about an argument's dtype (float token ids reaching an embedding, int64
// reaching a convolution).
static bool about_dtypes(const std::string& what) {
  for (const char* k : {"scalar type", "dtype", "ScalarType", "Input type", "FloatTensor", "LongTensor"})
    if (what.find(k) != std::string::npos) return true;
  return false;
}

// "input 1 (input_ids) is [1, 16] float32, input 2 (pixel_values) ...": which input is which, by position.
static std::string describe_inputs(const std::vector<c10::IValue>& inputs, const c10::FunctionSchema* schema) {
  std::string out;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    out += out.empty() ? "" : ", ";
    out += "input " + std::to_string(i + 1);
    if (schema != nullptr && i + 1 < schema->arguments().size()) out += " (" + schema->arguments()[i + 1].name() + ")";
    if (inputs[i].isTensor()) {
      const at::Tensor& t = inputs[i].toTensor();
      out += " is " + c10::str(c10::IntArrayRef(capture::display_shape(t))) + " " + dtype_name(t.scalar_type());
    }
  }
  return out;
}

// Whether a forward's error is about sizes (an index past a mask made at the traced batch, a reshape to the
// traced sequence length).
static bool about_sizes(const std::string& what) {
  for (const char* k : {"out of bounds", "out of range", "must match the size", "Sizes of tensors must match",
                        "is invalid for input of size", "shape '["})
    if (what.find(k) != std::string::npos) return true;
  return false;
}

// A forward that failed on a dtype says which input has which dtype, and how to give each its own; one that
// failed on sizes says that a traced file keeps the shapes it was traced at.
ForwardFailed with_input_hint(const ForwardFailed& e, const std::vector<c10::IValue>& inputs,
                              const c10::FunctionSchema* schema) {
  if (about_dtypes(e.what()))
    return ForwardFailed(std::string(e.what()) + "; " + describe_inputs(inputs, schema) +
                        ": give each input the dtype it needs (Options::input_dtypes; on the command line a suffix, "
                        "e.g. --full-shape 1,128:int64)");
  if (about_sizes(e.what()))
    return ForwardFailed(std::string(e.what()) + "; " + describe_inputs(inputs, schema) +
                        ": if the file was traced, it runs only at the shapes it was traced with (its masks, position "
                        "ids and reshapes were fixed then): analyse it at those shapes, or trace it at these");
  return e;
}

// A failed forward's one line, with what the model warned or printed before it failed (often the reason), quoted
// and cut short: the line stays flopscope's, the model's words stay the model's.
ForwardFailed with_model_output(const ForwardFailed& e, const capture::ModelOutput& said) {
  const auto& messages = said.collected().messages;
  if (messages.empty()) return e;
  std::string text = messages.back().text;
  if (text.size() > 200) text = text.substr(0, 200) + "...";
  const std::size_t more = messages.size() - 1 + said.collected().dropped;
  return ForwardFailed(std::string(e.what()) + "; before that the model " +
                       (messages.back().kind == ModelMessage::Kind::Warning ? "warned " : "printed ") +
                       text::quoted(text) + (more > 0 ? " (and " + std::to_string(more) + " more)" : ""));
}

}  // namespace flopscope::api
