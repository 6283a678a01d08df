#include "cli/analyze_command.h"

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/error_line.h"
#include "cli/inputs_file.h"
#include "flopscope/model_file.h"
#include "cli/output_files.h"
#include "text/shape_text.h"
#include "flopscope/confined_run.h"
#include "flopscope/device.h"
#include "flopscope/exported.h"
#include "flopscope/models.h"
#include "flopscope/report.h"

namespace flopscope::cli {
namespace {


bool is_text_format(const std::string& f) {
  return f == "table" || f == "arch" || f == "summary" || f == "operators" || f == "gpu" || f == "counters";
}

bool looks_like_file(const std::string& model) {
  return model.find('/') != std::string::npos || model.find('.') != std::string::npos ||
         std::filesystem::exists(model);
}

// Opens every output before the (possibly long) analysis, so a typo costs nothing.
std::vector<std::ostream*> open_outputs(const AnalyzeArgs& args, const std::vector<std::string>& formats,
                                        OutputFiles& files) {
  if (args.outputs.size() > 1 && args.outputs.size() != formats.size())
    throw InvalidInput("give one --output for all text formats, or one --output per --format (" +
                       std::to_string(formats.size()) + " formats, " + std::to_string(args.outputs.size()) + " outputs)");
  if (args.outputs.size() == 1 && formats.size() > 1)
    for (const auto& f : formats)
      if (!is_text_format(f))
        throw InvalidInput("--format " + f + " with other formats needs one --output per format");
  std::vector<std::ostream*> streams;
  for (const auto& path : args.outputs) streams.push_back(&files.open(path, "--output"));
  return streams;
}

// "a,b,,c" -> {"a", "b", "", "c"}: the comma-separated lists of --format and --dim.
std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    out.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

// Every --format, comma-separated or repeated, in order.
std::vector<std::string> listed_formats(const AnalyzeArgs& args) {
  std::vector<std::string> formats;
  for (const auto& entry : args.formats)
    for (auto& f : split_commas(entry)) formats.push_back(std::move(f));
  return formats;
}

std::vector<std::string> requested_formats(const AnalyzeArgs& args) {
  std::vector<std::string> formats = listed_formats(args);
  for (const auto& f : formats)
    if (std::find(report_formats().begin(), report_formats().end(), f) == report_formats().end())
      throw InvalidInput("unknown format '" + f + "' (use table, arch, summary, operators, gpu, counters, json or csv)");
  if (formats.empty()) formats = {"table", "arch", "summary"};
  if (args.formats.empty() && args.device.rfind("cuda", 0) == 0) formats.push_back("gpu");
  if (args.formats.empty() && args.device.rfind("cuda", 0) == 0 && args.counters) formats.push_back("counters");
  return formats;
}

// "flopscope: loading ..." on stderr while a slow step runs, only when stderr is a terminal; each phase replaces
// the last, and the line is cleared at the end.
class Progress {
 public:
  explicit Progress(bool enabled) : m_enabled(enabled && isatty(STDERR_FILENO) == 1) {}
  void show(const std::string& phase) {
    if (m_enabled) std::cerr << "\r\033[Kflopscope: " << phase << " ..." << std::flush;
    m_shown = m_enabled;
  }
  ~Progress() { clear(); }
  void clear() {
    if (m_shown) std::cerr << "\r\033[K" << std::flush;
    m_shown = false;
  }

