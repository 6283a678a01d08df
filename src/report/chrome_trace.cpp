#include "report/chrome_trace.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <set>
#include <unordered_map>

#include "flopscope/module_tree.h"

namespace flopscope::report {
namespace {

using gpu::external_id;
using nlohmann::json;

// CUpti_ActivityMemcpyKind's values, as Nsight Systems names them.
std::string memcpy_name(std::uint8_t kind) {
  static const char* const kNames[] = {"Memcpy",      "Memcpy HtoD", "Memcpy DtoH", "Memcpy HtoA",
                                       "Memcpy AtoH", "Memcpy AtoA", "Memcpy AtoD", "Memcpy DtoA",
                                       "Memcpy DtoD", "Memcpy HtoH", "Memcpy PtoP"};
  return kind < std::size(kNames) ? kNames[kind] : kNames[0];
}

bool top_level(const Trace& trace, std::uint32_t op) {
  const auto p = trace.ops[op].parent;
  return p < 0 || static_cast<std::uint32_t>(p) >= op;
}

class Writer {
 public:
  Writer(const Trace& trace, const gpu::TimingRecording& recording, const gpu::GpuJoin& join)
      : m_trace(trace), m_rec(recording), m_join(join), m_base(earliest(recording)) {}

  json run() {
    meta(kChromeCpuPid, -1, "process_name", "CPU");
    meta(kChromeCpuPid, kChromeForwardTid, "thread_name", "forwards");
    meta(kChromeCpuPid, kChromeOpTid, "thread_name", "modules and ops");
    forwards();
    for (std::size_t f = 0; f < m_rec.forwards.size(); ++f) modules(static_cast<std::uint32_t>(f));
    ops();
    // Equal starts: the longer range first, so viewers nest the shorter one inside it.
    std::stable_sort(m_cpu.begin(), m_cpu.end(), [](const json& a, const json& b) {
      const double ta = a["ts"], tb = b["ts"];
      if (ta != tb) return ta < tb;
      return a["dur"].get<double>() > b["dur"].get<double>();
    });
    for (auto& e : m_cpu) m_events.push_back(std::move(e));
    kernels();
    memory();
    for (const auto& [device, stream] : m_streams) {
      if (m_devices.insert(device).second)
        meta(kChromeGpuPidBase + static_cast<int>(device), -1, "process_name", "GPU " + std::to_string(device));
      meta(kChromeGpuPidBase + static_cast<int>(device), static_cast<int>(stream), "thread_name",
           "stream " + std::to_string(stream));
    }
    return json{{"traceEvents", std::move(m_events)}, {"displayTimeUnit", "ns"}};
  }

 private:
  static std::uint64_t earliest(const gpu::TimingRecording& r) {
    std::uint64_t t = std::numeric_limits<std::uint64_t>::max();
    for (const auto& f : r.forwards) t = std::min(t, f.start_ns);
    for (const auto& s : r.op_spans) t = std::min(t, s.start_ns);
    for (const auto& k : r.activity.kernels) t = std::min(t, k.start_ns);
    for (const auto& m : r.activity.memory) t = std::min(t, m.start_ns);
    for (const auto& a : r.activity.api) t = std::min(t, a.start_ns);
    return t == std::numeric_limits<std::uint64_t>::max() ? 0 : t;
  }
  double us(std::uint64_t ns) const { return ns > m_base ? static_cast<double>(ns - m_base) / 1000.0 : 0.0; }
  double dur(std::uint64_t start, std::uint64_t end) const {
    return end > start ? static_cast<double>(end - start) / 1000.0 : 0.0;
  }

  void meta(int pid, int tid, const std::string& what, const std::string& name) {
    json e{{"name", what}, {"ph", "M"}, {"pid", pid}, {"args", {{"name", name}}}};
    if (tid >= 0) e["tid"] = tid;
    m_events.push_back(std::move(e));
  }
  // A training step's two halves; a forward's ops are all "forward".
  static const char* direction(bool backward) { return backward ? "backward" : "forward"; }

