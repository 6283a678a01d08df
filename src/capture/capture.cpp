#include "capture/capture.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <thread>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <c10/core/impl/LocalDispatchKeySet.h>

#include "capture/device_thread_slot.h"
#include "capture/region_label.h"
#include "capture/torch_tracing.h"
#include "capture/wrapper_call.h"
#include "capture/tensor_shape.h"
#include "capture/held_memory.h"
#include "capture/optimizer_steps.h"
#include "capture/packed_weight.h"
#include "capture/pages.h"

namespace flopscope::capture {
namespace {

// What the callback needs to know about one operator, worked out on its first call.
struct OpInfo {
  std::string_view name;            // in the session's arena
  bool values = false;              // its argument values are recorded
  std::pmr::vector<bool> written;   // per schema argument: the op writes into it (alias info `a!`)
  bool writes = false;              // any of them
  bool engine_node = false;         // autograd's engine wrapping a backward node (a training step)
};

// One recorded value, its variable part in the session's pools: the dims of a tensor or the elements of an
// int list in `ints` [begin, begin + count); a tensor list's tensors in `ints` as (rank, dims...) each,
// count = number of tensors; a string's characters in `text`. A nested tensor (number = 1) has its padded dims,
// then each component's count - 1 dims, component after component.
struct CompactValue {
  Value::Kind kind = Value::Kind::None;
  std::int8_t dtype = -1;
  std::uint32_t begin = 0;
  std::uint32_t count = 0;
  double number = 0;
};

struct CompactOp {
  std::string_view name;
  std::int32_t parent = -1;
  std::uint32_t module = 0;  // index into the interned module paths
  std::uint32_t in_begin = 0, in_count = 0, out_begin = 0, out_count = 0;  // into the values pool
  std::int64_t sequence_nr = -1;
  bool backward = false;
  bool loss = false;
  bool aborted = false;
};

constexpr std::size_t kFirstChunk = 256 * 1024;

}  // namespace

// Everything the session keeps during the forward lives in its own pages (capture/pages.h says why).
struct Session::State {
  State(std::size_t budget, std::function<std::size_t()> lazy) : pages(budget, std::move(lazy)) {}
  PageResource pages;
  std::pmr::monotonic_buffer_resource arena{kFirstChunk, &pages};  // released whole when the session ends

  std::pmr::vector<CompactOp> ops{&arena};
  std::pmr::vector<CompactValue> values{&arena};
  std::pmr::vector<std::int64_t> ints{&arena};
  std::pmr::string text{&arena};
  std::pmr::vector<std::string_view> modules{&arena};  // interned module paths
  std::pmr::vector<std::pair<std::int64_t, std::uint32_t>> function_nodes{&arena};  // Trace::function_nodes
  std::pmr::unordered_map<std::string_view, std::uint32_t> module_ids{&arena};
  std::uint32_t last_module = 0;

  // The ops one thread started and has not ended, innermost last.
  struct OpenOps {
    explicit OpenOps(std::pmr::memory_resource* r)
        : open(r), handles(r), open_values(r), unwinding(r), wrapped(r) {}
    std::pmr::vector<std::int32_t> open;                   // their indices in ops
    std::pmr::vector<at::RecordFunctionHandle> handles;    // their RecordFunction ids, to pair start and end
    std::pmr::vector<char> open_values;                    // whether each records its values
    std::pmr::vector<int> unwinding;                       // std::uncaught_exceptions() when each started
    std::int32_t valued_depth = 0;                         // how many record values
    // The calls on wrapper tensors left out and not yet ended (capture/wrapper_call.h), innermost last, with their
    // autograd sequence numbers: under torch.func.grad the autograd node is the left-out call's, and the calls on
    // the whole batch inside it, which have none, take its number so that the node finds their module.
    std::pmr::vector<std::pair<at::RecordFunctionHandle, std::int64_t>> wrapped;
    TracingSpan tracing;  // torch's tracing, left out whole (capture/torch_tracing.h)
  };
  OpenOps owner_ops{&arena};  // the analysing thread's
  // A training step's backward on CUDA runs on autograd's device threads (capture/device_thread_slot.h): their ops are
  // recorded too, each thread nesting its own, under `lock` (the analysing thread takes it too meanwhile).
  std::thread::id owner = std::this_thread::get_id();
  std::pmr::unordered_map<std::thread::id, OpenOps> other_ops{&arena};
  bool shared = false;  // other threads may record: take the lock
  std::mutex lock;
  OpenOps& ops_of_this_thread() {
    if (!shared) return owner_ops;  // only the analysing thread records
    const auto id = std::this_thread::get_id();
    if (id == owner) return owner_ops;
    return other_ops.try_emplace(id, &arena).first->second;
  }
  ModuleResolver* resolver = nullptr;
  ValuesWanted wanted;
  StateWatch* watch = nullptr;
  // Operator schemas live as long as the process, so their name pointers are stable keys; a name from a
  // string-named RecordFunction may reuse an address, which the comparison in op_info catches.
  std::pmr::unordered_map<const char*, OpInfo> op_infos{&arena};
  bool active = true;