 private:
  bool m_enabled;
  bool m_shown = false;
};

constexpr int kTraceSlot = 1000, kRooflineSlot = 1001;

}  // namespace

DimArgs parse_dims(const std::vector<std::string>& dims) {
  DimArgs out;
  for (const auto& d : dims) {
    const auto eq = d.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == d.size())
      throw InvalidInput("--dim '" + d + "': give NAME=VALUE or NAME=V1,V2,... (e.g. --dim s27=512)");
    const std::string name = d.substr(0, eq);
    std::vector<std::int64_t> values;
    for (const std::string& v : split_commas(d.substr(eq + 1))) {
      std::size_t used = 0;
      long long n = 0;
      try {
        n = std::stoll(v, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != v.size() || v.empty() || n < 0)
        throw InvalidInput("--dim '" + d + "': '" + v + "' is not a size (an integer, 0 or more)");
      values.push_back(n);
    }
    for (const auto& f : out.fixed)
      if (f.first == name) throw InvalidInput("--dim " + name + " is given twice");
    if (name == out.axis) throw InvalidInput("--dim " + name + " is given twice");
    if (values.size() == 1) {
      out.fixed.emplace_back(name, values.front());
      continue;
    }
    if (!out.axis.empty())
      throw InvalidInput("--dim " + out.axis + " and --dim " + name + " both have several values: a sweep has one axis");
    out.axis = name;
    out.values = std::move(values);
  }
  return out;
}

namespace {

// A .pt2 archive, or a file named .pt2 that is no TorchScript archive (its errors are then a .pt2's).
bool is_exported_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return path.size() > 4 && path.compare(path.size() - 4, 4, ".pt2") == 0;
  const std::string what = describe_non_torchscript(path);
  if (what == "a torch.export .pt2 archive" || what == "an AOTInductor package") return true;
  return !what.empty() && path.size() > 4 && path.compare(path.size() - 4, 4, ".pt2") == 0;
}

// A .pt2 in graph mode: the archive read once, one analysis per value of the sweep (one when there is none).
std::vector<ComplexityInfo> exported_analyses(const AnalyzeArgs& args, const Options& options, const ModelRun& how) {
  if (!args.dtypes.empty())
    throw InvalidInput("--dtype: an exported program's dtypes were fixed when it was exported; export the model in "
                       "the dtype to analyse");
  if (!args.mode.empty())
    throw InvalidInput("--" + args.mode + ": an exported program's mode was fixed when it was exported; export "
                       "after model.eval() or model.train()");
  if (how.on_phase) how.on_phase("reading the graph");
  const ExportedModel model = ExportedModel::load(args.model);
  const DimArgs dims = parse_dims(args.dims);
  // Example inputs size the program's symbols, and with --run are what it runs on: a program whose sizes come
  // from its inputs' values (a count of image patches read from a tensor) needs the real ones.
  const bool given = !args.inputs_file.empty();
  const std::vector<at::Tensor> inputs = given ? load_exported_inputs_file(args.inputs_file, model.input_names())
                                               : std::vector<at::Tensor>{};
  // The graph's hash, not the file's: hashing a 7B model's weights would take longer than the analysis.
  const std::string sha256 = model.graph_sha256();
  std::vector<ComplexityInfo> out;
  const std::vector<std::int64_t> values = dims.axis.empty() ? std::vector<std::int64_t>{0} : dims.values;
  for (const auto v : values) {
    std::vector<DimBinding> bound = dims.fixed;
    if (!dims.axis.empty()) bound.emplace_back(dims.axis, v);
    if (how.on_phase) how.on_phase(dims.axis.empty() ? "counting" : "counting at " + dims.axis + "=" + std::to_string(v));
    ComplexityInfo info = given ? analyze(model, options, inputs, bound, args.run_exported)
                                : analyze(model, options, bound, args.run_exported);
    info.analysis.run.model = args.model;
    info.analysis.run.model_sha256 = sha256;
    out.push_back(std::move(info));
  }
  return out;
}

std::vector<ComplexityInfo> analyses_from_args(const AnalyzeArgs& args, const ModelRun& how) {
  if (!args.input_shapes.empty() && !args.full_shapes.empty())
    throw InvalidInput("give either --input-shape (batch 1 prepended) or --full-shape, not both");
  if (args.max_depth < 0) throw InvalidInput("--max-depth must be 0 or more");

  if (args.gpu_forwards < 1) throw InvalidInput("--gpu-forwards must be 1 or more");
  if (args.gpu_warmup < 0) throw InvalidInput("--gpu-warmup must be 0 or more");
  if (args.peaks != "table" && args.peaks != "measured")
    throw InvalidInput("unknown --peaks '" + args.peaks + "' (use table or measured)");

  Options options;
  options.device = args.device;
  options.gpu.timing = args.gpu_timing;
  options.gpu.warmup = args.gpu_warmup;
  options.gpu.forwards = args.gpu_forwards;
  options.gpu.measured_peaks = args.peaks == "measured";
  options.gpu.chrome_trace = !args.chrome_trace.empty();
  options.gpu.counters = args.counters || !args.roofline.empty();
  if (!(args.counter_tolerance >= 0)) throw InvalidInput("--counter-tolerance must be 0 or more");
  options.gpu.counter_tolerance = args.counter_tolerance;
  if (args.dtypes.size() > 1)
    throw InvalidInput("--dtype was given " + std::to_string(args.dtypes.size()) + " times: it sets the model and "
                       "every input without a dtype of its own; give one input its own dtype after its shape, e.g. "
                       "--full-shape 1,128:int64");
  options.dtype = args.dtypes.empty() ? "float32" : args.dtypes.front();
  options.op_set = args.op_set;
  options.max_depth = args.max_depth;
  options.prepend_batch = args.full_shapes.empty();
  options.shape_only = args.shape_only;
  options.train_step = args.train_step;
  options.optimizer = args.optimizer;
  options.allow_cpu_fallback = args.allow_cpu_fallback;
  options.on_phase = how.on_phase;
  const auto dtype = parse_dtype(options.dtype);
  // Where the model is loaded: checked exactly as the analysis checks it (the driver is probed once).
  const DevicePlan plan = plan_device(options);
  const bool shape_only = plan.shape_only;
  const std::optional<c10::Device> device = shape_only ? std::nullopt : plan.device;
  std::vector<std::vector<std::int64_t>> shapes;
  for (const auto& s : options.prepend_batch ? args.input_shapes : args.full_shapes) {
    auto spec = text::parse_input_spec(s);
    if (!spec.dtype.empty()) {
      try {
        parse_dtype(spec.dtype);
      } catch (const InvalidInput& e) {
        throw InvalidInput("input " + std::to_string(shapes.size() + 1) + " ('" + s + "'): " + e.what());
      }
    }
    options.input_dtypes.push_back(spec.dtype);
    shapes.emplace_back(spec.dims.begin(), spec.dims.end());
  }
  if (!shapes.empty()) options.input_shape = InputShape(shapes);
  if (!args.inputs_file.empty() && !shapes.empty())
    throw InvalidInput("give the inputs either as shapes (--input-shape, --full-shape) or as a file (--inputs), not both");

  if (looks_like_file(args.model) && is_exported_file(args.model)) {
    auto all = exported_analyses(args, options, how);
    for (auto& info : all) {
      if (how.sandbox != nullptr) info.analysis.run.sandbox = *how.sandbox;
      else info.analysis.run.sandbox.why_not = "--trust-model";
    }
    return all;
  }
  if (!args.dims.empty())
    throw InvalidInput("--dim binds the dynamic dimensions of a torch.export .pt2; '" + args.model + "' is not one");
  if (args.run_exported)
    throw InvalidInput("--run executes a torch.export .pt2 (which is otherwise only read); '" + args.model +
                       "' is not one, and runs anyway");
  ComplexityInfo info;
  std::string sha256;
  if (looks_like_file(args.model)) {
    if (shapes.empty() && args.inputs_file.empty())
      throw InvalidInput("give the input shape of a model file with --input-shape, e.g. --input-shape 3,224,224 "
                         "(--full-shape 1,128:int64 for token ids), or example inputs with --inputs FILE");
    ModelMessages said_loading;  // a scripted __setstate__ may warn or print
    if (how.on_phase) how.on_phase("loading");
    // Shape-only loads on the CPU too: loading straight onto meta fails for models whose constants LibTorch
    // compares while loading (aten::equal has no meta kernel). The analysis makes its own meta twin. A confined
    // child loads once: a crash there is already contained, so no probe first.
    torch::jit::Module module =
        load_model_file(args.model, shape_only ? c10::nullopt : device, &said_loading, how.sandbox == nullptr);
    const bool frozen = looks_frozen(module);
    if (frozen && args.mode == "train")
      throw InvalidInput("'" + args.model + "' is frozen (torch.jit.freeze), which only works in eval mode: it has no "
                         "training mode to analyse; leave --train out, or save the model before freezing");
    if (frozen && !args.quiet && how.on_note)
      how.on_note("warning: '" + args.model + "' looks frozen (torch.jit.freeze): it runs in eval mode, its submodules "
                  "and parameters are folded into constants (every op is attributed to the root and parameters count "
                  "0), and batch norm is folded into the convolution before it, so the MACs differ from the unfrozen "
                  "model's; save the model before freezing");
    if (dtype != c10::kFloat && c10::isFloatingType(dtype)) module.to(dtype);  // integer inputs: indices
    if (!args.mode.empty() && !frozen) module.train(args.mode == "train");
    if (!args.inputs_file.empty()) {
      auto inputs = load_inputs_file(args.inputs_file, module);
      for (auto& v : inputs) {
        if (!v.isTensor() || !v.toTensor().defined()) continue;
        at::Tensor t = v.toTensor();
        // --dtype sets the float inputs as it sets the model; a file's tensors go where the model is.
        if (!args.dtypes.empty() && c10::isFloatingType(t.scalar_type()) && c10::isFloatingType(dtype)) t = t.to(dtype);
        if (device && !shape_only) t = t.to(*device);
        v = t;
      }
      options.inputs = std::move(inputs);
    }
    sha256 = sha256_of_file(args.model);
    info = analyze(module, options);
    auto& messages = info.model_output.messages;
    messages.insert(messages.begin(), said_loading.messages.begin(), said_loading.messages.end());
    info.model_output.dropped += said_loading.dropped;
    info.analysis.run.model_kind = "torchscript";
  } else {
    if (!args.inputs_file.empty())
      throw InvalidInput("--inputs is for model files; the built-in models make their own inputs (or take --input-shape)");
    auto builtin = models::make_builtin(args.model);
    if (shapes.empty()) {
      options.input_shape = builtin.input_shape;
      options.prepend_batch = true;
    }
    // Our own fresh instance: moving or converting it changes nothing of the user's.
    if (shape_only)
      throw InvalidInput("the built-in models are C++ frontend modules, which cannot be analysed shape-only; analyse "
                         "them on cpu, or a TorchScript file shape-only");
    if (device) builtin.module->to(*device);
    if (dtype != c10::kFloat && c10::isFloatingType(dtype)) builtin.module->to(dtype);
    if (!args.mode.empty()) builtin.module->train(args.mode == "train");
    info = analyze(*builtin.module, builtin.forward, options);
    info.analysis.run.model_kind = "builtin";
  }
  info.analysis.run.model = args.model;
  info.analysis.run.model_sha256 = sha256;
  if (how.sandbox != nullptr) info.analysis.run.sandbox = *how.sandbox;
  else if (looks_like_file(args.model)) info.analysis.run.sandbox.why_not = "--trust-model";
  std::vector<ComplexityInfo> out;
  out.push_back(std::move(info));
  return out;
}

}  // namespace

