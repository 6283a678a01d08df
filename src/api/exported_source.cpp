// torch.export programs. Graph mode (the default): the trace is read from the graph, for the symbol values the
// caller binds; nothing runs, so there is no state to guard and no GPU pass. Execution (`--run`, and always on
// CUDA): the graph runs node by node through the dispatcher (exported/graph_runner.h) under the same capture as
// a TorchScript forward, each op placed on its node's module, so the GPU passes work as for TorchScript. Both
// modes count the same ops: the top-level ops of an execution are the graph's nodes, and export's bookkeeping
// nodes are dropped from both.
#include "api/model_source.h"
#include "api/trace_filter.h"
#include "api/train_step.h"
#include "count/attribute.h"
#include "exported/graph_runner.h"
#include "exported/program.h"

namespace flopscope {

ExportedModel ExportedModel::load(const std::string& path) {
  ExportedModel m;
  m.m_program = std::make_shared<const exported::Program>(exported::Program::read(path));
  return m;
}

ExportedModel ExportedModel::from_memory(const std::string& graph_json, const std::vector<std::vector<std::string>>& tied,
                                         std::unordered_map<std::string, at::Tensor> tensors) {
  ExportedModel m;
  m.m_program = std::make_shared<const exported::Program>(exported::Program::from_memory(graph_json, tied, std::move(tensors)));
  return m;
}

std::vector<DimBinding> ExportedModel::dims_for(const std::vector<std::vector<std::int64_t>>& shapes,
                                                const std::vector<std::int8_t>& dtypes) const {
  return m_program->dims_for(shapes, dtypes);
}

std::vector<std::string> ExportedModel::input_names() const { return m_program->tensor_input_names(); }

const std::vector<ExportSymbol>& ExportedModel::symbols() const { return m_program->symbols(); }
std::string ExportedModel::schema_version() const { return m_program->schema_version(); }
std::string ExportedModel::dialect() const { return m_program->dialect(); }
std::string ExportedModel::torch_version() const { return m_program->torch_version(); }
std::string ExportedModel::graph_sha256() const { return m_program->graph_sha256(); }

namespace api {
namespace {

// The step's loss and backward over what the module returned (api/train_step.h: its own scalar loss, else the sum).
void step_backward(const std::vector<c10::IValue>& returned) {
  std::vector<at::Tensor> outputs;
  for (const auto& v : returned) {
    auto more = output_tensors(v);
    outputs.insert(outputs.end(), more.begin(), more.end());
  }
  backward_of(outputs);
}

// Places each op on the module of the graph node being run (the interpreter says which before each node).
class NodeResolver final : public capture::ModuleResolver {
 public:
  const std::string& resolve(const at::RecordFunction&) override { return module; }
  std::string module;
};

class ExportedSource final : public ModelSource {
 public:
  ExportedSource(const exported::Program& program, const std::vector<DimBinding>& dims, bool execute,
                 std::vector<at::Tensor> given)
      : m_program(program), m_bindings(program.bind(dims)), m_execute(execute), m_given(std::move(given)) {}

  std::string kind() const override { return "exported"; }
  bool brings_inputs() const override { return true; }
  std::vector<at::Tensor> parameters() const override { return {}; }

  void check(const RunContext& run) override {
    // A training step runs the graph with autograd on: each node is an ATen op with its own backward, so the
    // step's backward is autograd's, as for any other model (the graph alone holds a forward only).
    if (run.train_step && run.shape_only)
      throw InvalidInput("a .pt2's training step runs the program on its weights, with autograd over its ops, and "
                         "--shape-only runs nothing: leave --shape-only out (a model analysed from Python or a "
                         "TorchScript file can take a step shape-only, on meta tensors)");
    if (run.device.is_cuda() || run.train_step) m_execute = true;  // the GPU passes and a step run the model
    if (m_execute && run.shape_only)
      throw InvalidInput("--run executes the program, --shape-only runs nothing: leave one out (an exported program "
                         "is analysed from its graph, shapes only, by default)");
  }

  ModuleTree module_tree() const override { return m_program.module_tree(); }