  // A training step: where autograd's device threads find the session (declared before `held`, whose slot is
  // pushed after it and must go first).
  std::optional<c10::DebugInfoGuard> slot;
  // A training step's forward: the memory it allocates, by op (capture/held_memory.h), until forward_ended().
  std::unique_ptr<HeldMemory> held;
  std::unordered_map<std::int32_t, std::int64_t> held_bytes;
  std::string held_unmeasured = "the forward did not end";
  bool held_measured = false;
  bool forward_over = false;  // forward_ended() was called: what is not backward now is the loss
  bool skip_inside = false;   // skip_inside_valued_ops()
  ForwardTensors tensors = ForwardTensors::real;  // shape_only_forward()
  bool muted = false;         // RecordFunction is off on this thread for the valued op now running
  bool wrapper_call_seen = false;  // a call left out by its inputs: on wrapper tensors, or torch tracing on meta ones
                                   // (Trace::without_wrapper_calls)

  // The first failure of a callback (out of memory, its budget spent), and this thread's dispatch keys before the
  // capture blocked the forward's next op.
  char failure[256] = {};
  bool out_of_memory = false;  // the failure was the records' budget or an allocation
  std::optional<c10::impl::LocalDispatchKeySet> unblocked;

  void fail(const at::RecordFunction& fn, const char* what, bool memory = false);
  void unblock() {
    if (unblocked) c10::impl::_force_tls_local_dispatch_key_set(*unblocked);
    unblocked.reset();
    unmute();
  }
  void unmute() {
    if (muted) at::enableRecordFunction(true);
    muted = false;
  }