ComplexityInfo analyze_from_args(const AnalyzeArgs& args, const ModelRun& how) {
  auto all = analyses_from_args(args, how);
  if (all.size() != 1)
    throw InvalidInput("--dim with several values sweeps: its formats are sweep, csv and json");
  return std::move(all.front());
}

std::vector<ComplexityInfo> sweep_from_args(const AnalyzeArgs& args, const ModelRun& how) {
  return analyses_from_args(args, how);
}

CommandProducts run_model_command(const AnalyzeArgs& args, const Produce& produce) {
  CommandProducts products;
  Progress progress(!args.quiet);
  ModelRun how;
  how.on_phase = [&](const std::string& phase) { progress.show(phase); };
  how.on_note = [&](const std::string& line) {
    progress.clear();
    std::cerr << "flopscope: " << line << "\n";
  };
  if (!looks_like_file(args.model) || args.trust_model) {  // a built-in model is flopscope's own code
    produce(how, products);
    return products;
  }
  if (!(args.timeout_s >= 0) || !(args.load_timeout_s >= 0))
    throw InvalidInput("--timeout and --load-timeout are seconds, 0 or more (0: no limit)");
  sandbox::ChildLimits limits;
  limits.timeout_s = args.timeout_s;
  limits.load_timeout_s = args.load_timeout_s;
  const bool gpu = args.device.rfind("cuda", 0) == 0;
  limits.confine.gpu = gpu;
  // The GPU driver maps large private regions of its own: a data limit would fail it, not the model.
  if (args.memory_limit_gib < 0 && !gpu) {
    limits.memory_limit_bytes = sandbox::free_memory_bytes();
    limits.memory_limit_text = "the memory free at the start";
  }
  if (args.memory_limit_gib > 0) {
    limits.memory_limit_bytes = static_cast<std::uint64_t>(args.memory_limit_gib * 1073741824.0);
    std::ostringstream text;
    text << args.memory_limit_gib << " GiB";
    limits.memory_limit_text = text.str();
  }
  sandbox::ChildResult result = sandbox::run_confined(
      limits,
      [&](sandbox::ChildChannel& channel, const SandboxInfo& sandbox, std::string& error) {
        for (const auto& missing : sandbox.not_applied) channel.note("warning: confinement not applied: " + missing);
        if (gpu && args.memory_limit_gib < 0)
          channel.note("warning: no memory limit on a GPU run (the driver's own mappings would hit it); set one "
                       "with --memory-limit");
        ModelRun confined;
        confined.sandbox = &sandbox;
        confined.on_phase = [&](const std::string& phase) { channel.phase(phase); };
        confined.on_note = [&](const std::string& line) { channel.note(line); };
        CommandProducts made;
        try {
          produce(confined, made);
        } catch (...) {
          error = current_error_line();
          if (sandbox.memory_limit_bytes > 0 &&
              (error.find("can't allocate memory") != std::string::npos || error.find("bad_alloc") != std::string::npos))
            error += " (the analysis may allocate " + std::to_string(sandbox.memory_limit_bytes >> 20) + " MiB" +
                     (args.memory_limit_gib < 0 ? ", the memory free when it started; --memory-limit sets another)"
                                                : ": --memory-limit)");
          for (const auto& note : made.notes) channel.note(note);
          return 2;
        }
        channel.phase("sending the reports");
        for (const auto& note : made.notes) channel.note(note);
        for (const auto& [slot, bytes] : made.outputs) channel.output(slot, bytes);
        return 0;
      },
      how.on_phase);
  products.outputs = std::move(result.outputs);
  products.notes = std::move(result.notes);
  progress.clear();
  if (result.status != 0) {
    for (const auto& note : products.notes) std::cerr << "flopscope: " << note << "\n";
    throw InvalidInput(result.error);
  }
  return products;
}

