#include "exported/program.h"
#include "exported/module_settings.h"
#include "exported/program_impl.h"
#include "exported/trace_builder.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/utils/generated_serialization_types.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "exported/size_expr.h"
#include "flopscope/complexity.h"  // dtype_name
#include "flopscope/errors.h"
#include "flopscope/model_file.h"
#include "model/model.h"
#include "sandbox/memory_limit.h"
#include "text/printable.h"

namespace flopscope::exported {


// The schema majors this reader knows. A new major may rename or retype fields (9.0 makes forward_arg_names a
// tuple): it is refused by name rather than misread.
constexpr std::int64_t kSchemaMajor = 8;
// The deepest and longest module path read from a graph. Real models nest a few dozen levels, in paths of a few
// hundred bytes. The tree is built and printed by recursion, and each level keeps its whole prefix, so a path of
// thousands of levels (a file made to crash a reader) would overflow the stack or take memory quadratic in its
// length: it is refused instead.
constexpr std::size_t kMaxModuleDepth = 1000;
constexpr std::size_t kMaxModulePathBytes = 16384;


namespace detail {

// ---- Reading the archive ---------------------------------------------------------------------------------

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string read_record(caffe2::serialize::PyTorchStreamReader& reader, const std::string& name, const std::string& path) {
  const std::size_t size = reader.getRecordSize(name);
  const sandbox::MemoryRoom room = sandbox::memory_room();
  // The JSON and nlohmann's tree of it take about ten times its size.
  if (room.bytes > 0 && static_cast<double>(size) * 10 > room.bytes)
    throw InvalidInput("'" + path + "': its " + name + " is " + sandbox::gib(static_cast<double>(size)) +
                       ", more than the memory free (" + sandbox::gib(room.bytes) + ", " + room.source + ") can parse");
  auto [data, n] = reader.getRecord(name);
  return std::string(static_cast<const char*>(data.get()), n);
}

// ---- Values ------------------------------------------------------------------------------------------------

// The serialized dtype (its own numbering) as c10's, which the formulas and reports read.
std::int8_t c10_dtype(ex::ScalarType t) {
  using S = ex::ScalarType;
  c10::ScalarType out;
  switch (t) {
    case S::BYTE: out = c10::kByte; break;
    case S::CHAR: out = c10::kChar; break;
    case S::SHORT: out = c10::kShort; break;
    case S::INT: out = c10::kInt; break;
    case S::LONG: out = c10::kLong; break;
    case S::HALF: out = c10::kHalf; break;
    case S::FLOAT: out = c10::kFloat; break;
    case S::DOUBLE: out = c10::kDouble; break;
    case S::COMPLEXHALF: out = c10::kComplexHalf; break;
    case S::COMPLEXFLOAT: out = c10::kComplexFloat; break;
    case S::COMPLEXDOUBLE: out = c10::kComplexDouble; break;
    case S::BOOL: out = c10::kBool; break;
    case S::BFLOAT16: out = c10::kBFloat16; break;
    case S::UINT16: out = c10::kUInt16; break;
    case S::FLOAT8E4M3FN: out = c10::ScalarType::Float8_e4m3fn; break;
    case S::FLOAT8E5M2: out = c10::ScalarType::Float8_e5m2; break;
    case S::FLOAT8E4M3FNUZ: out = c10::ScalarType::Float8_e4m3fnuz; break;
    case S::FLOAT8E5M2FNUZ: out = c10::ScalarType::Float8_e5m2fnuz; break;
    default: return -1;
  }
  return static_cast<std::int8_t>(out);
}

// A default from an op's schema, as the capture records the same IValue (capture.cpp).
Value from_ivalue(const c10::IValue& v) {
  if (v.isNone()) return Value::none();
  if (v.isBool()) return Value::boolean(v.toBool());
  if (v.isInt()) return Value::integer(v.toInt());
  if (v.isDouble()) return Value::real(v.toDouble());
  if (v.isIntList()) return Value::int_list(v.toIntVector());
  if (v.isString()) return Value::string(v.toStringRef());
  return Value::other();
}

// Export's bookkeeping: shape queries and assertions on symbolic sizes. A forward runs none of them as ops
// (a TorchScript trace records none), so graph mode skips them rather than report them unsupported.
bool bookkeeping(const std::string& op) {
  static const std::unordered_set<std::string> kOps = {
      "aten::sym_size", "aten::sym_numel", "aten::sym_stride", "aten::sym_storage_offset", "aten::_assert_async",
      "aten::_assert_scalar", "aten::_assert_tensor_metadata", "aten::sym_constrain_range",
      "aten::sym_constrain_range_for_size", "aten::_functional_assert_async", "aten::_functional_assert_scalar",
      "aten::_functional_sym_constrain_range", "aten::_functional_sym_constrain_range_for_size",
      "aten::_make_dep_token",
      // Export's stand-ins with no work of their own: alias for a view that changes nothing (a full slice, a
      // detach), lift_fresh_copy for a constant tensor the forward made.
      "aten::alias", "aten::lift_fresh_copy"};
  return kOps.count(op) != 0;
}

// Custom ops that libraries register for export in place of an ATen op, with that op's arguments in order:
// counted as the op they stand for.
const std::unordered_map<std::string, std::string>& stand_ins() {
  static const std::unordered_map<std::string, std::string> kOps = {
      {"transformers::grouped_mm_fallback", "aten::_grouped_mm"},  // (input, weight, offs)
  };
  return kOps;
}

std::string stands_for(const std::string& op) {
  auto it = stand_ins().find(op);
  return it == stand_ins().end() ? op : it->second;
}

const ex::NamedArgument* argument_for(const ex::Node& node, const c10::Argument& arg, std::size_t at, bool stand_in) {
  const auto& given = node.get_inputs();
  if (stand_in) return at < given.size() ? &given[at] : nullptr;
  for (const auto& in : given)
    if (in.get_name() == arg.name()) return &in;
  return nullptr;
}

// The ops whose graph node gets the aten::_convolution call a forward's trace has below it (add_traced_call).
const std::vector<std::string>& convolution_callers() {
  static const std::vector<std::string> kOps = {"aten::conv1d", "aten::conv2d", "aten::conv3d", "aten::conv_transpose1d",
                                                "aten::conv_transpose2d", "aten::conv_transpose3d", "aten::convolution"};
  return kOps;
}

std::string target_of(const std::string& op, const std::string& overload) {
  const auto colons = op.find("::");
  return "torch.ops." + op.substr(0, colons) + "." + op.substr(colons + 2) + "." + (overload.empty() ? "default" : overload);
}

// Higher-order ops that only wrap a subgraph in a grad or autocast mode: their subgraph's ops are the model's.
bool wraps_subgraph(const std::string& hop) { return hop == "wrap_with_set_grad_enabled" || hop == "wrap_with_autocast"; }

// "torch.ops.aten.linear.default" -> {"aten::linear", ""}; "torch.ops.higher_order.cond" -> {"higher_order::cond",
// ""}; anything else (Python's operator module on symbolic sizes) -> {"", ""}.
std::pair<std::string, std::string> op_name(const std::string& target) {
  static const std::string kPrefix = "torch.ops.";
  if (target.rfind(kPrefix, 0) != 0) return {"", ""};
  const std::string rest = target.substr(kPrefix.size());
  const auto dot1 = rest.find('.');
  if (dot1 == std::string::npos) return {"", ""};
  const auto dot2 = rest.find('.', dot1 + 1);
  std::string name = rest.substr(0, dot1) + "::" + rest.substr(dot1 + 1, dot2 == std::string::npos ? std::string::npos : dot2 - dot1 - 1);
  std::string overload = dot2 == std::string::npos ? "" : rest.substr(dot2 + 1);
  if (overload == "default") overload.clear();
  return {name, overload};
}

// The module a node ran in: the fqn of the innermost entry of its nn_module_stack ("key,fqn,type;..."; a
// repeated call of one module has its own key, "L__self__a@1", and the same fqn), "" for the root.
// Every (fqn, class) of a node's nn_module_stack ("key,fqn,type;...", outermost first; a repeated call of one
// module has its own key, "L__self__a@1", and the same fqn). The placeholder export writes for a node
// made outside any module (its runtime asserts' size queries) names no module.
std::vector<std::pair<std::string, std::string>> stack_of(const std::unordered_map<std::string, std::string>& metadata) {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = metadata.find("nn_module_stack");
  if (it == metadata.end()) return out;
  const std::string& stack = it->second;
  std::size_t start = 0;
  while (start < stack.size()) {
    auto end = stack.find(';', start);
    if (end == std::string::npos) end = stack.size();
    const std::string entry = stack.substr(start, end - start);
    const auto c1 = entry.find(',');
    const auto c2 = c1 == std::string::npos ? std::string::npos : entry.find(',', c1 + 1);
    if (c2 != std::string::npos && entry.compare(0, c1, "_empty_nn_module_stack_from_metadata_hook") != 0) {
      out.emplace_back(entry.substr(c1 + 1, c2 - c1 - 1), entry.substr(c2 + 1));
    }
    start = end + 1;
  }
  return out;
}

std::vector<std::string> tensor_inputs(const ex::Node& node) {
  std::vector<std::string> out;
  for (const auto& in : node.get_inputs()) {
    const ex::Argument& a = in.get_arg();
    if (a.tag() == ex::Argument::Tag::AS_TENSOR) out.push_back(a.get_as_tensor().get_name());
    if (a.tag() == ex::Argument::Tag::AS_TENSORS)
      for (const auto& t : a.get_as_tensors()) out.push_back(t.get_name());
  }
  return out;
}

std::unordered_map<std::string, std::string> state_inputs(const ex::ExportedProgram& program) {
  std::unordered_map<std::string, std::string> out;
  for (const auto& spec : program.get_graph_module().get_signature().get_input_specs()) {
    if (spec.tag() == ex::InputSpec::Tag::PARAMETER)
      out[spec.get_parameter().get_arg().get_name()] = spec.get_parameter().get_parameter_name();
    else if (spec.tag() == ex::InputSpec::Tag::BUFFER)
      out[spec.get_buffer().get_arg().get_name()] = spec.get_buffer().get_buffer_name();
  }
  return out;
}

std::string subgraph_module(const std::string& enclosing, const std::vector<std::string>& state) {
  for (const auto& fqn : state) {
    const auto dot = fqn.rfind('.');
    if (dot == std::string::npos) continue;  // the root's own: no deeper than any caller
    std::string owner = fqn.substr(0, dot);
    if (module_within(owner, enclosing)) return owner;
  }
  return enclosing;
}

}  // namespace detail

namespace {

using namespace detail;

// The symbols: the range constraints, with each one's example value and the user input dimensions it sizes.
std::vector<Symbol> find_symbols(const ex::ExportedProgram& program) {
  std::vector<Symbol> out;
  std::vector<std::string> names;
  for (const auto& [name, range] : program.get_range_constraints()) names.push_back(name);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    const auto& range = program.get_range_constraints().at(name);
    Symbol s;
    s.name = name;
    s.min = range.get_min_val();
    s.max = range.get_max_val();
    out.push_back(std::move(s));
  }
  const ex::Graph& graph = program.get_graph_module().get_graph();
  auto symbol = [&](const std::string& name) -> Symbol* {
    for (auto& s : out)
      if (s.name == name) return &s;
    out.push_back(Symbol{name, std::nullopt, std::nullopt, std::nullopt, {}});
    return &out.back();
  };
  auto note = [&](const ex::SymInt& size, const std::string& alias) {
    if (size.tag() != ex::SymInt::Tag::AS_EXPR) return;
    const SizeExpr e = SizeExpr::parse(size.get_as_expr().get_expr_str());
    const std::string bare = e.bare_symbol();
    if (bare.empty()) return;
    Symbol* s = symbol(bare);
    const auto& hint = size.get_as_expr().get_hint();
    if (!s->example && hint && hint->tag() == ex::SymExprHint::Tag::AS_INT) s->example = hint->get_as_int();
    if (!alias.empty()) s->aliases.push_back(alias);
  };
  for (const auto& spec : program.get_graph_module().get_signature().get_input_specs()) {
    if (spec.tag() != ex::InputSpec::Tag::USER_INPUT) continue;
    const auto& arg = spec.get_user_input().get_arg();
    if (arg.tag() != ex::Argument::Tag::AS_TENSOR) continue;
    const std::string& name = arg.get_as_tensor().get_name();
    auto it = graph.get_tensor_values().find(name);
    if (it == graph.get_tensor_values().end()) continue;
    const auto& sizes = it->second.get_sizes();
    for (std::size_t d = 0; d < sizes.size(); ++d) note(sizes[d], name + "." + std::to_string(d));
  }
  // A symbol sizing no user input alone still has an example in some tensor's sizes.
  for (const auto& [name, meta] : graph.get_tensor_values())
    for (const auto& s : meta.get_sizes()) note(s, "");
  return out;
}

std::string range_text(const Symbol& s) {
  return (s.min ? std::to_string(*s.min) : std::string("-inf")) + ".." + (s.max ? std::to_string(*s.max) : std::string("inf"));
}

// Runs `work` on the parsed graph. The generated schema types throw std::bad_variant_access (and the standard
// library other exceptions) where a field's tag and value disagree: a malformed graph, an error like any other.
template <class Work>
auto schema_checked(Work&& work) -> decltype(work()) {
  try {
    return work();
  } catch (const InvalidInput&) {
    throw;
  } catch (const std::exception& e) {
    throw InvalidInput(std::string("the exported graph does not follow the export schema (") + e.what() + ")");
  }
}

// The deepest nesting of objects and arrays in JSON text (strings skipped). The schema's types are read
// recursively (a graph argument holds a graph), so a file nested beyond any real graph is refused unread.
std::size_t json_depth(const std::string& text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

// LibTorch's generated types leave some scalar members uninitialized and copy them as the default of a field
// the JSON lacks (reading an indeterminate bool is undefined behaviour, found by the fuzzer): those fields are
// given their schema defaults here, before the conversion reads them. Only where those types live: a graph's
// tensor values (and its subgraphs'), the signature's buffers.
void fill_uninitialized_defaults(nlohmann::json& graph) {
  if (!graph.is_object()) return;
  if (auto tv = graph.find("tensor_values"); tv != graph.end() && tv->is_object())
    for (auto& meta : *tv)
      if (meta.is_object()) {
        meta.emplace("dtype", 0);
        meta.emplace("layout", 0);
        meta.emplace("requires_grad", false);
      }
  auto nodes = graph.find("nodes");
  if (nodes == graph.end() || !nodes->is_array()) return;
  for (auto& node : *nodes) {
    auto inputs = node.is_object() ? node.find("inputs") : node.end();
    if (!node.is_object() || inputs == node.end() || !inputs->is_array()) continue;
    for (auto& in : *inputs) {
      auto arg = in.is_object() ? in.find("arg") : in.end();
      if (!in.is_object() || arg == in.end() || !arg->is_object()) continue;
      auto sub = arg->find("as_graph");
      if (sub != arg->end() && sub->is_object() && sub->contains("graph")) fill_uninitialized_defaults((*sub)["graph"]);
    }
  }
}

// A number the schema reads as an integer (or an enum) that is out of int64's range: JSON parses a literal too
// long for 64 bits as a double, and the schema's generated reader converts it with a cast whose result is
// undefined. The schema's floating fields are as_float, as_floats and a complex value's real and imag; every
// other number is an integer, and torch writes integers there. Returns the key, or "" when there is none.
std::string integer_out_of_range(const nlohmann::json& j, const std::string& key) {
  static const std::set<std::string> kFloating = {"as_float", "as_floats", "real", "imag"};
  if (j.is_number_float()) {
    const double v = j.get<double>();
    const bool fits = v >= -9223372036854775808.0 && v < 9223372036854775808.0;
    return kFloating.count(key) != 0 || fits ? std::string() : key;
  }
  if (j.is_object()) {
    for (const auto& [k, v] : j.items())
      if (auto bad = integer_out_of_range(v, k); !bad.empty()) return bad;
  } else if (j.is_array()) {
    for (const auto& v : j)
      if (auto bad = integer_out_of_range(v, key); !bad.empty()) return bad;
  }
  return "";
}

void fill_program_defaults(nlohmann::json& program) {
  auto gm = program.find("graph_module");
  if (gm == program.end() || !gm->is_object()) return;
  if (auto graph = gm->find("graph"); graph != gm->end()) fill_uninitialized_defaults(*graph);
  auto sig = gm->find("signature");
  if (sig == gm->end() || !sig->is_object() || !sig->contains("input_specs") || !(*sig)["input_specs"].is_array()) return;
  for (auto& spec : (*sig)["input_specs"]) {
    auto buffer = spec.is_object() ? spec.find("buffer") : spec.end();
    if (spec.is_object() && buffer != spec.end() && buffer->is_object()) buffer->emplace("persistent", true);
  }
}

}  // namespace

bool is_bookkeeping(const std::string& op) { return bookkeeping(op); }

std::vector<std::string> export_targets(const std::string& op) {
  std::vector<std::string> out;
  std::vector<std::string> overloads;
  for (const auto& name : c10::Dispatcher::singleton().getAllOpNames())
    if (name.name == op) overloads.push_back(name.overload_name);
  std::sort(overloads.begin(), overloads.end());
  for (const auto& o : overloads) out.push_back(target_of(op, o));
  if (op == "aten::_convolution")
    for (const auto& caller : convolution_callers()) out.push_back("via " + target_of(caller, ""));
  for (const auto& [stand_in, real] : stand_ins())
    if (real == op) out.push_back("via " + target_of(stand_in, ""));
  return out;
}

Program::Program() : m_impl(std::make_unique<Impl>()) {}
Program::Program(Program&&) noexcept = default;
Program& Program::operator=(Program&&) noexcept = default;
Program::~Program() = default;

Program Program::parse(const std::string& text, const std::string& origin) {
  // A real graph nests about 12 deep, plus 8 per level of subgraph.
  if (json_depth(text) > 400)
    throw InvalidInput(origin + " nests its JSON more than 400 deep: no exported graph does");
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InvalidInput(origin + " is not valid JSON (" + std::string(e.what()) + ")");
  }
  if (!json.is_object()) throw InvalidInput(origin + " is not a serialized ExportedProgram (not a JSON object)");
  const auto version = json.find("schema_version");
  if (version == json.end() || !version->is_object() || !version->contains("major") || !(*version)["major"].is_number_integer())
    throw InvalidInput(origin + " has no schema version: it is not a serialized ExportedProgram");
  const std::int64_t major = (*version)["major"].get<std::int64_t>();
  if (major != kSchemaMajor) {
    const std::string minor = version->contains("minor") ? (*version)["minor"].dump() : "?";
    throw InvalidInput(origin + " was written with export schema " + std::to_string(major) + "." + minor +
                       ", and flopscope reads schema " + std::to_string(kSchemaMajor) +
                       ".x (torch 2.6 to 2.11); export it again with a torch of that range, or update flopscope");
  }
  if (!version->contains("minor")) (*version)["minor"] = 0;
  if (const std::string key = integer_out_of_range(json, ""); !key.empty())
    throw InvalidInput(origin + " does not follow the export schema (\"" + key + "\" holds an integer beyond 64 bits)");
  fill_program_defaults(json);
  Program p;
  try {
    json.get_to(p.m_impl->program);
  } catch (const std::exception& e) {
    throw InvalidInput(origin + " does not follow the export schema (" + std::string(e.what()) + ")");
  }
  p.m_impl->symbols = schema_checked([&] { return find_symbols(p.m_impl->program); });
  p.m_impl->graph_sha256 = sha256_of_bytes(text);
  return p;
}