  // A copy of `s` in the arena.
  std::string_view keep(std::string_view s) {
    char* p = static_cast<char*>(arena.allocate(s.size() == 0 ? 1 : s.size(), 1));
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  std::uint32_t module_id(const std::string& path) {
    if (!modules.empty() && modules[last_module] == path) return last_module;
    auto it = module_ids.find(path);
    if (it == module_ids.end()) {
      const std::string_view kept = keep(path);
      it = module_ids.emplace(kept, static_cast<std::uint32_t>(modules.size())).first;
      modules.push_back(kept);
    }
    last_module = it->second;
    return last_module;
  }

  void append(const c10::IValue& v);
  Value expand(const CompactValue& c) const;
  OpRecord expand(const CompactOp& op, bool with_values) const;
};

void Session::State::append(const c10::IValue& v) {
  CompactValue out;
  if (v.isTensor()) {
    const auto& t = v.toTensor();
    if (t.defined()) {
      out.kind = Value::Kind::Tensor;
      out.dtype = static_cast<std::int8_t>(t.scalar_type());
      out.begin = static_cast<std::uint32_t>(ints.size());
      out.count = static_cast<std::uint32_t>(t.dim());
      if (const auto* nested = strided_nested(t)) {
        out.number = 1;
        push_nested(ints, *nested, true);
      } else if (!push_sizes(ints, t)) {
        out = CompactValue{};
        out.kind = Value::Kind::Other;
      }
    }
  } else if (v.isNone()) {
  } else if (v.isBool()) {
    out.kind = Value::Kind::Bool;
    out.number = v.toBool() ? 1.0 : 0.0;
  } else if (v.isInt()) {
    out.kind = Value::Kind::Int;
    out.number = static_cast<double>(v.toInt());
  } else if (v.isDouble()) {
    out.kind = Value::Kind::Double;
    out.number = v.toDouble();
  } else if (v.isIntList()) {
    out.kind = Value::Kind::IntList;
    out.begin = static_cast<std::uint32_t>(ints.size());
    for (auto i : v.toIntList()) ints.push_back(i);
    out.count = static_cast<std::uint32_t>(ints.size() - out.begin);
  } else if (v.isBoolList()) {  // convolution_backward's output_mask: which gradients are computed
    out.kind = Value::Kind::IntList;
    out.begin = static_cast<std::uint32_t>(ints.size());
    for (const bool b : v.toBoolList()) ints.push_back(b ? 1 : 0);
    out.count = static_cast<std::uint32_t>(ints.size() - out.begin);
  } else if (v.isString()) {
    out.kind = Value::Kind::String;
    const auto& s = v.toStringRef();
    out.begin = static_cast<std::uint32_t>(text.size());
    out.count = static_cast<std::uint32_t>(s.size());
    text.append(s);
  } else if (v.isTensorList()) {
    out.kind = Value::Kind::TensorList;
    out.begin = static_cast<std::uint32_t>(ints.size());
    for (const at::Tensor& t : v.toTensorList()) {
      ++out.count;
      if (!t.defined()) {
        ints.push_back(0);
        continue;
      }
      ints.push_back(t.dim());
      if (const auto* nested = strided_nested(t)) {
        push_nested(ints, *nested, false);  // in a list, the padded shape alone
      } else if (!push_sizes(ints, t)) {
        ints.back() = 0;  // no known shape: rank 0
      }
    }
  } else if (const auto weight = packed_conv_weight(v)) {  // a quantized convolution's weight, unpacked
    out.kind = Value::Kind::Tensor;
    out.dtype = static_cast<std::int8_t>(weight->scalar_type());
    out.begin = static_cast<std::uint32_t>(ints.size());
    out.count = static_cast<std::uint32_t>(weight->dim());
    if (!push_sizes(ints, *weight)) {
      out = CompactValue{};
      out.kind = Value::Kind::Other;
    }
  } else {
    out.kind = Value::Kind::Other;
  }
  values.push_back(out);
}

Value Session::State::expand(const CompactValue& c) const {
  Value out;
  out.kind = c.kind;
  out.dtype = c.dtype;
  out.number = c.number;
  const auto* first = ints.data() + c.begin;
  switch (c.kind) {
    case Value::Kind::Tensor:
      out.sizes.assign(first, first + c.count);
      if (c.number != 0 && c.count > 0) {  // nested: the components follow the padded shape
        out.number = 0;
        const auto* component = first + c.count;
        out.shapes.reserve(static_cast<std::size_t>(out.sizes[0]));
        for (std::int64_t i = 0; i < out.sizes[0]; ++i, component += c.count - 1)
          out.shapes.emplace_back(component, component + c.count - 1);
      }
      break;
    case Value::Kind::IntList:
      out.sizes.assign(first, first + c.count);
      break;
    case Value::Kind::TensorList:
      out.shapes.reserve(c.count);
      for (std::uint32_t i = 0; i < c.count; ++i) {
        const auto rank = *first++;
        out.shapes.emplace_back(first, first + rank);
        first += rank;
      }
      break;
    case Value::Kind::String:
      out.text.assign(text.data() + c.begin, c.count);
      break;
    default:
      break;
  }
  return out;
}

OpRecord Session::State::expand(const CompactOp& op, bool with_values) const {
  OpRecord r;
  r.name.assign(op.name);
  r.parent = op.parent;
  r.module.assign(modules[op.module]);
  r.sequence_nr = op.sequence_nr;
  r.backward = op.backward;
  r.loss = op.loss;
  r.aborted = op.aborted;
  if (with_values) {
    r.inputs.reserve(op.in_count);
    for (std::uint32_t i = 0; i < op.in_count; ++i) r.inputs.push_back(expand(values[op.in_begin + i]));
    r.outputs.reserve(op.out_count);
    for (std::uint32_t i = 0; i < op.out_count; ++i) r.outputs.push_back(expand(values[op.out_begin + i]));
  }
  return r;
}

// LibTorch runs callbacks inside a try that logs what they throw and goes on with the op: a capture out of memory
// would log a line for every op that follows (gigabytes of stderr for a long loop) and let the forward run on,
// for a result that could only be wrong. So the first failure is kept here (in a fixed buffer: the heap may be
// what failed), recording stops, and the forward is stopped too: with every dispatch key excluded on this
// thread, the next op the dispatcher runs (or the current one's next step) finds no kernel and throws, which
// ends the forward the way a failing op would. The keys come back when the session finishes or ends.
void Session::State::fail(const at::RecordFunction& fn, const char* what, bool memory) {
  active = false;
  out_of_memory = memory;
  std::snprintf(failure, sizeof failure, "%s, at %s after %zu ops", what, fn.name(), ops.size());
  // An autograd device thread's keys are its task's, reset for each node: recording stops, the backward ends.
  if (std::this_thread::get_id() != owner) return;
  unblocked = c10::impl::tls_local_dispatch_key_set();
  c10::impl::LocalDispatchKeySet blocked = *unblocked;
  blocked.excluded_ = c10::DispatchKeySet(c10::DispatchKeySet::FULL);
  c10::impl::_force_tls_local_dispatch_key_set(blocked);
}

namespace {

// Callbacks are plain function pointers: the session's state is reached through this thread's pointer.
thread_local Session::State* t_state = nullptr;

const OpInfo& op_info(Session::State& s, const at::RecordFunction& fn) {
  const char* name = fn.name();
  auto it = s.op_infos.find(name);
  if (it != s.op_infos.end() && it->second.name == name) return it->second;
  OpInfo info;
  info.name = s.keep(name);
  info.written = std::pmr::vector<bool>(&s.arena);
  info.values = !s.wanted || s.wanted(std::string(info.name));
  info.engine_node = info.name.rfind("autograd::engine::", 0) == 0;
  if (s.watch != nullptr) {
    if (auto schema = fn.operator_schema()) {  // a copy: paid once per operator
      for (const auto& arg : schema->arguments()) {
        const bool w = arg.alias_info() != nullptr && arg.alias_info()->isWrite();
        info.written.push_back(w);
        info.writes |= w;
      }
    }
  }
  return s.op_infos.insert_or_assign(name, std::move(info)).first->second;
}

// Tells the watch about the tensor arguments the op's schema marks as written. Recording stays on: most of them are
// not the model's state (a fresh tensor's fill_), and the watch switches it off around the copies it makes
// (StateWatch), where switching it here would cost two rebuilds of torch's callback lists per writing op.
void report_writes(StateWatch& watch, const OpInfo& info, c10::ArrayRef<const c10::IValue> args) {
  for (std::size_t i = 0; i < args.size() && i < info.written.size(); ++i) {
    if (!info.written[i]) continue;
    const auto& v = args[i];
    if (v.isTensor()) {
      watch.before_write(v.toTensor());
    } else if (v.isTensorList()) {
      for (const at::Tensor& t : v.toTensorList()) watch.before_write(t);
    }
  }
}

void start(Session::State* s, const at::RecordFunction& fn) {
  // A label is not recorded: the ops inside it are, as if it were not there; its end finds no entry (end()). Nor
  // is a call on wrapper tensors (vmap's batched tensors, one example's sizes; jagged nested tensors): the calls
  // inside it, on the whole batch or the packed sequences, stand for it.
  Session::State::OpenOps& t = s->ops_of_this_thread();
  if (t.tracing.inside()) return;
  if (is_region_label(fn)) {
    // A custom autograd function's apply looks like a label, but carries its node's number: noted with the
    // module it runs in, for its backward (Trace::function_nodes).
    if (fn.seqNr() >= 0)
      s->function_nodes.emplace_back(fn.seqNr(), t.open.empty() ? s->module_id(s->resolver->resolve(fn))
                                                                : s->ops[static_cast<std::size_t>(t.open.back())].module);
    return;
  }
  if (const Tracing tracing = t.tracing.starts(fn, s->tensors); tracing != Tracing::none) {
    s->wrapper_call_seen |= tracing == Tracing::by_inputs;  // the observers must read inputs to leave it out too
    return;
  }
  if (is_wrapper_call(fn)) {
    t.wrapped.emplace_back(fn.handle(), fn.seqNr());
    s->wrapper_call_seen = true;
    return;
  }
  const OpInfo& info = op_info(*s, fn);
  // An optimizer's own ops in a recorded training loop are neither the model's forward nor its backward
  // (capture/optimizer_steps.h): left out, as a label is. Its closure's ops (in a module, or autograd's) stay.
  if (t.open.empty() && in_optimizer_step() && !info.engine_node && fn.scope() != at::RecordScope::BACKWARD_FUNCTION &&
      s->resolver->resolve(fn).empty())
    return;
  const auto args = own_values(fn.inputs(), fn.num_inputs());
  if (s->watch != nullptr && info.writes) report_writes(*s->watch, info, args);

  const auto index = static_cast<std::int32_t>(s->ops.size());
  CompactOp r;
  r.name = info.name;
  const bool values = info.values && (!s->wanted || t.valued_depth == 0);
  if (values) {
    r.in_begin = static_cast<std::uint32_t>(s->values.size());
    for (const auto& v : args) s->append(v);
    r.in_count = static_cast<std::uint32_t>(args.size());
  }
  r.parent = t.open.empty() ? -1 : t.open.back();
  // Autograd's engine wraps each node in "autograd::engine::evaluate_function: X" (no sequence number), around the
  // node's own record "X" (BACKWARD_FUNCTION, the forward op's number), around the ATen ops the node runs.
  r.sequence_nr = fn.seqNr();
  for (auto it = t.wrapped.rbegin(); r.sequence_nr < 0 && it != t.wrapped.rend(); ++it) r.sequence_nr = it->second;
  r.backward = info.engine_node || fn.scope() == at::RecordScope::BACKWARD_FUNCTION ||
               (r.parent >= 0 && s->ops[static_cast<std::size_t>(r.parent)].backward);
  r.loss = s->forward_over && !r.backward;
  // Only top-level ops ask for their module, and ops inside a backward node: the lookup may build strings, and a
  // nested op of a forward runs in the same module as its parent. A backward node's ops can run in modules of
  // their own: activation checkpointing reruns a block's forward inside the node that needs it, calling the
  // block's modules (capture/backward_placement.cpp places them).
  r.module = r.parent < 0 || r.backward ? s->module_id(s->resolver->resolve(fn))
                                        : s->ops[static_cast<std::size_t>(r.parent)].module;
  s->ops.push_back(r);
  t.open.push_back(index);
  t.handles.push_back(fn.handle());
  // 2: valued, and the ops inside it go unrecorded (skip_inside_valued_ops); its own end still comes, from the
  // callbacks the op's RecordFunction took when it started.
  const bool mute = values && s->skip_inside && s->wanted && !s->muted;
  t.open_values.push_back(mute ? 2 : values ? 1 : 0);
  t.unwinding.push_back(std::uncaught_exceptions());
  t.valued_depth += values ? 1 : 0;
  if (mute) {
    at::enableRecordFunction(false);
    s->muted = true;
  }
}

void end(Session::State* s, const at::RecordFunction& fn) {
  // An op whose start we did not see (registered mid-call) has no entry: leave the stack alone.
  Session::State::OpenOps& t = s->ops_of_this_thread();
  if (t.tracing.ends(fn)) return;
  if (!t.wrapped.empty() && t.wrapped.back().first == fn.handle()) {
    t.wrapped.pop_back();
    return;
  }
  std::size_t depth = t.handles.size();
  while (depth > 0 && t.handles[depth - 1] != fn.handle()) --depth;
  if (depth == 0) return;
  // RecordFunction ends its record from its destructor, also while an exception unwinds through the op: one more
  // exception in flight than at its start means the op threw (OpRecord::aborted).
  if (std::uncaught_exceptions() > t.unwinding[depth - 1])
    s->ops[static_cast<std::size_t>(t.open[depth - 1])].aborted = true;
  if (t.open_values[depth - 1] != 0) {
    CompactOp& r = s->ops[static_cast<std::size_t>(t.open[depth - 1])];
    const auto& outs = fn.outputs();
    const auto own = own_values(c10::ArrayRef<const c10::IValue>(outs.data(), outs.size()), fn.num_outputs());
    r.out_begin = static_cast<std::uint32_t>(s->values.size());
    for (const auto& v : own) s->append(v);
    r.out_count = static_cast<std::uint32_t>(own.size());
  }
  for (std::size_t i = depth - 1; i < t.open_values.size(); ++i) {
    t.valued_depth -= t.open_values[i] != 0 ? 1 : 0;
    if (t.open_values[i] == 2) s->unmute();
  }
  t.open.resize(depth - 1);
  t.handles.resize(depth - 1);
  t.open_values.resize(depth - 1);
  t.unwinding.resize(depth - 1);
}

// What a callback threw, in words that fit the fixed buffer.
const char* failure_text(const std::exception& e) {
  if (dynamic_cast<const OverBudget*>(&e) != nullptr) return "the capture's records went over its memory budget";
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) return "the capture ran out of memory";
  return e.what();
}

// Runs a callback's work, turning what it throws into the session's failure (never out to LibTorch).
template <class Work>
void guarded(Session::State* s, const at::RecordFunction& fn, Work&& work) {
  try {
    work(s, fn);
  } catch (const std::exception& e) {
    const bool memory =
        dynamic_cast<const OverBudget*>(&e) != nullptr || dynamic_cast<const std::bad_alloc*>(&e) != nullptr;
    s->fail(fn, failure_text(e), memory);
  } catch (...) {
    s->fail(fn, "the capture failed");
  }
}

// A training step's CUDA backward runs on autograd's device thread: the session is found there through its slot
// (capture/device_thread_slot.h).
Session::State* session_here() { return state_here(t_state, kSessionSlot); }

template <class Work>
void record(const at::RecordFunction& fn, Work&& work) {
  Session::State* s = session_here();
  if (s == nullptr) return;
  if (!s->shared) {
    if (s->active) guarded(s, fn, work);
    return;
  }
  std::lock_guard<std::mutex> hold(s->lock);
  if (s->active) guarded(s, fn, work);
}

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
  record(fn, start);
  return nullptr;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext* /*unused*/) { record(fn, end); }

}  // namespace

