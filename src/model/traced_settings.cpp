// A traced module keeps its parameters and buffers but none of its Python attributes: a Conv2d's stride, a
// LayerNorm's eps, a Dropout's p are gone from the object. They survive as the constants its own traced
// forward passed to its op (aten::_convolution's stride list, aten::layer_norm's eps), and the sizes survive in
// the parameters' shapes. This file reads them back, so that the arch tree of a traced file prints what
// mmengine prints from the Python module. What the file truly lacks (a Dropout that was never traced, a
// padding_mode other than zeros) is left out rather than guessed.
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>

#include <cstdio>
#include <cstdlib>

#include "model/model.h"
#include "text/python_text.h"

namespace flopscope::model {
namespace {

using Settings = std::unordered_map<std::string, std::string>;

// A constant input of a node: a prim::Constant, or a list built from constants (how traced graphs pass
// stride and padding).
std::optional<c10::IValue> constant(torch::jit::Value* v) {
  if (auto c = torch::jit::toIValue(v)) return c;
  const torch::jit::Node* n = v->node();
  if (n->kind() != c10::prim::ListConstruct) return std::nullopt;
  std::vector<std::int64_t> ints;
  for (const torch::jit::Value* e : n->inputs()) {
    auto c = torch::jit::toIValue(e);
    if (!c || !c->isInt()) return std::nullopt;
    ints.push_back(c->toInt());
  }
  return c10::IValue(ints);
}

std::optional<std::vector<std::int64_t>> ints(torch::jit::Node* n, std::size_t i) {
  if (i >= n->inputs().size()) return std::nullopt;
  auto c = constant(n->input(i));
  if (!c || !c->isIntList()) return std::nullopt;
  return c->toIntVector();
}

std::optional<double> real(torch::jit::Node* n, std::size_t i) {
  if (i >= n->inputs().size()) return std::nullopt;
  auto c = constant(n->input(i));
  if (c && c->isDouble()) return c->toDouble();
  if (c && c->isInt()) return static_cast<double>(c->toInt());
  return std::nullopt;
}

// Python's text of a float the tracer kept as a one-element tensor constant (`variance + eps`). A float32
// constant prints as the shortest decimal that reads back to it, which is what the Python float was.
std::optional<std::string> scalar_text(const c10::IValue& v) {
  if (v.isDouble()) return text::python_float(v.toDouble());
  if (!v.isTensor() || v.toTensor().numel() != 1 || !v.toTensor().is_floating_point()) return std::nullopt;
  const at::Tensor& t = v.toTensor();
  if (t.scalar_type() == c10::kDouble) return text::python_float(t.item<double>());
  const float f = t.item<float>();
  char buf[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, static_cast<double>(f));
    if (std::strtof(buf, nullptr) == f) break;
  }
  return text::python_float(std::strtod(buf, nullptr));
}

std::optional<c10::IValue> value(torch::jit::Node* n, std::size_t i) {
  if (i >= n->inputs().size()) return std::nullopt;
  return constant(n->input(i));
}

// The first node of the module's own forward graph whose kind is one of `kinds`, or null.
torch::jit::Node* first_call(const c10::ivalue::Object& object, std::initializer_list<const char*> kinds) {
  torch::jit::Function* forward = object.type()->findMethod("forward");
  if (forward == nullptr || !forward->isGraphFunction()) return nullptr;
  for (torch::jit::Node* n : torch::jit::toGraphFunction(*forward).graph()->nodes())
    for (const char* k : kinds)
      if (n->kind().toQualString() == std::string(k)) return n;
  return nullptr;
}

std::optional<at::Tensor> tensor_slot(const c10::ivalue::Object& object, const std::string& name) {
  auto slot = object.type()->findAttributeSlot(name);
  if (!slot || !object.getSlot(*slot).isTensor()) return std::nullopt;
  at::Tensor t = object.getSlot(*slot).toTensor();
  if (!t.defined()) return std::nullopt;
  return t;
}

std::string truth(bool b) { return b ? "True" : "False"; }


std::optional<c10::intrusive_ptr<c10::ivalue::Object>> object_slot(const c10::ivalue::Object& object,
                                                                    const std::string& name) {
  auto slot = object.type()->findAttributeSlot(name);
  if (!slot || !object.getSlot(*slot).isObject()) return std::nullopt;
  return object.getSlot(*slot).toObject();
}

// The weight's shape holder: the weight itself, or what weight norm keeps of it (weight_v, the direction, of
// the weight's shape; with parametrizations, parametrizations.weight.original1, or .original for others).
std::optional<at::Tensor> weight_of(const c10::ivalue::Object& object) {
  if (auto w = tensor_slot(object, "weight")) return w;
  if (auto v = tensor_slot(object, "weight_v")) return v;
  auto dict = object_slot(object, "parametrizations");
  auto list = dict ? object_slot(**dict, "weight") : std::nullopt;
  if (!list) return std::nullopt;
  if (auto v = tensor_slot(**list, "original1")) return v;
  return tensor_slot(**list, "original");
}

void conv(const c10::ivalue::Object& object, Settings& s) {
  auto w = weight_of(object);
  torch::jit::Node* n = first_call(object, {"aten::_convolution"});
  if (!w || n == nullptr) return;
  const auto stride = ints(n, 3), padding = ints(n, 4), dilation = ints(n, 5), output_padding = ints(n, 7);
  const auto transposed = value(n, 6), groups = value(n, 8);
  if (!stride || !padding || !dilation || !transposed || !transposed->isBool() || !groups || !groups->isInt()) return;
  const std::int64_t g = groups->toInt();
  const bool t = transposed->toBool();
  s["in_channels"] = std::to_string(t ? w->size(0) : w->size(1) * g);
  s["out_channels"] = std::to_string(t ? w->size(1) * g : w->size(0));
  s["kernel_size"] = text::python_tuple(w->sizes().slice(2).vec());
  s["stride"] = text::python_tuple(*stride);
  s["padding"] = text::python_tuple(*padding);
  s["dilation"] = text::python_tuple(*dilation);
  if (output_padding) s["output_padding"] = text::python_tuple(*output_padding);
  s["groups"] = std::to_string(g);
}

void batch_norm(const c10::ivalue::Object& object, Settings& s) {
  auto w = tensor_slot(object, "weight");
  auto mean = tensor_slot(object, "running_mean");
  torch::jit::Node* n = first_call(object, {"aten::batch_norm"});
  if ((!w && !mean) || n == nullptr) return;
  s["num_features"] = std::to_string(w ? w->size(0) : mean->size(0));
  if (auto momentum = real(n, 6)) s["momentum"] = text::python_float(*momentum);
  if (auto eps = real(n, 7)) s["eps"] = text::python_float(*eps);
  s["affine"] = truth(w.has_value());
  s["track_running_stats"] = truth(mean.has_value());
}

void layer_norm(const c10::ivalue::Object& object, Settings& s) {
  torch::jit::Node* n = first_call(object, {"aten::layer_norm"});
  if (n == nullptr) return;
  if (auto shape = ints(n, 1)) s["normalized_shape"] = text::python_tuple(*shape);
  if (auto eps = real(n, 4)) s["eps"] = text::python_float(*eps);
  s["elementwise_affine"] = truth(tensor_slot(object, "weight").has_value());
}

void group_norm(const c10::ivalue::Object& object, Settings& s) {
  auto w = tensor_slot(object, "weight");
  torch::jit::Node* n = first_call(object, {"aten::group_norm"});
  if (!w || n == nullptr) return;  // without an affine weight the channel count is nowhere
  if (auto groups = value(n, 1); groups && groups->isInt()) s["num_groups"] = std::to_string(groups->toInt());
  s["num_channels"] = std::to_string(w->size(0));
  if (auto eps = real(n, 4)) s["eps"] = text::python_float(*eps);
  s["affine"] = "True";
}

void embedding(const c10::ivalue::Object& object, Settings& s) {
  auto w = tensor_slot(object, "weight");
  if (!w || w->dim() != 2) return;
  s["num_embeddings"] = std::to_string(w->size(0));
  s["embedding_dim"] = std::to_string(w->size(1));
  // An embedding the trace never called (a tied `shared` table) keeps only its sizes.
  torch::jit::Node* n = first_call(object, {"aten::embedding"});
  if (n == nullptr) return;
  if (auto pad = value(n, 2); pad && pad->isInt()) s["padding_idx"] = pad->toInt() < 0 ? "None" : std::to_string(pad->toInt());
  if (auto scale = value(n, 3); scale && scale->isBool()) s["scale_grad_by_freq"] = truth(scale->toBool());
  if (auto sparse = value(n, 4); sparse && sparse->isBool()) s["sparse"] = truth(sparse->toBool());
}

void dropout(const c10::ivalue::Object& object, Settings& s) {
  torch::jit::Node* n = first_call(object, {"aten::dropout", "aten::dropout_", "aten::feature_dropout",
                                            "aten::feature_dropout_", "aten::alpha_dropout", "aten::alpha_dropout_"});
  if (n == nullptr) return;
  if (auto p = real(n, 1)) s["p"] = text::python_float(*p);
  const std::string kind = n->kind().toQualString();
  s["inplace"] = truth(kind.back() == '_');
}

// ReLU and friends: inplace when the traced call is the in-place op.
void activation(const c10::ivalue::Object& object, const char* op, Settings& s) {
  const std::string in_place = std::string(op) + "_";
  torch::jit::Node* n = first_call(object, {op, in_place.c_str()});
  if (n != nullptr) s["inplace"] = truth(n->kind().toQualString() == in_place);
}

void gelu(const c10::ivalue::Object& object, Settings& s) {
  torch::jit::Node* n = first_call(object, {"aten::gelu", "aten::gelu_"});
  if (n == nullptr) return;
  if (auto a = value(n, 1); a && a->isString()) s["approximate"] = "'" + a->toStringRef() + "'";
}

void softmax(const c10::ivalue::Object& object, const char* op, Settings& s) {
  torch::jit::Node* n = first_call(object, {op});
  if (n == nullptr) return;
  if (auto d = value(n, 1); d && d->isInt()) s["dim"] = std::to_string(d->toInt());
}

void max_pool(const c10::ivalue::Object& object, const char* op, Settings& s) {
  torch::jit::Node* n = first_call(object, {op});
  if (n == nullptr) return;
  const auto kernel = ints(n, 1), stride = ints(n, 2), padding = ints(n, 3), dilation = ints(n, 4);
  const auto ceil = value(n, 5);
  if (!kernel || !stride || !padding || !dilation || !ceil || !ceil->isBool()) return;
  s["kernel_size"] = text::python_int_or_tuple(*kernel);
  s["stride"] = text::python_int_or_tuple(stride->empty() ? *kernel : *stride);  // an empty stride means the kernel's
  s["padding"] = text::python_int_or_tuple(*padding);
  s["dilation"] = text::python_int_or_tuple(*dilation);
  s["ceil_mode"] = truth(ceil->toBool());
}

void avg_pool(const c10::ivalue::Object& object, Settings& s) {
  torch::jit::Node* n = first_call(object, {"aten::avg_pool1d", "aten::avg_pool2d", "aten::avg_pool3d"});
  if (n == nullptr) return;
  const auto kernel = ints(n, 1), stride = ints(n, 2), padding = ints(n, 3);
  if (!kernel || !stride || !padding) return;
  s["kernel_size"] = text::python_int_or_tuple(*kernel);
  s["stride"] = text::python_int_or_tuple(stride->empty() ? *kernel : *stride);
  s["padding"] = text::python_int_or_tuple(*padding);
}

void flatten(const c10::ivalue::Object& object, Settings& s) {
  torch::jit::Node* n = first_call(object, {"aten::flatten"});
  if (n == nullptr) return;
  const auto start = value(n, 1), end = value(n, 2);
  if (!start || !start->isInt() || !end || !end->isInt()) return;
  s["start_dim"] = std::to_string(start->toInt());
  s["end_dim"] = std::to_string(end->toInt());
}

// LSTM, GRU, RNN: sizes and layers from the weights (weight_ih_l{k}[_reverse]: [gates*hidden, input]), the rest
// from the traced aten::lstm / gru / rnn_* call (..., has_biases, num_layers, dropout, train, bidirectional,
// batch_first).
void rnn(const c10::ivalue::Object& object, Settings& s) {
  auto ih = tensor_slot(object, "weight_ih_l0");
  auto hh = tensor_slot(object, "weight_hh_l0");
  if (!ih || !hh) return;
  int layers = 0;
  while (tensor_slot(object, "weight_ih_l" + std::to_string(layers))) ++layers;
  auto hr = tensor_slot(object, "weight_hr_l0");
  s["input_size"] = std::to_string(ih->size(1));
  s["hidden_size"] = std::to_string(hr ? hr->size(1) : hh->size(1));
  if (hr) s["proj_size"] = std::to_string(hr->size(0));
  s["num_layers"] = std::to_string(layers);
  s["bias"] = truth(tensor_slot(object, "bias_ih_l0").has_value());
  s["bidirectional"] = truth(tensor_slot(object, "weight_ih_l0_reverse").has_value());
  torch::jit::Node* n = first_call(object, {"aten::lstm", "aten::gru", "aten::rnn_tanh", "aten::rnn_relu"});
  if (n == nullptr) return;
  if (auto dropout = real(n, 5)) s["dropout"] = text::python_float(*dropout);
  if (auto batch_first = value(n, 8); batch_first && batch_first->isBool()) s["batch_first"] = truth(batch_first->toBool());
}

void adaptive_pool(const c10::ivalue::Object& object, Settings& s) {
  torch::jit::Node* n = first_call(object, {"aten::adaptive_avg_pool1d", "aten::adaptive_avg_pool2d",
                                            "aten::adaptive_avg_pool3d", "aten::adaptive_max_pool2d"});
  if (n == nullptr) return;
  if (auto size = ints(n, 1)) s["output_size"] = text::python_int_or_tuple(*size);
}

// torch.nn.RMSNorm: aten::rms_norm(input, normalized_shape, weight, eps), eps None by default.
void torch_rms_norm(const c10::ivalue::Object& object, Settings& s) {
  torch::jit::Node* n = first_call(object, {"aten::rms_norm"});
  if (n == nullptr) return;
  if (auto shape = ints(n, 1)) s["normalized_shape"] = text::python_tuple(*shape);
  auto eps = value(n, 3);
  if (eps && eps->isNone()) s["eps"] = "None";
  if (auto e = real(n, 3)) s["eps"] = text::python_float(*e);
  s["elementwise_affine"] = truth(tensor_slot(object, "weight").has_value());
}

// transformers' RMSNorm: x * rsqrt(mean(x^2) + eps) * weight; eps is the double its forward adds. Some have no
// weight (they print eps alone).
void transformers_rms_norm(const c10::ivalue::Object& object, Settings& s) {
  torch::jit::Function* forward = object.type()->findMethod("forward");
  if (forward == nullptr || !forward->isGraphFunction()) return;
  if (auto w = tensor_slot(object, "weight"); w && w->dim() >= 1) {
    s["weight_shape"] = text::python_tuple(w->sizes().vec());
    s["hidden_size"] = std::to_string(w->size(0));
  }
  for (torch::jit::Node* n : torch::jit::toGraphFunction(*forward).graph()->nodes()) {
    if (n->kind() != c10::aten::add || n->inputs().size() < 2) continue;
    const auto eps = torch::jit::toIValue(n->input(1));
    if (const auto text = eps ? scalar_text(*eps) : std::nullopt) {
      s["eps"] = *text;
      return;
    }
  }
}

}  // namespace