Program Program::read(const std::string& path) {
  check_model_path(path);
  const std::string what = describe_non_torchscript(path);
  if (what != "a torch.export .pt2 archive" && what != "an AOTInductor package") {
    if (what.empty())
      throw InvalidInput("'" + path + "' is a TorchScript archive, not a torch.export .pt2 archive");
    throw InvalidInput("'" + path + "' is " + what + ", not a torch.export .pt2 archive; save one with "
                       "torch.export.save(torch.export.export(model, example_inputs), 'model.pt2')");
  }
  refuse_zip_bomb(path);
  std::vector<std::string> records;
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
  try {
    reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
    records = reader->getAllRecords();
  } catch (const std::exception& e) {
    throw InvalidInput("'" + path + "' is a truncated or corrupt zip archive");
  }
  std::vector<std::string> graphs;
  bool aoti = false;
  for (const auto& r : records) {
    if (r.rfind("models/", 0) == 0 && ends_with(r, ".json")) graphs.push_back(r);
    if (r.rfind("data/aotinductor/", 0) == 0 || ends_with(r, ".so") || ends_with(r, ".wrapper.cpp")) aoti = true;
  }
  if (graphs.empty() && aoti)
    throw InvalidInput("'" + path + "' is an AOTInductor package (compiled code, no graph): flopscope reads the graph "
                       "that torch.export.save writes; save one with torch.export.save(torch.export.export(model, "
                       "example_inputs), 'model.pt2') instead of aoti_compile_and_package");
  if (graphs.empty())
    throw InvalidInput("'" + path + "' is a .pt2 archive without a graph (no models/*.json): save it with "
                       "torch.export.save");
  // torch.export.save names its one program "model"; a package of several is read for that one.
  std::string chosen = graphs.front();
  for (const auto& g : graphs)
    if (g == "models/model.json") chosen = g;
  std::string json;
  try {
    json = read_record(*reader, chosen, path);
  } catch (const InvalidInput&) {
    throw;
  } catch (const std::exception& e) {
    throw InvalidInput("'" + path + "' is a truncated or corrupt zip archive (reading " + chosen + ")");
  }
  const std::string model_name = chosen.substr(7, chosen.size() - 7 - 5);  // models/<name>.json
  Program program = parse(json, "'" + path + "' (" + chosen + ")");
  program.m_impl->path = path;
  program.m_impl->model_name = model_name;
  // The weights config says which parameters are one tensor (tied): its JSON only, never the weights.
  const std::string config = "data/weights/" + model_name + "_weights_config.json";
  if (reader->hasRecord(config)) {
    try {
      const auto j = nlohmann::json::parse(read_record(*reader, config, path));
      for (const auto& [fqn, payload] : j.at("config").items()) {
        if (!payload.is_object() || !payload.contains("path_name") || !payload["path_name"].is_string()) continue;
        const std::string file = payload["path_name"].get<std::string>();
        // A model exported on the meta device has no weights: the saver gives every parameter the same empty
        // file, which says nothing of ties. Only a file with bytes (or one removed since) is a shared tensor.
        const std::string record = "data/weights/" + file;
        if (reader->hasRecord(record) && reader->getRecordSize(record) == 0) continue;
        program.m_impl->storage_of[fqn] = file;
      }
    } catch (const InvalidInput&) {
      throw;
    } catch (const std::exception& e) {
      throw InvalidInput("'" + path + "' (" + config + ") is not a weights config (" + std::string(e.what()) + ")");
    }
  }
  return program;
}

