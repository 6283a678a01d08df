#include "cli/inputs_file.h"

#include <torch/csrc/jit/serialization/pickle.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "flopscope/model_file.h"
#include "flopscope/errors.h"

namespace flopscope::cli {
namespace {

std::vector<char> read_bytes(const std::string& path) {
  if (const std::string kind = special_file_kind(path); !kind.empty())
    throw InvalidInput("--inputs '" + path + "' is " + kind + ", not a file saved with torch.save");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidInput("cannot read --inputs '" + path + "': no such file or not readable");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string signature_of(const c10::FunctionSchema& schema) {
  std::ostringstream s;
  s << schema;
  return s.str();
}

// A dict of keyword arguments in the order of the forward's parameters (after self).
std::vector<c10::IValue> by_name(const c10::impl::GenericDict& dict, const c10::FunctionSchema& schema,
                                 const std::string& path) {
  const auto& params = schema.arguments();
  for (const auto& entry : dict) {
    if (!entry.key().isString())
      throw InvalidInput("--inputs '" + path + "' is a dict whose keys are not all strings: key the forward's "
                         "arguments by name");
    const std::string& key = entry.key().toStringRef();
    bool known = false;
    for (std::size_t i = 1; i < params.size(); ++i) known |= params[i].name() == key;
    if (!known)
      throw InvalidInput("--inputs '" + path + "' has '" + key + "', which the model's forward does not take: " +
                         signature_of(schema));
  }
  std::vector<c10::IValue> out;
  for (std::size_t i = 1; i < params.size(); ++i) {
    const auto it = dict.find(c10::IValue(params[i].name()));
    if (it != dict.end()) {
      out.push_back(it->value());
    } else if (params[i].default_value()) {
      out.push_back(*params[i].default_value());
    } else {
      throw InvalidInput("--inputs '" + path + "' has no '" + params[i].name() +
                         "', which the model's forward needs: " + signature_of(schema));
    }
  }
  return out;
}

c10::IValue read_pickle(const std::string& path) {
  const auto bytes = read_bytes(path);
  try {
    return torch::jit::pickle_load(bytes);
  } catch (const c10::Error& e) {
    std::string why = e.what_without_backtrace();
    why = why.substr(0, why.find('\n'));
    throw InvalidInput("cannot read --inputs '" + path + "' as a torch.save file (" + why +
                       "); save a tensor, a tuple, a list or a dict of them with torch.save");
  }
}

// The tensors of positional arguments, depth first, as torch's pytree flattens tuples, lists and dicts.
void flatten_tensors(const c10::IValue& v, std::vector<at::Tensor>& out) {
  if (v.isTensor()) {
    if (v.toTensor().defined()) out.push_back(v.toTensor());
  } else if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) flatten_tensors(e, out);
  } else if (v.isList()) {
    for (const auto& e : v.toList()) flatten_tensors(e, out);
  } else if (v.isGenericDict()) {
    for (const auto& entry : v.toGenericDict()) flatten_tensors(entry.value(), out);
  }
}

std::string listed(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

}  // namespace

std::vector<at::Tensor> load_exported_inputs_file(const std::string& path, const std::vector<std::string>& names) {
  const c10::IValue value = read_pickle(path);
  std::vector<at::Tensor> out;
  if (!value.isGenericDict()) {
    if (!value.isTensor() && !value.isTuple() && !value.isList())
      throw InvalidInput("--inputs '" + path + "' holds a " + value.tagKind() +
                         ", not a tensor, a tuple, a list or a dict of the program's inputs");
    flatten_tensors(value, out);
    return out;  // their count, shapes and dtypes are checked against the program's (ExportedModel::dims_for)
  }
  const auto dict = value.toGenericDict();
  for (const auto& entry : dict) {
    const bool known = entry.key().isString() &&
                       std::find(names.begin(), names.end(), entry.key().toStringRef()) != names.end();
    if (!known) {
      const std::string key = entry.key().isString() ? "'" + entry.key().toStringRef() + "'" : entry.key().tagKind();
      throw InvalidInput("--inputs '" + path + "' has a key (" + key + ") that is none of the exported program's "
                         "tensor inputs (" + listed(names) + ")");
    }
    if (!entry.value().isTensor())
      throw InvalidInput("--inputs '" + path + "' has '" + entry.key().toStringRef() + "' as a " +
                         entry.value().tagKind() + ": a dict gives each of the program's tensor inputs by name; give "
                         "nested inputs as a tuple");
  }
  for (const auto& name : names) {
    const auto it = dict.find(c10::IValue(name));
    if (it == dict.end())
      throw InvalidInput("--inputs '" + path + "' has no '" + name + "', which the exported program takes (its tensor "
                         "inputs: " + listed(names) + ")");
    out.push_back(it->value().toTensor());
  }
  return out;
}

std::vector<c10::IValue> load_inputs_file(const std::string& path, const torch::jit::Module& model) {
  const c10::IValue value = read_pickle(path);
  const auto method = model.find_method("forward");
  if (!method) throw InvalidInput("the TorchScript module has no forward method");
  const auto& schema = method->function().getSchema();
  if (value.isTuple()) {
    const auto& elements = value.toTupleRef().elements();
    return std::vector<c10::IValue>(elements.begin(), elements.end());
  }
  if (value.isList()) {
    std::vector<c10::IValue> out;
    for (const auto& v : value.toList()) out.push_back(v);
    return out;
  }
  if (value.isGenericDict()) return by_name(value.toGenericDict(), schema, path);
  if (value.isTensor()) return {value};
  throw InvalidInput("--inputs '" + path + "' holds a " + value.tagKind() +
                     ", not a tensor, a tuple, a list or a dict of the forward's arguments");
}

}  // namespace flopscope::cli