  static json complete(const std::string& name, const char* cat, double ts, double dur, int pid, int tid, json args) {
    return json{{"name", name}, {"cat", cat}, {"ph", "X"},  {"ts", ts},
                {"dur", dur},   {"pid", pid}, {"tid", tid}, {"args", std::move(args)}};
  }

  void forwards() {
    for (std::size_t f = 0; f < m_rec.forwards.size(); ++f) {
      const auto& w = m_rec.forwards[f];
      m_cpu.push_back(complete("forward " + std::to_string(f), "forward", us(w.start_ns), dur(w.start_ns, w.end_ns),
                               kChromeCpuPid, kChromeForwardTid, {{"forward", f}, {"event_ms", w.event_ms}}));
    }
  }

  // Module ranges of forward f from its top-level ops in time order: a stack of open modules (root first)
  // is closed down to the common prefix with each op's module chain, then extended to it.
  void modules(std::uint32_t f) {
    std::vector<const gpu::HostOpSpan*> tops;
    for (const auto& s : m_rec.op_spans)
      if (s.forward == f && s.op < m_trace.ops.size() && top_level(m_trace, s.op)) tops.push_back(&s);
    std::stable_sort(tops.begin(), tops.end(),
                     [](const gpu::HostOpSpan* a, const gpu::HostOpSpan* b) { return a->start_ns < b->start_ns; });
    struct Open {
      std::string path;
      std::uint64_t start, end;
    };
    std::vector<Open> stack;
    bool backward = false;  // a training step's backward: its nodes' modules, named as such
    auto close = [&](std::size_t keep) {
      while (stack.size() > keep) {
        const Open& o = stack.back();
        const std::string name = (o.path.empty() ? std::string("model") : o.path) + (backward ? " (backward)" : "");
        m_cpu.push_back(complete(name, "module", us(o.start), dur(o.start, o.end), kChromeCpuPid, kChromeOpTid,
                                 {{"module", o.path}, {"forward", f}, {"direction", direction(backward)}}));
        stack.pop_back();
      }
    };
    for (const auto* s : tops) {
      if (m_trace.ops[s->op].backward != backward) {
        close(0);
        backward = m_trace.ops[s->op].backward;
      }
      auto chain = module_and_ancestors(m_trace.ops[s->op].module);
      std::reverse(chain.begin(), chain.end());
      std::size_t common = 0;
      while (common < stack.size() && common < chain.size() && stack[common].path == chain[common]) ++common;
      close(common);
      for (std::size_t i = common; i < chain.size(); ++i) stack.push_back({chain[i], s->start_ns, s->end_ns});
      for (auto& o : stack) o.end = std::max(o.end, s->end_ns);
    }
    close(0);
  }

  void ops() {
    for (const auto& s : m_rec.op_spans) {
      if (s.op >= m_trace.ops.size()) continue;
      const auto& op = m_trace.ops[s.op];
      m_cpu.push_back(complete(op.name, "op", us(s.start_ns), dur(s.start_ns, s.end_ns), kChromeCpuPid, kChromeOpTid,
                               {{"op", s.op}, {"module", op.module}, {"forward", s.forward},
                                {"direction", direction(op.backward)}}));
      m_spans.emplace(external_id(s.forward, s.op), &s);
    }
  }

  json who(const gpu::ActivityOwner& w, std::uint32_t correlation) const {
    json args{{"correlation", correlation}};
    if (!w.attributed) {
      args["op"] = nullptr;
      args["module"] = nullptr;
      return args;
    }
    args["op"] = m_trace.ops[w.owner].name;
    args["launched_by"] = m_trace.ops[w.launcher].name;
    args["module"] = m_trace.ops[w.owner].module;
    args["forward"] = w.forward;
    args["direction"] = direction(m_trace.ops[w.owner].backward);
    return args;
  }