Program Program::from_memory(const std::string& json, const std::vector<std::vector<std::string>>& tied,
                             std::unordered_map<std::string, at::Tensor> tensors) {
  Program program = parse(json, "the exported program");
  program.m_impl->model_name = "model";
  // One storage name per group, as the archive's weights config names one file per shared tensor.
  for (std::size_t g = 0; g < tied.size(); ++g)
    for (const auto& fqn : tied[g]) program.m_impl->storage_of[fqn] = "tied " + std::to_string(g);
  program.m_impl->tensors = std::move(tensors);
  program.m_impl->in_memory = true;
  return program;
}

std::vector<std::string> Program::tensor_input_names() const {
  std::vector<std::string> names;
  for (const auto& spec : m_impl->program.get_graph_module().get_signature().get_input_specs())
    if (spec.tag() == ex::InputSpec::Tag::USER_INPUT && spec.get_user_input().get_arg().tag() == ex::Argument::Tag::AS_TENSOR)
      names.push_back(spec.get_user_input().get_arg().get_as_tensor().get_name());
  return names;
}

std::vector<std::pair<std::string, std::int64_t>> Program::dims_for(
    const std::vector<std::vector<std::int64_t>>& shapes, const std::vector<std::int8_t>& dtypes) const {
  const std::vector<std::string> names = tensor_input_names();
  auto listed = [&] {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  if (shapes.size() != names.size())
    throw InvalidInput("the exported program takes " + std::to_string(names.size()) + " tensor input(s) (" + listed() +
                       "), and " + std::to_string(shapes.size()) + " were given");
  // Each symbol takes its value from the first input dimension it sizes alone ("x.0"); the rest of every shape is
  // then checked against what the program computes from those values.
  std::vector<std::pair<std::string, std::int64_t>> dims;
  std::set<std::string> bound;
  for (std::size_t i = 0; i < names.size(); ++i)
    for (std::size_t d = 0; d < shapes[i].size(); ++d) {
      const std::string alias = names[i] + "." + std::to_string(d);
      for (const auto& s : m_impl->symbols) {
        if (std::find(s.aliases.begin(), s.aliases.end(), alias) == s.aliases.end() || !bound.insert(s.name).second)
          continue;
        const std::int64_t size = shapes[i][d];
        if ((s.min && size < *s.min) || (s.max && size > *s.max))
          throw InvalidInput("input " + std::to_string(i) + " (" + names[i] + ") has size " + std::to_string(size) +
                             " in dimension " + std::to_string(d) + ", outside the range the export allows for it (" +
                             range_text(s) + ")");
        dims.emplace_back(alias, size);
      }
    }
  const auto expected = user_inputs(bind(dims));
  auto text = [](const std::vector<std::int64_t>& shape) {
    std::string out = "[";
    for (std::size_t k = 0; k < shape.size(); ++k) out += (k ? ", " : "") + std::to_string(shape[k]);
    return out + "]";
  };
  for (std::size_t i = 0; i < names.size(); ++i)
    if (expected[i].first != shapes[i])
      throw InvalidInput("input " + std::to_string(i) + " (" + names[i] + ") has shape " + text(shapes[i]) +
                         ", and the exported program takes " + text(expected[i].first) +
                         " there: it was exported with the other sizes static (export with dynamic_shapes to vary them)");
  // A graph runs its kernels in the dtypes it was traced in: another input dtype would fail deep inside it (or
  // count a program that never existed).
  for (std::size_t i = 0; i < dtypes.size() && i < names.size(); ++i)
    if (expected[i].second >= 0 && dtypes[i] >= 0 && dtypes[i] != expected[i].second)
      throw InvalidInput("input " + std::to_string(i) + " (" + names[i] + ") is " +
                         dtype_name(static_cast<c10::ScalarType>(dtypes[i])) + ", and the exported program takes " +
                         dtype_name(static_cast<c10::ScalarType>(expected[i].second)));
  return dims;
}

const std::string& Program::graph_sha256() const { return m_impl->graph_sha256; }

std::string Program::schema_version() const {
  const auto& v = m_impl->program.get_schema_version();
  return std::to_string(v.get_major()) + "." + std::to_string(v.get_minor());
}

std::string Program::dialect() const {
  const auto& v = m_impl->program.get_verifiers();
  return v.empty() ? "" : v.front();
}

std::string Program::torch_version() const { return m_impl->program.get_torch_version(); }

const std::vector<Symbol>& Program::symbols() const { return m_impl->symbols; }

Bindings Program::bind(const std::vector<std::pair<std::string, std::int64_t>>& dims) const {
  Bindings out;
  std::map<std::string, std::string> given_as;
  for (const auto& [name, value] : dims) {
    const Symbol* found = nullptr;
    for (const auto& s : m_impl->symbols) {
      if (s.name == name) found = &s;
      for (const auto& a : s.aliases)
        if (a == name) found = &s;
    }
    if (found == nullptr) {
      std::string known;
      for (const auto& s : m_impl->symbols) {
        known += known.empty() ? "" : ", ";
        known += s.name;
        for (const auto& a : s.aliases) known += " (" + a + ")";
        known += " in " + range_text(s);
      }
      throw InvalidInput("--dim " + name + ": the export has no such symbol" +
                         (known.empty() ? std::string(" (it has no dynamic dimensions: export with dynamic_shapes)")
                                        : "; its symbols are " + known));
    }
    if (given_as.count(found->name) != 0)
      throw InvalidInput("--dim " + name + ": symbol " + found->name + " is already bound by --dim " + given_as[found->name]);
    if ((found->min && value < *found->min) || (found->max && value > *found->max))
      throw InvalidInput("--dim " + name + "=" + std::to_string(value) + " is outside the range the export allows for " +
                         found->name + " (" + range_text(*found) + ")");
    given_as[found->name] = name;
    out[found->name] = value;
  }
  for (const auto& s : m_impl->symbols)
    if (out.count(s.name) == 0 && s.example) out[s.name] = *s.example;
  return out;
}

ModuleTree Program::module_tree() const { return schema_checked([&] { return build_module_tree(); }); }

void Program::describe_modules(ModuleTree& tree, const std::unordered_map<std::string, std::string>& qualified) const {
  // What each module ran, at the export's own example values.
  Trace example;
  try {
    example = TraceBuilder(*m_impl, bind({})).build();
  } catch (const InvalidInput&) {
    return;  // a size the evaluator cannot read: the sizes are printed without settings
  }
  std::unordered_map<std::string, std::vector<const OpRecord*>> ops_of;
  for (const auto& op : example.ops) ops_of[op.module].push_back(&op);
  // Every name of every parameter and buffer (a tied weight under each module that holds it), by module.
  std::unordered_map<std::string, std::unordered_map<std::string, std::vector<std::int64_t>>> tensors_of;
  const ex::GraphModule& gm = m_impl->program.get_graph_module();
  auto add = [&](const std::string& fqn, const std::string& placeholder) {
    auto it = gm.get_graph().get_tensor_values().find(placeholder);
    if (it == gm.get_graph().get_tensor_values().end()) return;
    std::vector<std::int64_t> shape;
    for (const auto& d : it->second.get_sizes()) shape.push_back(d.tag() == ex::SymInt::Tag::AS_INT ? d.get_as_int() : 0);
    const auto dot = fqn.rfind('.');
    tensors_of[dot == std::string::npos ? "" : fqn.substr(0, dot)][fqn.substr(dot + 1)] = std::move(shape);
  };
  for (const auto& spec : gm.get_signature().get_input_specs()) {
    if (spec.tag() == ex::InputSpec::Tag::PARAMETER)
      add(spec.get_parameter().get_parameter_name(), spec.get_parameter().get_arg().get_name());
    else if (spec.tag() == ex::InputSpec::Tag::BUFFER)
      add(spec.get_buffer().get_buffer_name(), spec.get_buffer().get_arg().get_name());
  }
  for (auto& node : tree.nodes) {
    auto q = qualified.find(node.path);
    if (q == qualified.end()) continue;
    const std::string cls = model::repr_class(q->second);
    if (cls.empty()) continue;
    const auto settings = module_settings(cls, ops_of[node.path], tensors_of[node.path]);
    node.extra_repr = model::extra_repr(cls, [&](const std::string& attr) -> std::optional<std::string> {
      auto it = settings.find(attr);
      return it == settings.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
  }
}

ModuleTree Program::build_module_tree() const {
  const ex::GraphModule& gm = m_impl->program.get_graph_module();
  std::vector<std::string> order;  // paths in order of first mention
  std::unordered_map<std::string, std::string> classes;
  std::unordered_set<std::string> seen;
  auto mention = [&](const std::string& path) {
    // Parents first, so that pre-order below puts them before their children. The root ("") is placed on its
    // own: a path that starts with a dot (".w", which no torch writes) has an empty first prefix, which must not
    // become a child of the root, that is of itself.
    if (path.size() > kMaxModulePathBytes)
      throw InvalidInput("the exported graph names a module by a path of " + std::to_string(path.size()) + " bytes (" +
                         text::quoted(path.substr(0, 60)) + "...): flopscope reads paths of up to " +
                         std::to_string(kMaxModulePathBytes) + " bytes, and no exported model has a longer one");
    std::size_t start = 0, depth = 0;
    while (true) {
      const auto dot = path.find('.', start);
      if (++depth > kMaxModuleDepth)
        throw InvalidInput("the exported graph names a module nested more than " + std::to_string(kMaxModuleDepth) +
                           " levels deep (" + text::quoted(path.substr(0, 60)) + "...): no exported model does");
      std::string prefix = path.substr(0, dot);
      if (!prefix.empty() && seen.insert(prefix).second) order.push_back(std::move(prefix));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
  };
  for (const auto& entry : gm.get_module_call_graph())
    if (!entry.get_fqn().empty()) mention(entry.get_fqn());
  ModuleTree tree;
  std::unordered_set<std::string> storages;
  for (const auto& spec : gm.get_signature().get_input_specs()) {
    if (spec.tag() != ex::InputSpec::Tag::PARAMETER) continue;
    const auto& p = spec.get_parameter();
    // A tied parameter counts once, under its first name, as named_parameters() gives it (mmengine); its
    // other names still make their modules.
    auto storage = m_impl->storage_of.find(p.get_parameter_name());
    if (storage != m_impl->storage_of.end() && !storages.insert(storage->second).second) {
      const auto dot = p.get_parameter_name().rfind('.');
      if (dot != std::string::npos) mention(p.get_parameter_name().substr(0, dot));
      continue;
    }
    ParamInfo info;
    info.name = p.get_parameter_name();
    auto it = gm.get_graph().get_tensor_values().find(p.get_arg().get_name());
    info.numel = 1;
    if (it != gm.get_graph().get_tensor_values().end())
      for (const auto& s : it->second.get_sizes()) {
        const std::int64_t d = s.tag() == ex::SymInt::Tag::AS_INT ? s.get_as_int() : 0;
        info.shape.push_back(d);
        info.numel *= d;
      }
    const auto dot = info.name.rfind('.');
    if (dot != std::string::npos) mention(info.name.substr(0, dot));
    tree.params.push_back(std::move(info));
  }
  std::function<void(const std::vector<ex::Node>&)> visit = [&](const std::vector<ex::Node>& nodes) {
    for (const auto& node : nodes) {
      for (const auto& [fqn, cls] : stack_of(node.get_metadata())) {
        if (!fqn.empty()) mention(fqn);
        classes.emplace(fqn, cls);
      }
      for (const auto& in : node.get_inputs())
        if (in.get_arg().tag() == ex::Argument::Tag::AS_GRAPH) visit(in.get_arg().get_as_graph().get_graph()->get_nodes());
    }
  };
  visit(gm.get_graph().get_nodes());

  // Children of each path in order of first mention; the tree in pre-order.
  std::unordered_map<std::string, std::vector<std::string>> children;
  for (const auto& path : order) {
    const auto dot = path.rfind('.');
    children[dot == std::string::npos ? "" : path.substr(0, dot)].push_back(path);
  }
  std::function<int(const std::string&)> place = [&](const std::string& path) {
    const int index = static_cast<int>(tree.nodes.size());
    ModuleNode node;
    node.path = path;
    auto cls = classes.find(path);
    const std::string qualified = cls == classes.end() ? "" : cls->second;
    node.class_name = qualified.substr(qualified.rfind('.') + 1);  // "torch.nn.modules.conv.Conv2d" -> "Conv2d"
    // A module no node ran in has no type in the graph. One whose children are numbered is a ModuleList (a
    // Sequential runs, so it has one): the only container that holds layers by index and is never called.
    bool numbered = !children[path].empty();
    for (const auto& child : children[path])
      numbered = numbered && child.find_first_not_of("0123456789", child.rfind('.') + 1) == std::string::npos;
    if (qualified.empty() && numbered) node.class_name = "ModuleList";
    // A module no node ran in is unused, or a container (ModuleList) when it has children: the graph keeps no
    // class for either.
    node.real_forward = !node.class_name.empty() ? model::has_real_forward(node.class_name) : children[path].empty();
    tree.nodes.push_back(std::move(node));
    tree.by_path[path] = index;
    for (const auto& child : children[path]) {
      const int c = place(child);
      const auto dot = child.rfind('.');
      tree.nodes[static_cast<std::size_t>(index)].children.emplace_back(
          dot == std::string::npos ? child : child.substr(dot + 1), c);
    }
    return index;
  };
  place("");
  describe_modules(tree, classes);
  return tree;
}

Trace Program::trace(const Bindings& bindings, const BranchCost& cost, std::vector<std::string>* notes) const {
  return schema_checked([&] { return TraceBuilder(*m_impl, bindings, cost, notes).build(); });
}

std::vector<std::pair<std::vector<std::int64_t>, std::int8_t>> Program::user_inputs(const Bindings& bindings) const {
  return schema_checked([&] { return read_user_inputs(bindings); });
}

std::vector<std::pair<std::vector<std::int64_t>, std::int8_t>> Program::read_user_inputs(const Bindings& bindings) const {
  std::vector<std::pair<std::vector<std::int64_t>, std::int8_t>> out;
  TraceBuilder sizes(*m_impl, bindings);
  const ex::GraphModule& gm = m_impl->program.get_graph_module();
  for (const auto& spec : gm.get_signature().get_input_specs()) {
    if (spec.tag() != ex::InputSpec::Tag::USER_INPUT) continue;
    const auto& arg = spec.get_user_input().get_arg();
    if (arg.tag() != ex::Argument::Tag::AS_TENSOR) continue;
    Value v = sizes.tensor(arg.get_as_tensor().get_name());
    out.emplace_back(std::move(v.sizes), v.dtype);
  }
  return out;
}

}  // namespace flopscope::exported