namespace {

// `--dim NAME=V1,V2,...`: one analysis per value, rendered side by side.
int run_sweep(const AnalyzeArgs& args, const DimArgs& dims) {
  std::vector<std::string> formats = listed_formats(args);
  if (formats.empty()) formats = {"sweep"};
  for (const auto& f : formats)
    if (std::find(sweep_formats().begin(), sweep_formats().end(), f) == sweep_formats().end())
      throw InvalidInput("--format " + f + ": --dim " + dims.axis + " sweeps, and a sweep's formats are sweep (a table), "
                         "csv and json");
  if (!args.outputs.empty() && args.outputs.size() != formats.size())
    throw InvalidInput("give one --output per --format of the sweep (" + std::to_string(formats.size()) + " formats, " +
                       std::to_string(args.outputs.size()) + " outputs)");
  OutputFiles files({args.model});
  std::vector<std::ostream*> outputs;
  for (const auto& path : args.outputs) outputs.push_back(&files.open(path, "--output"));
  CommandProducts made = run_model_command(args, [&](const ModelRun& how, CommandProducts& out) {
    Sweep sweep;
    sweep.axis = dims.axis;
    sweep.values = dims.values;
    for (auto& info : sweep_from_args(args, how)) {
      if (!args.quiet)
        for (const auto& w : info.warnings)
          if (std::find(out.notes.begin(), out.notes.end(), "warning: " + w) == out.notes.end())
            out.notes.push_back("warning: " + w);
      sweep.analyses.push_back(std::move(info.analysis));
    }
    if (how.on_phase) how.on_phase("rendering");
    for (std::size_t i = 0; i < formats.size(); ++i)
      out.outputs[static_cast<int>(i)] = render_sweep(formats[i], sweep, args.max_depth);
  });
  for (std::size_t i = 0; i < formats.size(); ++i) {
    std::ostream& out = outputs.empty() ? std::cout : *outputs[i];
    out << made.outputs[static_cast<int>(i)];
  }
  files.commit();
  for (const auto& note : made.notes) std::cerr << "flopscope: " << note << "\n";
  return 0;
}

}  // namespace