  Trace capture(const RunContext& run, const ModuleTree&) override {
    if (!m_execute) {
      // A torch.cond the graph cannot settle keeps its costlier branch, by the op set's formulas.
      const auto cost = [&run](const std::vector<OpRecord>& ops) {
        Trace branch;
        branch.ops = ops;
        return count::count_trace(branch, run.ops->flops, *run.ops).total();
      };
      m_notes.clear();
      return m_program.trace(m_bindings, cost, &m_notes);
    }
    try {
      m_runner = std::make_unique<exported::GraphRunner>(m_program, run.device);
    } catch (const InvalidInput& e) {
      if (!run.train_step) throw;
      throw InvalidInput(std::string("a training step runs the program on its weights, and ") + e.what());
    }
    m_notes.clear();
    if (m_given.empty()) {
      m_inputs = m_runner->make_inputs(m_bindings);
      std::string decided;
      for (const auto& s : m_program.symbols())
        if (s.data_dependent()) decided += (decided.empty() ? "" : ", ") + s.name;
      // Made inputs hold no information: a size read from an input's values (a mask, a count of patches) would
      // be read from noise and zeros, and its ops counted at that size without a word.
      if (!decided.empty())
        m_notes.push_back("the graph ran on inputs flopscope made (random normal floats, zero integers and "
                          "booleans), and its values decide some of its sizes (" + decided + "): where those come "
                          "from the inputs rather than the weights, the counts are the made inputs'; give the real "
                          "inputs (--inputs FILE, or flopscope.analyze(ep, inputs, run=True))");
    } else {
      m_inputs.clear();
      for (const auto& t : m_given) m_inputs.emplace_back(t.to(run.device));
    }
    NodeResolver resolver;
    const auto on_node = [&](const std::string& module) { resolver.module = module; };
    return capture_forward(nullptr, resolver, values_for(*run.ops), "", run, [&] {
      const auto outputs = m_runner->run(m_inputs, on_node);
      if (!run.train_step) return;
      step_backward(outputs);
      record_step_params(m_runner->parameters());
      m_runner->clear_gradients();
    });
  }

  Traces for_counting(Trace captured, const ModuleTree&, const RunContext& run) override {
    if (!m_execute) return {std::move(captured), Trace{}};
    // Export's bookkeeping nodes (size queries, assertions, aliases) ran as ops: neither mode counts them.
    Trace counted = filtered(captured, [](const OpRecord& op, const OpRecord* parent) {
      return parent != nullptr || !exported::is_bookkeeping(op.name);
    });
    return {std::move(counted), run.device.is_cuda() ? std::move(captured) : Trace{}};
  }

  ForwardFailed explain(const ForwardFailed& e, const RunContext&) const override { return e; }

  std::vector<std::string> notes() const override { return m_notes; }

  void describe(RunInfo& info) const override {
    info.mode = "as exported";
    info.input_shapes.clear();
    info.input_dtypes.clear();
    for (auto& [shape, dtype] : m_program.user_inputs(m_bindings)) {
      info.input_shapes.push_back(std::move(shape));
      info.input_dtypes.push_back(dtype >= 0 ? dtype_name(static_cast<c10::ScalarType>(dtype)) : "unknown");
    }
    ExportInfo e;
    e.schema_version = m_program.schema_version();
    e.dialect = m_program.dialect();
    e.torch_version = m_program.torch_version();
    e.dims.assign(m_bindings.begin(), m_bindings.end());
    e.executed = m_execute;
    info.exported = std::move(e);
  }

  // The weights are flopscope's own copies, read from the archive (or leaves of its own over a program's tensors in
  // memory, whose buffers the Python package copies): nothing of the user's to guard.
  std::unique_ptr<model::StateGuard> guard_all() override { return nullptr; }

  void forward(const RunContext& run) override {
    if (!m_runner) throw InvalidInput("the exported program has not been loaded to run");
    const auto outputs = m_runner->run(m_inputs, [](const std::string&) {});
    if (!run.train_step) return;
    step_backward(outputs);
    m_runner->clear_gradients();
  }

 private:
  const exported::Program& m_program;
  exported::Bindings m_bindings;
  bool m_execute;
  std::unique_ptr<exported::GraphRunner> m_runner;
  std::vector<c10::IValue> m_inputs;
  std::vector<at::Tensor> m_given;  // the caller's inputs, else made at the bindings
  std::vector<std::string> m_notes;  // what the graph could not settle (exported::Program::trace)
};

}  // namespace

std::unique_ptr<ModelSource> exported_source(const exported::Program& program, const std::vector<DimBinding>& dims,
                                             bool execute, std::vector<at::Tensor> inputs) {
  return std::make_unique<ExportedSource>(program, dims, execute, std::move(inputs));
}

}  // namespace api
}  // namespace flopscope