std::unordered_map<std::string, std::string> traced_settings(const std::string& cls, const c10::ivalue::Object& object) {
  Settings s;
  if (cls == "Linear") {
    if (auto w = tensor_slot(object, "weight"); w && w->dim() == 2) {
      s["in_features"] = std::to_string(w->size(1));
      s["out_features"] = std::to_string(w->size(0));
    }
  } else if (cls.rfind("Conv", 0) == 0) {
    conv(object, s);
  } else if (cls.rfind("BatchNorm", 0) == 0) {
    batch_norm(object, s);
  } else if (cls == "LayerNorm") {
    layer_norm(object, s);
  } else if (cls == "GroupNorm") {
    group_norm(object, s);
  } else if (cls == "Embedding") {
    embedding(object, s);
  } else if (cls.rfind("Dropout", 0) == 0 || cls == "AlphaDropout") {
    dropout(object, s);
  } else if (cls == "ReLU") {
    activation(object, "aten::relu", s);
  } else if (cls == "ReLU6") {
    activation(object, "aten::hardtanh", s);
  } else if (cls == "SiLU") {
    activation(object, "aten::silu", s);
  } else if (cls == "Mish") {
    activation(object, "aten::mish", s);
  } else if (cls == "GELU") {
    gelu(object, s);
  } else if (cls == "Softmax") {
    softmax(object, "aten::softmax", s);
  } else if (cls == "MaxPool1d" || cls == "MaxPool2d" || cls == "MaxPool3d") {
    max_pool(object, cls == "MaxPool1d" ? "aten::max_pool1d" : cls == "MaxPool2d" ? "aten::max_pool2d" : "aten::max_pool3d", s);
  } else if (cls == "AvgPool1d" || cls == "AvgPool2d" || cls == "AvgPool3d") {
    avg_pool(object, s);
  } else if (cls == "Flatten") {
    flatten(object, s);
  } else if (cls == "LSTM" || cls == "GRU" || cls == "RNN") {
    rnn(object, s);
  } else if (cls == "RMSNorm") {
    torch_rms_norm(object, s);
  } else if (cls.rfind("HFRMSNorm", 0) == 0) {
    transformers_rms_norm(object, s);
  } else if (cls.rfind("Adaptive", 0) == 0) {
    adaptive_pool(object, s);
  }
  return s;
}

}  // namespace flopscope::model