  void kernels() {
    std::unordered_map<std::uint32_t, std::uint64_t> api_start;
    for (const auto& a : m_rec.activity.api) api_start.emplace(a.correlation, a.start_ns);
    const auto& ks = m_rec.activity.kernels;
    for (std::size_t i = 0; i < ks.size(); ++i) {
      const auto& k = ks[i];
      const int pid = kChromeGpuPidBase + static_cast<int>(k.device), tid = static_cast<int>(k.stream);
      m_streams.emplace(k.device, k.stream);
      const gpu::ActivityOwner none;
      const auto& w = i < m_join.activity.kernels.size() ? m_join.activity.kernels[i] : none;
      json args = who(w, k.correlation);
      args["grid"] = {k.grid[0], k.grid[1], k.grid[2]};
      args["block"] = {k.block[0], k.block[1], k.block[2]};
      m_events.push_back(complete(k.name, "kernel", us(k.start_ns), dur(k.start_ns, k.end_ns), pid, tid, args));
      if (!w.attributed) continue;
      auto span = m_spans.find(external_id(w.forward, static_cast<std::uint32_t>(w.launcher)));
      if (span == m_spans.end()) continue;
      // The arrow leaves the op at the launch call when CUPTI recorded it inside the op, else at its start.
      std::uint64_t from = span->second->start_ns;
      auto api = api_start.find(k.correlation);
      if (api != api_start.end() && api->second >= span->second->start_ns && api->second <= span->second->end_ns)
        from = api->second;
      const std::uint64_t id = ++m_flow;
      m_events.push_back(json{{"name", "launch"},
                              {"cat", "launch"},
                              {"ph", "s"},
                              {"id", id},
                              {"ts", us(from)},
                              {"pid", kChromeCpuPid},
                              {"tid", kChromeOpTid}});
      m_events.push_back(json{{"name", "launch"},
                              {"cat", "launch"},
                              {"ph", "f"},
                              {"bp", "e"},
                              {"id", id},
                              {"ts", us(k.start_ns)},
                              {"pid", pid},
                              {"tid", tid}});
    }
  }

  void memory() {
    const auto& ms = m_rec.activity.memory;
    for (std::size_t i = 0; i < ms.size(); ++i) {
      const auto& m = ms[i];
      m_streams.emplace(m.device, m.stream);
      const gpu::ActivityOwner none;
      const auto& w = i < m_join.activity.memory.size() ? m_join.activity.memory[i] : none;
      json args = who(w, m.correlation);
      args["bytes"] = m.bytes;
      const bool copy = m.kind == gpu::MemoryRecord::Kind::Memcpy;
      m_events.push_back(complete(copy ? memcpy_name(m.copy_kind) : "Memset", copy ? "memcpy" : "memset",
                                  us(m.start_ns), dur(m.start_ns, m.end_ns),
                                  kChromeGpuPidBase + static_cast<int>(m.device), static_cast<int>(m.stream), args));
    }
  }

  const Trace& m_trace;
  const gpu::TimingRecording& m_rec;
  const gpu::GpuJoin& m_join;
  const std::uint64_t m_base;
  json m_events = json::array();
  std::vector<json> m_cpu;
  std::unordered_map<std::uint64_t, const gpu::HostOpSpan*> m_spans;
  std::set<std::pair<std::uint32_t, std::uint32_t>> m_streams;
  std::set<std::uint32_t> m_devices;
  std::uint64_t m_flow = 0;
};

}  // namespace

nlohmann::json chrome_trace_json(const Trace& trace, const gpu::TimingRecording& recording, const gpu::GpuJoin& join) {
  return Writer(trace, recording, join).run();
}

std::string render_chrome_trace(const Trace& trace, const gpu::TimingRecording& recording, const gpu::GpuJoin& join) {
  // Kernel names come from the binary: replace rather than throw on bytes that are not UTF-8.
  return chrome_trace_json(trace, recording, join).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

}  // namespace flopscope::report