Session::Session(ModuleResolver& resolver, ValuesWanted wanted, StateWatch* watch, std::size_t budget,
                 std::function<std::size_t()> lazy_budget, bool with_backward)
    : m_state(std::make_unique<State>(budget, std::move(lazy_budget))), m_previous(t_state) {
  m_state->resolver = &resolver;
  m_state->wanted = std::move(wanted);
  m_state->watch = watch;
  // Room up front, so that a typical forward grows nothing while it runs (growth is in the arena anyway).
  m_state->ops.reserve(2048);
  m_state->values.reserve(2048);
  m_state->ints.reserve(8192);
  m_state->owner_ops.open.reserve(64);
  m_state->owner_ops.handles.reserve(64);
  m_state->owner_ops.open_values.reserve(64);
  t_state = m_state.get();
  if (with_backward) {
    State* s = m_state.get();
    s->shared = true;
    push_device_thread_slot(s->slot, kSessionSlot, s);
    m_state->held = std::make_unique<HeldMemory>([s] { return s->owner_ops.open.empty() ? -1 : s->owner_ops.open.back(); });
  }
  // Autograd's nodes (BACKWARD_FUNCTION) only when asked: a training step's backward runs on this thread for CPU
  // tensors, its ATen ops nested in the node that ran them.
  std::unordered_set<at::RecordScope, std::hash<at::RecordScope>> scopes{at::RecordScope::FUNCTION};
  if (with_backward) scopes.insert(at::RecordScope::BACKWARD_FUNCTION);
  m_handle = at::addThreadLocalCallback(at::RecordFunctionCallback(on_start, on_end)
                                            .needsInputs(true)
                                            .needsOutputs(true)
                                            .needsIds(true)
                                            .scopes(scopes));
}