int run_analyze(const AnalyzeArgs& args) {
  const DimArgs dims = parse_dims(args.dims);
  if (!dims.axis.empty()) return run_sweep(args, dims);
  const auto formats = requested_formats(args);
  // What the command reads may not be what it writes. Every output is opened (and checked) here, before the
  // model runs; only this process writes them.
  OutputFiles files({looks_like_file(args.model) ? args.model : std::string(), args.inputs_file});
  const auto outputs = open_outputs(args, formats, files);
  std::ostream* trace_file = args.chrome_trace.empty() ? nullptr : &files.open(args.chrome_trace, "--chrome-trace");
  std::ostream* roofline_file = args.roofline.empty() ? nullptr : &files.open(args.roofline, "--roofline");
  const bool terminal = outputs.empty();
  CommandProducts made = run_model_command(args, [&](const ModelRun& how, CommandProducts& out) {
    ComplexityInfo info = analyze_from_args(args, how);
    if (how.on_phase) how.on_phase("rendering");
    const auto& counters = info.analysis.counters;
    if (!counters.skipped_reason.empty()) out.notes.push_back("counter pass skipped: " + counters.skipped_reason);
    if (roofline_file != nullptr) {
      if (counters.ran)
        out.outputs[kRooflineSlot] = render_roofline(info.analysis, args.max_depth);
      else
        out.notes.push_back("no roofline written: the counter pass did not run");
    }
    const auto& gpu = info.analysis.gpu;
    if (!gpu.skipped_reason.empty() && args.gpu_timing) out.notes.push_back("GPU pass skipped: " + gpu.skipped_reason);
    if (trace_file != nullptr) {
      if (!info.analysis.timeline) out.notes.push_back("no Chrome trace written: the GPU pass did not run");
      out.outputs[kTraceSlot] = render_chrome_trace(info.analysis);
    }
    for (std::size_t i = 0; i < formats.size(); ++i)
      out.outputs[static_cast<int>(i)] =
          render_report(formats[i], info.analysis, {args.max_depth, terminal, info.warnings});
    if (!args.quiet) {
      for (const auto& line : model_output_lines(info.model_output)) out.notes.push_back(line);
      for (const auto& w : info.warnings) out.notes.push_back("warning: " + w);
      if (const auto& e = info.analysis.run.exported) {
        std::string at;
        for (const auto& [name, value] : e->dims) at += (at.empty() ? " at " : ", ") + name + "=" + std::to_string(value);
        out.notes.push_back(std::string(e->executed ? "analysed by running the exported graph" :
                                                     "analysed from the exported graph, no forward run") +
                            " (" + e->dialect + " dialect)" + at);
      } else
      out.notes.push_back(std::string("analysed in ") + info.analysis.run.mode + " mode" +
                          (info.analysis.run.frozen ? " (a frozen model has no other)"
                           : args.mode.empty()      ? " (the model's own; --eval or --train to choose)"
                                                    : ""));
    }
  });
  if (roofline_file != nullptr && made.outputs.count(kRooflineSlot)) *roofline_file << made.outputs[kRooflineSlot];
  if (trace_file != nullptr) *trace_file << made.outputs[kTraceSlot];
  for (std::size_t i = 0; i < formats.size(); ++i) {
    std::ostream& out = outputs.empty() ? std::cout : *outputs[outputs.size() == 1 ? 0 : i];
    out << made.outputs[static_cast<int>(i)];
  }
  files.commit();
  for (const auto& note : made.notes) std::cerr << "flopscope: " << note << "\n";
  return 0;
}

}  // namespace flopscope::cli
