#include "count/attribute.h"

#include "flopscope/errors.h"
#include "flopscope/module_tree.h"

#include <algorithm>

namespace flopscope {

namespace {

// a + b, or CountOverflow naming the key whose total it is (the message is built only then: sums run per op).
Count checked_sum(Count a, Count b, const std::string& key) {
  Count out = 0;
  if (__builtin_add_overflow(a, b, &out)) throw CountOverflow("the '" + key + "' total overflows int64");
  return out;
}

}  // namespace

void OrderedCounter::add(const std::string& key, Count n) { add_at(slot(key), n); }

std::size_t OrderedCounter::slot(const std::string& key) {
  const auto [it, added] = m_index.try_emplace(key, m_items.size());
  if (added) m_items.emplace_back(key, 0);
  return it->second;
}

void OrderedCounter::add_at(std::size_t slot, Count n) {
  auto& [key, count] = m_items.at(slot);
  count = checked_sum(count, n, key);
}

Count OrderedCounter::get(const std::string& key) const {
  auto it = m_index.find(key);
  return it == m_index.end() ? 0 : m_items[it->second].second;
}

Count OrderedCounter::total() const {
  Count n = 0;
  for (const auto& kv : m_items) n = checked_sum(n, kv.second, kv.first);
  return n;
}

Count StatResult::total(const std::string& module) const {
  auto it = by_module_and_op.find(module);
  return it == by_module_and_op.end() ? 0 : it->second.total();
}

const OrderedCounter& StatResult::by_operator(const std::string& module) const {
  static const OrderedCounter kNone;
  auto it = by_module_and_op.find(module);
  return it == by_module_and_op.end() ? kNone : it->second;
}

namespace count {

namespace {

// torchgen's DONT_RECORD_TRACE (gen_trace_type.py): the tracer records what these call, not the op itself.
const std::unordered_set<std::string>& traced_through_ops() {
  static const std::unordered_set<std::string> kThrough = {
      "aten::convolution",       "aten::conv1d",       "aten::conv2d",        "aten::conv3d",
      "aten::conv_transpose1d",  "aten::conv_transpose2d", "aten::conv_transpose3d", "aten::lstm_cell",
      "aten::gru_cell",          "aten::rnn_tanh_cell", "aten::rnn_relu_cell",  "aten::_coalesced"};
  return kThrough;
}

// Whether counting with `handlers` looks inside a call of `op` for what to count: it has no formula there, is not
// ignored, and is one torch.jit.trace records through or one the set counts by the ops it calls. Inside any other
// op nothing is counted.
bool looks_inside(const std::unordered_map<std::string, Handler>& handlers, const OpSet& ops, const std::string& op) {
  return handlers.count(op) == 0 && ops.ignored.count(op) == 0 &&
         (traced_through(op) || ops.counted_inside.count(op) != 0);
}

}  // namespace

bool traced_through(const std::string& op) { return traced_through_ops().count(op) != 0; }

std::vector<std::string> looked_inside(const OpSet& ops) {
  std::vector<std::string> out;
  for (const auto* names : {&traced_through_ops(), &ops.counted_inside})
    for (const std::string& op : *names)
      if ((looks_inside(ops.flops, ops, op) || looks_inside(ops.activations, ops, op)) &&
          std::find(out.begin(), out.end(), op) == out.end())
        out.push_back(op);
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

class Counter {
 public:
  Counter(const Trace& trace, const std::unordered_map<std::string, Handler>& handlers, const OpSet& ops)
      : m_trace(trace),
        m_handlers(handlers),
        m_ops(ops),
        m_first_child(trace.ops.size() + 1, 0) {
    // Children in one flat array (each op's children are a contiguous run, in call order): two
    // allocations for the whole trace instead of one per op.
    for (const auto& op : trace.ops)
      if (op.parent >= 0) ++m_first_child[static_cast<std::size_t>(op.parent) + 1];
    for (std::size_t i = 1; i < m_first_child.size(); ++i) m_first_child[i] += m_first_child[i - 1];
    m_children.resize(static_cast<std::size_t>(m_first_child.back()));
    std::vector<int> filled(m_first_child.begin(), m_first_child.end() - 1);
    for (std::size_t i = 0; i < trace.ops.size(); ++i)
      if (trace.ops[i].parent >= 0) m_children[static_cast<std::size_t>(filled[trace.ops[i].parent]++)] = static_cast<int>(i);
  }

  StatResult run() {
    for (std::size_t i = 0; i < m_trace.ops.size(); ++i) {
      if (m_trace.ops[i].parent >= 0) continue;
      std::vector<int> unsupported;
      visit(static_cast<int>(i), unsupported);
      for (int u : unsupported) m_result.unsupported.add(m_trace.ops[u].name, 1);
    }
    // Each op's count and each per-key sum fit (credit checks them); a module's total over its keys must too.
    for (const auto& [module, counter] : m_result.by_module_and_op) {
      try {
        counter.total();
      } catch (const CountOverflow&) {
        throw InvalidInput("the count of module '" + module + "' does not fit in 64 bits; analyse smaller inputs, or "
                           "the model in parts");
      }
    }
    return std::move(m_result);
  }

 private:
  // Counts op i's subtree; returns whether anything in it had a formula. An op is counted where the model
  // calls it: one with no formula is unsupported as a whole, and what its CPU implementation calls inside
  // (tensordot's mm, the MHA fast path's bmm) is neither counted nor named. The exception is the few ops
  // torch.jit.trace records through (traced_through): there the ops they call stand for them, as they do
  // in mmengine's traced graph; and the op set's counted_inside, an op whose formula would need values only its
  // children are given (ctc_loss's lengths).
  bool visit(int i, std::vector<int>& unsupported) {
    const OpRecord& op = m_trace.ops[i];
    if (op.aborted) return false;  // it threw and the model went on: nothing in it was done
    auto h = m_handlers.find(op.name);
    if (h != m_handlers.end()) {
      credit(op, h->second);
      return true;
    }
    if (m_ops.ignored.count(op.name) != 0) return false;
    if (!looks_inside(m_handlers, m_ops, op.name) || m_first_child[i] == m_first_child[i + 1]) {
      unsupported.push_back(i);
      return false;
    }
    bool counted = false;
    for (int k = m_first_child[i]; k < m_first_child[i + 1]; ++k) counted |= visit(m_children[k], unsupported);
    return counted;
  }

  void credit(const OpRecord& op, const Handler& handler) {
    try {
      Count n = 0;
      try {
        n = count_call(handler.formula, op);
      } catch (const FormulaError& e) {
        m_result.formula_errors.push_back(std::string(e.what()) + " (in module '" + op.module + "'; counted as 0)");
      }
      const bool real = handler.returns_float != nullptr && handler.returns_float(op);
      for (const Slot& slot : slots(op.module, handler.key)) {
        slot.counter->add_at(slot.index, n);
        if (real) m_result.float_modules.insert(*slot.module);
      }
    } catch (const CountOverflow& e) {
      // A wrapped count would be a wrong number with exit status 0: the analysis fails instead.
      throw InvalidInput("the count of " + op.name + " (module '" + op.module + "') does not fit in 64 bits: " +
                         e.what() + "; analyse smaller inputs, or the model in parts");
    }
  }

  // Where an op of `module` counted under `key` adds: that key's slot in the counter of the module and of each
  // of its ancestors. Made once per module and key (most ops share a few of each), so that crediting an op hashes
  // its module's name once rather than the key once per level.
  struct Slot {
    OrderedCounter* counter;
    std::size_t index;
    const std::string* module;
  };
  struct Chain {
    std::vector<std::pair<const std::string*, OrderedCounter*>> links;  // the module, then its ancestors
    std::vector<std::pair<const std::string*, std::vector<Slot>>> by_key;  // keys are the handlers', never copied
  };
  const std::vector<Slot>& slots(const std::string& module, const std::string& key) {
    auto it = m_chains.find(module);
    if (it == m_chains.end()) {
      Chain chain;
      for (auto& m : module_and_ancestors(module)) {
        auto node = m_result.by_module_and_op.try_emplace(std::move(m)).first;  // nodes never move
        chain.links.emplace_back(&node->first, &node->second);
      }
      it = m_chains.emplace(module, std::move(chain)).first;
    }
    Chain& chain = it->second;
    for (const auto& [k, slots] : chain.by_key)
      if (k == &key) return slots;
    std::vector<Slot> slots;
    for (const auto& [name, counter] : chain.links) slots.push_back({counter, counter->slot(key), name});
    return chain.by_key.emplace_back(&key, std::move(slots)).second;
  }

  const Trace& m_trace;
  const std::unordered_map<std::string, Handler>& m_handlers;
  const OpSet& m_ops;
  std::vector<int> m_first_child;  // op i's children are m_children[m_first_child[i] .. m_first_child[i + 1])
  std::vector<int> m_children;
  StatResult m_result;
  std::unordered_map<std::string, Chain> m_chains;
};

}  // namespace

StatResult count_trace(const Trace& trace, const std::unordered_map<std::string, Handler>& handlers,
                       const OpSet& ops) {
  return Counter(trace, handlers, ops).run();
}

std::vector<std::string> uncalled_modules(const Trace& trace, const ModuleTree& tree) {
  std::unordered_set<std::string> called;
  for (const auto& op : trace.ops) {
    if (op.parent >= 0 || called.count(op.module) != 0) continue;
    for (auto& m : module_and_ancestors(op.module)) called.insert(std::move(m));
  }
  std::vector<std::string> out;
  // The root runs every op of the forward, so it is never "uncalled" even when the forward is empty.
  for (const auto& node : tree.nodes)
    if (!node.path.empty() && called.count(node.path) == 0) out.push_back(node.path);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace count
}  // namespace flopscope
