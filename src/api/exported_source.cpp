// torch.export programs in graph mode: the trace is read from the graph, not captured from a forward, for the
// symbol values the caller binds. Nothing runs, so there is no state to guard and no GPU pass: check() refuses
// a CUDA device before any work.
#include "api/model_source.h"
#include "exported/program.h"

namespace flopscope {

ExportedModel ExportedModel::load(const std::string& path) {
  ExportedModel m;
  m.m_program = std::make_shared<const exported::Program>(exported::Program::read(path));
  return m;
}

const std::vector<ExportSymbol>& ExportedModel::symbols() const { return m_program->symbols(); }
std::string ExportedModel::schema_version() const { return m_program->schema_version(); }
std::string ExportedModel::dialect() const { return m_program->dialect(); }
std::string ExportedModel::torch_version() const { return m_program->torch_version(); }
std::string ExportedModel::graph_sha256() const { return m_program->graph_sha256(); }

namespace api {
namespace {

class ExportedGraphSource final : public ModelSource {
 public:
  ExportedGraphSource(const exported::Program& program, const std::vector<DimBinding>& dims)
      : m_program(program), m_bindings(program.bind(dims)) {}

  std::string kind() const override { return "exported"; }
  bool brings_inputs() const override { return true; }
  std::vector<at::Tensor> parameters() const override { return {}; }

  void check(const RunContext& run) override {
    if (run.device.is_cuda())
      throw InvalidInput("an exported program is analysed from its graph, which runs nothing: the GPU passes need it "
                         "executed, which this flopscope cannot do yet for a .pt2; leave --device out, or analyse a "
                         "TorchScript save of the model on the GPU");
  }

  ModuleTree module_tree() const override { return m_program.module_tree(); }

  Trace capture(const RunContext&, const ModuleTree&) override { return m_program.trace(m_bindings); }

  Traces for_counting(Trace captured, const ModuleTree&, const RunContext&) override {
    return {std::move(captured), Trace{}};
  }

  ForwardFailed explain(const ForwardFailed& e, const RunContext&) const override { return e; }

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
    info.exported = std::move(e);
  }

  std::unique_ptr<model::StateGuard> guard_all() override {
    throw InvalidInput("an exported program in graph mode has no state to guard");
  }
  void forward(const RunContext&) override { throw InvalidInput("an exported program in graph mode does not run"); }

 private:
  const exported::Program& m_program;
  exported::Bindings m_bindings;
};

}  // namespace

std::unique_ptr<ModelSource> exported_graph_source(const exported::Program& program, const std::vector<DimBinding>& dims) {
  return std::make_unique<ExportedGraphSource>(program, dims);
}

}  // namespace api
}  // namespace flopscope