Session::~Session() {
  m_state->unblock();
  at::removeCallback(m_handle);
  t_state = m_previous;
}

std::optional<OpRecord> Session::last_top_level_op() const {
  const auto& ops = m_state->ops;
  if (ops.empty()) return std::nullopt;
  std::size_t i = ops.size() - 1;
  while (ops[i].parent >= 0) i = static_cast<std::size_t>(ops[i].parent);
  return m_state->expand(ops[i], false);
}

std::vector<OpRecord> Session::last_op_chain() const {
  std::vector<OpRecord> chain;
  const auto& ops = m_state->ops;
  for (auto i = static_cast<std::int32_t>(ops.size()) - 1; i >= 0; i = ops[static_cast<std::size_t>(i)].parent)
    chain.push_back(m_state->expand(ops[static_cast<std::size_t>(i)], false));
  return chain;
}

std::optional<std::string> Session::failure() const {
  if (m_state->failure[0] == '\0') return std::nullopt;
  return std::string(m_state->failure);
}

bool Session::failed_for_memory() const { return m_state->out_of_memory; }

std::size_t Session::budget() const { return m_state->pages.budget(); }

void Session::skip_inside_valued_ops() { m_state->skip_inside = true; }

void Session::shape_only_forward(ForwardTensors tensors) { m_state->tensors = tensors; }

