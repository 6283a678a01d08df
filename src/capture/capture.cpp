#include "capture/capture.h"

#include <cstring>
#include <memory>
#include <unordered_map>
#include <vector>

namespace flopscope::capture {
namespace {

// What the callback needs to know about one operator, worked out on its first call.
struct OpInfo {
  std::string name;
  bool values = false;            // its argument values are recorded
  std::vector<bool> written;      // per schema argument: the op writes into it (alias info `a!`)
  bool writes = false;            // any of them
};

}  // namespace

struct Session::State {
  Trace trace;
  std::vector<std::int32_t> open;                 // ops started and not yet ended, innermost last
  std::vector<at::RecordFunctionHandle> handles;  // their RecordFunction ids, to pair start and end
  std::vector<bool> open_values;                  // whether each open op records its values
  std::int32_t valued_depth = 0;                  // open ops that record values
  ModuleResolver* resolver = nullptr;
  ValuesWanted wanted;
  StateWatch* watch = nullptr;
  // Operator schemas live as long as the process, so their name pointers are stable keys; a name from a
  // string-named RecordFunction may reuse an address, which the strcmp in op_info catches.
  std::unordered_map<const char*, OpInfo> ops;
  bool active = true;
};

namespace {

// Callbacks are plain function pointers: the session's state is reached through this thread's pointer.
thread_local Session::State* t_state = nullptr;

const OpInfo& op_info(Session::State& s, const at::RecordFunction& fn) {
  const char* name = fn.name();
  auto it = s.ops.find(name);
  if (it != s.ops.end() && it->second.name == name) return it->second;
  OpInfo info;
  info.name = name;
  info.values = !s.wanted || s.wanted(info.name);
  if (s.watch != nullptr) {
    if (auto schema = fn.operator_schema()) {  // a copy: paid once per operator
      for (const auto& arg : schema->arguments()) {
        const bool w = arg.alias_info() != nullptr && arg.alias_info()->isWrite();
        info.written.push_back(w);
        info.writes |= w;
      }
    }
  }
  auto& slot = s.ops[name];
  slot = std::move(info);
  return slot;
}

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
c10::ArrayRef<const c10::IValue> own_values(c10::ArrayRef<const c10::IValue> values, std::size_t n) {
  return values.size() > n ? values.slice(values.size() - n) : values;
}

void append_values(std::vector<Value>& out, c10::ArrayRef<const c10::IValue> values) {
  out.reserve(values.size());
  for (const auto& v : values) out.push_back(to_value(v));
}

// Tells the watch about the op's tensor arguments: all of them while it wants reads, else only those the
// schema marks as written.
void report_uses(StateWatch& watch, const OpInfo& info, c10::ArrayRef<const c10::IValue> args) {
  const bool reads = watch.wants_reads();
  if (!reads && !info.writes) return;
  at::RecordFunctionGuard not_recorded(false);  // the watch's own copies are not ops of the model
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool written = i < info.written.size() && info.written[i];
    if (!reads && !written) continue;
    const auto& v = args[i];
    if (v.isTensor()) {
      watch.before_use(v.toTensor(), written);
    } else if (v.isTensorList()) {
      for (const at::Tensor& t : v.toTensorList()) watch.before_use(t, written);
    }
  }
}

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
  Session::State* s = t_state;
  if (s == nullptr || !s->active) return nullptr;
  const OpInfo& info = op_info(*s, fn);
  const auto args = own_values(fn.inputs(), fn.num_inputs());
  if (s->watch != nullptr) report_uses(*s->watch, info, args);

  auto index = static_cast<std::int32_t>(s->trace.ops.size());
  OpRecord& r = s->trace.ops.emplace_back();
  r.name = info.name;
  const bool values = info.values && (!s->wanted || s->valued_depth == 0);
  if (values) append_values(r.inputs, args);
  r.parent = s->open.empty() ? -1 : s->open.back();
  // Only top-level ops ask for their module: the lookup builds strings, and a nested op runs in the same
  // module as its parent anyway.
  r.module = r.parent < 0 ? s->resolver->resolve(fn) : s->trace.ops[r.parent].module;
  s->open.push_back(index);
  s->handles.push_back(fn.handle());
  s->open_values.push_back(values);
  s->valued_depth += values ? 1 : 0;
  return nullptr;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext* /*unused*/) {
  Session::State* s = t_state;
  if (s == nullptr || !s->active) return;
  // An op whose start we did not see (registered mid-call) has no entry: leave the stack alone.
  std::size_t depth = s->handles.size();
  while (depth > 0 && s->handles[depth - 1] != fn.handle()) --depth;
  if (depth == 0) return;
  if (s->open_values[depth - 1]) {
    OpRecord& r = s->trace.ops[s->open[depth - 1]];
    const auto& outs = fn.outputs();
    append_values(r.outputs, own_values(c10::ArrayRef<const c10::IValue>(outs.data(), outs.size()), fn.num_outputs()));
  }
  for (std::size_t i = depth - 1; i < s->open_values.size(); ++i) s->valued_depth -= s->open_values[i] ? 1 : 0;
  s->open.resize(depth - 1);
  s->handles.resize(depth - 1);
  s->open_values.resize(depth - 1);
}

}  // namespace

Session::Session(ModuleResolver& resolver, ValuesWanted wanted, StateWatch* watch)
    : m_state(std::make_unique<State>()), m_previous(t_state) {
  m_state->resolver = &resolver;
  m_state->wanted = std::move(wanted);
  m_state->watch = watch;
  m_state->trace.ops.reserve(1024);
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
