#include "capture/capture.h"

#include <memory>
#include <vector>

namespace flopscope::capture {

struct Session::State {
  Trace trace;
  std::vector<std::int32_t> open;                 // ops started and not yet ended, innermost last
  std::vector<at::RecordFunctionHandle> handles;  // their RecordFunction ids, to pair start and end
  ModuleResolver* resolver = nullptr;
  bool active = true;
};

namespace {

// Callbacks are plain function pointers: the session's state is reached through this thread's pointer.
thread_local Session::State* t_state = nullptr;

Value to_value(const c10::IValue& v) {
  if (v.isTensor()) {
    const auto& t = v.toTensor();
    if (!t.defined()) return Value::none();
    Value out = Value::tensor(t.sizes().vec());
    out.dtype = static_cast<std::int8_t>(t.scalar_type());
    return out;
  }
  if (v.isNone()) return Value::none();
  if (v.isBool()) return Value::boolean(v.toBool());
  if (v.isInt()) return Value::integer(v.toInt());
  if (v.isDouble()) return Value::real(v.toDouble());
  if (v.isIntList()) return Value::int_list(v.toIntVector());
  if (v.isString()) return Value::string(v.toStringRef());
  if (v.isTensorList()) {
    std::vector<std::vector<std::int64_t>> shapes;
    for (const at::Tensor& t : v.toTensorList()) shapes.push_back(t.defined() ? t.sizes().vec() : std::vector<std::int64_t>{});
    return Value::tensor_list(std::move(shapes));
  }
  return Value::other();
}

// Boxed calls (the TorchScript interpreter) pass the whole stack: the op's own values are the last n.
void append_values(std::vector<Value>& out, c10::ArrayRef<const c10::IValue> values, std::size_t n) {
  std::size_t first = values.size() > n ? values.size() - n : 0;
  out.reserve(values.size() - first);
  for (std::size_t i = first; i < values.size(); ++i) out.push_back(to_value(values[i]));
}

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
  Session::State* s = t_state;
  if (s == nullptr || !s->active) return nullptr;
  auto index = static_cast<std::int32_t>(s->trace.ops.size());
  OpRecord& r = s->trace.ops.emplace_back();
  r.name = fn.name();
  append_values(r.inputs, fn.inputs(), fn.num_inputs());
  r.parent = s->open.empty() ? -1 : s->open.back();
  // Only top-level ops ask for their module: the lookup builds strings, and a nested op runs in the same
  // module as its parent anyway.
  r.module = r.parent < 0 ? s->resolver->resolve(fn) : s->trace.ops[r.parent].module;
  s->open.push_back(index);
  s->handles.push_back(fn.handle());
  return nullptr;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext* /*unused*/) {
  Session::State* s = t_state;
  if (s == nullptr || !s->active) return;
  // An op whose start we did not see (registered mid-call) has no entry: leave the stack alone.
  std::size_t depth = s->handles.size();
  while (depth > 0 && s->handles[depth - 1] != fn.handle()) --depth;
  if (depth == 0) return;
  OpRecord& r = s->trace.ops[s->open[depth - 1]];
  const auto& outs = fn.outputs();
  append_values(r.outputs, c10::ArrayRef<const c10::IValue>(outs.data(), outs.size()), fn.num_outputs());
  s->open.resize(depth - 1);
  s->handles.resize(depth - 1);
}

}  // namespace

Session::Session(ModuleResolver& resolver) : m_state(std::make_unique<State>()), m_previous(t_state) {
  m_state->resolver = &resolver;
  t_state = m_state.get();
  m_handle = at::addThreadLocalCallback(at::RecordFunctionCallback(on_start, on_end)
                                            .needsInputs(true)
                                            .needsOutputs(true)
                                            .needsIds(true)
                                            .scopes({at::RecordScope::FUNCTION}));
}

Session::~Session() {
  at::removeCallback(m_handle);
  t_state = m_previous;
}

const OpRecord* Session::last_top_level_op() const {
  const auto& ops = m_state->trace.ops;
  if (ops.empty()) return nullptr;
  std::size_t i = ops.size() - 1;
  while (ops[i].parent >= 0) i = static_cast<std::size_t>(ops[i].parent);
  return &ops[i];
}

std::vector<const OpRecord*> Session::last_op_chain() const {
  std::vector<const OpRecord*> chain;
  const auto& ops = m_state->trace.ops;
  for (auto i = static_cast<std::int32_t>(ops.size()) - 1; i >= 0; i = ops[static_cast<std::size_t>(i)].parent)
    chain.push_back(&ops[static_cast<std::size_t>(i)]);
  return chain;
}

Trace Session::finish() {
  m_state->active = false;
  return std::move(m_state->trace);
}

}  // namespace flopscope::capture
