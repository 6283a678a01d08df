#include "exported/module_settings.h"

#include <initializer_list>

#include "text/python_text.h"

namespace flopscope::exported {
namespace {

using Settings = std::unordered_map<std::string, std::string>;
using Params = std::unordered_map<std::string, std::vector<std::int64_t>>;

const OpRecord* first(const std::vector<const OpRecord*>& ops, std::initializer_list<const char*> names) {
  for (const OpRecord* op : ops)
    for (const char* n : names)
      if (op->name == n) return op;
  return nullptr;
}

const Value* arg(const OpRecord* op, std::size_t i) { return op != nullptr && i < op->inputs.size() ? &op->inputs[i] : nullptr; }

bool is_ints(const Value* v) { return v != nullptr && v->kind == Value::Kind::IntList; }
bool is_int(const Value* v) { return v != nullptr && v->kind == Value::Kind::Int; }
bool is_bool(const Value* v) { return v != nullptr && v->kind == Value::Kind::Bool; }
bool is_real(const Value* v) { return v != nullptr && (v->kind == Value::Kind::Double || v->kind == Value::Kind::Int); }

std::string truth(bool b) { return b ? "True" : "False"; }
std::int64_t integer(const Value* v) { return static_cast<std::int64_t>(v->number); }


const std::vector<std::int64_t>* param(const Params& p, const char* name) {
  auto it = p.find(name);
  return it == p.end() ? nullptr : &it->second;
}

void conv(const std::vector<const OpRecord*>& ops, const Params& p, Settings& s) {
  const auto* w = param(p, "weight");
  const OpRecord* n = first(ops, {"aten::_convolution"});  // (input, weight, bias, stride, padding, dilation,
                                                            //  transposed, output_padding, groups, ...)
  if (w == nullptr || w->size() < 3 || n == nullptr || !is_ints(arg(n, 3)) || !is_ints(arg(n, 4)) ||
      !is_ints(arg(n, 5)) || !is_bool(arg(n, 6)) || !is_int(arg(n, 8)))
    return;
  const std::int64_t g = integer(arg(n, 8));
  const bool t = arg(n, 6)->number != 0;
  s["in_channels"] = std::to_string(t ? (*w)[0] : (*w)[1] * g);
  s["out_channels"] = std::to_string(t ? (*w)[1] * g : (*w)[0]);
  s["kernel_size"] = text::python_tuple(std::vector<std::int64_t>(w->begin() + 2, w->end()));
  s["stride"] = text::python_tuple(arg(n, 3)->sizes);
  s["padding"] = text::python_tuple(arg(n, 4)->sizes);
  s["dilation"] = text::python_tuple(arg(n, 5)->sizes);
  if (is_ints(arg(n, 7))) s["output_padding"] = text::python_tuple(arg(n, 7)->sizes);
  s["groups"] = std::to_string(g);
}

void batch_norm(const std::vector<const OpRecord*>& ops, const Params& p, Settings& s) {
  const auto* w = param(p, "weight");
  const auto* mean = param(p, "running_mean");
  // (input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled)
  const OpRecord* n = first(ops, {"aten::batch_norm"});
  if ((w == nullptr && mean == nullptr) || n == nullptr) return;
  s["num_features"] = std::to_string(w != nullptr ? w->front() : mean->front());
  if (is_real(arg(n, 6))) s["momentum"] = text::python_float(arg(n, 6)->number);
  if (is_real(arg(n, 7))) s["eps"] = text::python_float(arg(n, 7)->number);
  s["affine"] = truth(w != nullptr);
  s["track_running_stats"] = truth(mean != nullptr);
}

void layer_norm(const std::vector<const OpRecord*>& ops, const Params& p, Settings& s) {
  const OpRecord* n = first(ops, {"aten::layer_norm"});  // (input, normalized_shape, weight, bias, eps, ...)
  if (n == nullptr) return;
  if (is_ints(arg(n, 1))) s["normalized_shape"] = text::python_tuple(arg(n, 1)->sizes);
  if (is_real(arg(n, 4))) s["eps"] = text::python_float(arg(n, 4)->number);
  s["elementwise_affine"] = truth(param(p, "weight") != nullptr);
}

void group_norm(const std::vector<const OpRecord*>& ops, const Params& p, Settings& s) {
  const auto* w = param(p, "weight");
  const OpRecord* n = first(ops, {"aten::group_norm"});  // (input, num_groups, weight, bias, eps, ...)
  if (w == nullptr || n == nullptr) return;
  if (is_int(arg(n, 1))) s["num_groups"] = std::to_string(integer(arg(n, 1)));
  s["num_channels"] = std::to_string(w->front());
  if (is_real(arg(n, 4))) s["eps"] = text::python_float(arg(n, 4)->number);
  s["affine"] = "True";
}

void embedding(const std::vector<const OpRecord*>& ops, const Params& p, Settings& s) {
  const auto* w = param(p, "weight");
  if (w == nullptr || w->size() != 2) return;
  s["num_embeddings"] = std::to_string((*w)[0]);
  s["embedding_dim"] = std::to_string((*w)[1]);
  const OpRecord* n = first(ops, {"aten::embedding"});  // (weight, indices, padding_idx, scale_grad_by_freq, sparse)
  if (n == nullptr) return;
  if (is_int(arg(n, 2))) s["padding_idx"] = integer(arg(n, 2)) < 0 ? "None" : std::to_string(integer(arg(n, 2)));
  if (is_bool(arg(n, 3))) s["scale_grad_by_freq"] = truth(arg(n, 3)->number != 0);
  if (is_bool(arg(n, 4))) s["sparse"] = truth(arg(n, 4)->number != 0);
}

void pool(const std::vector<const OpRecord*>& ops, bool max, Settings& s) {
  // max_pool: (input, kernel_size, stride, padding, dilation, ceil_mode); avg_pool: (input, kernel_size, stride,
  // padding, ceil_mode, ...). An empty stride means the kernel's.
  const OpRecord* n = max ? first(ops, {"aten::max_pool1d", "aten::max_pool2d", "aten::max_pool3d"})
                          : first(ops, {"aten::avg_pool1d", "aten::avg_pool2d", "aten::avg_pool3d"});
  if (n == nullptr || !is_ints(arg(n, 1)) || !is_ints(arg(n, 2)) || !is_ints(arg(n, 3))) return;
  s["kernel_size"] = text::python_int_or_tuple(arg(n, 1)->sizes);
  s["stride"] = text::python_int_or_tuple(arg(n, 2)->sizes.empty() ? arg(n, 1)->sizes : arg(n, 2)->sizes);
  s["padding"] = text::python_int_or_tuple(arg(n, 3)->sizes);
  if (!max) return;
  if (is_ints(arg(n, 4))) s["dilation"] = text::python_int_or_tuple(arg(n, 4)->sizes);
  if (is_bool(arg(n, 5))) s["ceil_mode"] = truth(arg(n, 5)->number != 0);
}

// ReLU and friends: inplace when the module's call is the in-place op.
void activation(const std::vector<const OpRecord*>& ops, const std::string& op, Settings& s) {
  const std::string in_place = op + "_";
  for (const OpRecord* o : ops)
    if (o->name == op || o->name == in_place) {
      s["inplace"] = truth(o->name == in_place);
      return;
    }
}

// LSTM, GRU, RNN: sizes and layers from the weights (weight_ih_l{k}[_reverse]: [gates*hidden, input]), the rest
// from the call (aten::lstm.input: input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
// batch_first; gru and rnn_* alike).
void rnn(const std::vector<const OpRecord*>& ops, const Params& p, Settings& s) {
  const auto* ih = param(p, "weight_ih_l0");
  const auto* hh = param(p, "weight_hh_l0");
  if (ih == nullptr || hh == nullptr || ih->size() != 2 || hh->size() != 2) return;
  int layers = 0;
  while (p.count("weight_ih_l" + std::to_string(layers)) != 0) ++layers;
  const auto* hr = param(p, "weight_hr_l0");
  s["input_size"] = std::to_string((*ih)[1]);
  s["hidden_size"] = std::to_string(hr != nullptr && hr->size() == 2 ? (*hr)[1] : (*hh)[1]);
  if (hr != nullptr && !hr->empty()) s["proj_size"] = std::to_string((*hr)[0]);
  s["num_layers"] = std::to_string(layers);
  s["bias"] = truth(param(p, "bias_ih_l0") != nullptr);
  s["bidirectional"] = truth(param(p, "weight_ih_l0_reverse") != nullptr);
  const OpRecord* n = first(ops, {"aten::lstm", "aten::gru", "aten::rnn_tanh", "aten::rnn_relu"});
  if (is_real(arg(n, 5))) s["dropout"] = text::python_float(arg(n, 5)->number);
  if (is_bool(arg(n, 8))) s["batch_first"] = truth(arg(n, 8)->number != 0);
}

}  // namespace

std::unordered_map<std::string, std::string> module_settings(const std::string& cls,
                                                             const std::vector<const OpRecord*>& ops,
                                                             const Params& params) {
  Settings s;
  // Python prints whether a layer has a bias (Linear, Conv*, RNNs).
  s["bias"] = truth(param(params, "bias") != nullptr);
  if (cls == "Linear") {
    if (const auto* w = param(params, "weight"); w != nullptr && w->size() == 2) {
      s["in_features"] = std::to_string((*w)[1]);
      s["out_features"] = std::to_string((*w)[0]);
    }
  } else if (cls.rfind("Conv", 0) == 0) {
    conv(ops, params, s);
  } else if (cls.rfind("BatchNorm", 0) == 0) {
    batch_norm(ops, params, s);
  } else if (cls == "LayerNorm") {
    layer_norm(ops, params, s);
  } else if (cls == "GroupNorm") {
    group_norm(ops, params, s);
  } else if (cls == "Embedding") {
    embedding(ops, params, s);
  } else if (cls.rfind("Dropout", 0) == 0) {
    const OpRecord* n = first(ops, {"aten::dropout", "aten::dropout_", "aten::feature_dropout", "aten::feature_dropout_"});
    if (n != nullptr && is_real(arg(n, 1))) {
      s["p"] = text::python_float(arg(n, 1)->number);
      s["inplace"] = truth(n->name.back() == '_');
    }
  } else if (cls == "ReLU") {
    activation(ops, "aten::relu", s);
  } else if (cls == "ReLU6") {
    activation(ops, "aten::hardtanh", s);
  } else if (cls == "SiLU") {
    activation(ops, "aten::silu", s);
  } else if (cls == "GELU") {
    const OpRecord* n = first(ops, {"aten::gelu", "aten::gelu_"});
    if (n != nullptr && arg(n, 1) != nullptr && arg(n, 1)->kind == Value::Kind::String)
      s["approximate"] = "'" + arg(n, 1)->text + "'";
  } else if (cls == "Softmax") {
    const OpRecord* n = first(ops, {"aten::softmax"});
    if (is_int(arg(n, 1))) s["dim"] = std::to_string(integer(arg(n, 1)));
  } else if (cls.rfind("MaxPool", 0) == 0 || cls.rfind("AvgPool", 0) == 0) {
    pool(ops, cls.rfind("MaxPool", 0) == 0, s);
  } else if (cls == "Flatten") {
    const OpRecord* n = first(ops, {"aten::flatten"});
    if (is_int(arg(n, 1)) && is_int(arg(n, 2))) {
      s["start_dim"] = std::to_string(integer(arg(n, 1)));
      s["end_dim"] = std::to_string(integer(arg(n, 2)));
    }
  } else if (cls.rfind("Adaptive", 0) == 0) {
    const OpRecord* n = first(ops, {"aten::adaptive_avg_pool1d", "aten::adaptive_avg_pool2d", "aten::adaptive_avg_pool3d",
                                    "aten::adaptive_max_pool2d"});
    if (is_ints(arg(n, 1))) s["output_size"] = text::python_int_or_tuple(arg(n, 1)->sizes);
  } else if (cls == "LSTM" || cls == "GRU" || cls == "RNN") {
    rnn(ops, params, s);
  } else if (cls == "RMSNorm") {  // torch.nn.RMSNorm: aten::rms_norm(input, normalized_shape, weight, eps)
    const OpRecord* n = first(ops, {"aten::rms_norm"});
    if (is_ints(arg(n, 1))) s["normalized_shape"] = text::python_tuple(arg(n, 1)->sizes);
    if (arg(n, 3) != nullptr && arg(n, 3)->is_none()) s["eps"] = "None";
    if (is_real(arg(n, 3))) s["eps"] = text::python_float(arg(n, 3)->number);
    s["elementwise_affine"] = truth(param(params, "weight") != nullptr);
  } else if (cls.rfind("HFRMSNorm", 0) == 0) {  // transformers': eps is the number its forward adds to the variance
    if (const auto* w = param(params, "weight"); w != nullptr && !w->empty()) {
      s["weight_shape"] = text::python_tuple(*w);
      s["hidden_size"] = std::to_string((*w)[0]);
    }
    for (const OpRecord* o : ops)
      if (o->name == "aten::add" && o->inputs.size() > 1 && o->inputs[1].kind == Value::Kind::Double) {
        s["eps"] = text::python_float(o->inputs[1].number);
        break;
      }
  }
  return s;
}

}  // namespace flopscope::exported