void Session::without_saved_memory(std::string why) {
  m_state->held.reset();
  m_state->held_unmeasured = std::move(why);
}

Trace Session::finish() {
  {
    std::lock_guard<std::mutex> hold(m_state->lock);  // no device thread records past here
    m_state->active = false;
  }
  m_state->unblock();
  Trace trace;
  trace.ops.reserve(m_state->ops.size());
  for (const auto& op : m_state->ops) trace.ops.push_back(m_state->expand(op, true));
  m_state->held.reset();
  trace.saved.measured = m_state->held_measured;
  trace.without_wrapper_calls = !m_state->wrapper_call_seen;
  for (const auto& [number, module] : m_state->function_nodes)
    trace.function_nodes.emplace_back(number, std::string(m_state->modules[module]));
  if (!trace.saved.measured) trace.saved.why_not = m_state->held_unmeasured;
  for (const auto& [op, bytes] : m_state->held_bytes) {
    if (op < 0 || static_cast<std::size_t>(op) >= trace.ops.size()) {
      trace.saved.outside_ops += bytes;
      continue;
    }
    auto top = static_cast<std::size_t>(op);  // the module is resolved per top-level op: the bytes go there
    while (trace.ops[top].parent >= 0) top = static_cast<std::size_t>(trace.ops[top].parent);
    trace.ops[top].saved_bytes += bytes;
  }
  return trace;
}

void forward_ended(const std::vector<at::Tensor>& outputs) {
  Session::State* s = t_state;
  if (s == nullptr) return;
  s->forward_over = true;
  if (!s->held) return;
  std::vector<const void*> kept;
  for (const auto& t : outputs)
    if (t.defined() && t.has_storage()) kept.push_back(t.storage().data_ptr().get());
  s->held_bytes = s->held->ended(kept);
  s->held_unmeasured = s->held->why_not();
  s->held_measured = s->held_unmeasured.empty();
  s->held.reset();
}

}  // namespace flopscope::capture
