// extra_repr of torch.nn classes, with Python's formatting, so that the arch string reads like print(model).
#include <unordered_map>
#include <unordered_set>

#include "model/model.h"

namespace flopscope::model {
namespace {

std::string get(const AttrLookup& attr, const std::string& name, const std::string& fallback = "") {
  auto v = attr(name);
  return v ? *v : fallback;
}

bool all_same(const std::string& tuple_text, char digit) {
  // "(0, 0)" / "0" / "(1,)": every number in it equals `digit`.
  for (char c : tuple_text)
    if (c >= '0' && c <= '9' && c != digit) return false;
  return true;
}

std::string conv(const AttrLookup& attr) {
  std::string s = get(attr, "in_channels") + ", " + get(attr, "out_channels") +
                  ", kernel_size=" + get(attr, "kernel_size") + ", stride=" + get(attr, "stride");
  std::string padding = get(attr, "padding", "0");
  if (padding.front() == '\'' || !all_same(padding, '0')) s += ", padding=" + padding;
  std::string dilation = get(attr, "dilation", "1");
  if (!all_same(dilation, '1')) s += ", dilation=" + dilation;
  std::string output_padding = get(attr, "output_padding", "0");
  if (!all_same(output_padding, '0')) s += ", output_padding=" + output_padding;
  std::string groups = get(attr, "groups", "1");
  if (groups != "1") s += ", groups=" + groups;
  if (get(attr, "bias", "True") == "False") s += ", bias=False";
  std::string mode = get(attr, "padding_mode", "'zeros'");
  if (mode != "'zeros'") s += ", padding_mode=" + mode;
  return s;
}

// transformers' *RMSNorm classes each define their own extra_repr, or none. Read from the sources of
// transformers 5.23 (206 classes): 172 print "(hidden,), eps=..." (LLaMA, Mistral, Qwen, Gemma, ...), which is the
// rule for a class not named below; the others print the hidden size bare, eps alone, or nothing.
std::string transformers_rms_norm(const std::string& cls) {
  static const std::unordered_map<std::string, std::string> kOwn = {
      {"MambaRMSNorm", "HFRMSNormDim"},          // f"{self.weight.shape[0]}, eps=..."
      {"EsmFold2RMSNorm", "HFRMSNormEps"},       // f"eps={self.eps}"
      {"FalconMambaWeightlessRMSNorm", "HFRMSNormEps"},
      {"HrmTextRMSNorm", "HFRMSNormEps"},
      {"NanoChatRMSNorm", "HFRMSNormEps"},
  };
  static const std::unordered_set<std::string> kNone = {
      "AXK2GatedRMSNorm", "DeepseekV4UnweightedRMSNorm", "DiffusionGemmaRMSNorm", "EmbeddingGemma2RMSNorm",
      "Gemma3nRMSNorm", "Gemma4RMSNorm", "Gemma4UnifiedRMSNorm", "Glm5NextTextUnweightedRMSNorm",
      "HYV4UnweightedRMSNorm", "Inkling2UnweightedRMSNorm", "Mamba2RMSNorm", "MuseGlimmerRMSNorm",
      "MuseSparkRMSNorm", "NeoMMERMSNorm", "xLSTMRMSNorm"};
  if (auto it = kOwn.find(cls); it != kOwn.end()) return it->second;
  return kNone.count(cls) ? "" : "HFRMSNorm";
}

}  // namespace

std::string repr_class(const std::string& qualified) {
  // Drop TorchScript's prefix and its mangling components: "__torch__.a.b.___torch_mangle_3.C" -> "a.b.C".
  std::string name;
  std::size_t start = 0;
  while (start <= qualified.size()) {
    const std::size_t dot = qualified.find('.', start);
    const std::string part = qualified.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part != "__torch__" && part.rfind("___torch_mangle_", 0) != 0) name += (name.empty() ? "" : ".") + part;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  const std::string last = name.substr(name.rfind('.') + 1);
  // Subclasses that keep their torch.nn base's extra_repr.
  static const std::unordered_map<std::string, std::string> kBases = {
      {"torch.nn.modules.linear.NonDynamicallyQuantizableLinear", "Linear"},
      {"torchvision.models.convnext.LayerNorm2d", "LayerNorm"},
      {"timm.layers.norm_act.BatchNormAct2d", "BatchNorm2d"},
      {"transformers.models.bart.modeling_bart.BartScaledWordEmbedding", "Embedding"},
      {"transformers.models.whisper.modeling_whisper.WhisperPositionalEmbedding", "Embedding"},
      {"transformers.models.bart.modeling_bart.BartLearnedPositionalEmbedding", "Embedding"},
      {"timm.layers.norm.LayerNorm", "LayerNorm"},     {"timm.layers.norm.LayerNorm2d", "LayerNorm"},
      {"timm.layers.norm.GroupNorm", "GroupNorm"},     {"timm.layers.norm.GroupNorm1", "GroupNorm"},
      {"timm.layers.linear.Linear", "Linear"},         {"timm.layers.conv2d_same.Conv2dSame", "Conv2d"},
      {"timm.layers.std_conv.StdConv2d", "Conv2d"},    {"timm.layers.std_conv.StdConv2dSame", "Conv2d"},
  };
  if (auto it = kBases.find(name); it != kBases.end()) return it->second;
  // torch.nn.utils.parametrize makes "Parametrized" + the class's own name (weight norm on a Conv1d).
  static const std::string kParametrized = "torch.nn.utils.parametrize.Parametrized";
  if (name.rfind(kParametrized, 0) == 0) return name.substr(kParametrized.size());
  if (name.rfind("torch.nn.modules.", 0) == 0) return last;
  if (name.find('.') == std::string::npos) return last;  // not qualified (hand-built trees): take it as it is
  if (name.rfind("transformers.models.", 0) == 0 && last.size() > 7 &&
      last.compare(last.size() - 7, 7, "RMSNorm") == 0)
    return transformers_rms_norm(last);
  return "";
}

std::string short_class_name(const std::string& qualified) {
  auto pos = qualified.rfind("::");
  std::string name = pos == std::string::npos ? qualified : qualified.substr(pos + 2);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, "Impl") == 0) name.resize(name.size() - 4);
  return name;
}

bool has_real_forward(const std::string& class_name) {
  static const std::unordered_set<std::string> kContainers = {"Module", "ModuleList", "ModuleDict", "Identity"};
  return kContainers.count(class_name) == 0;
}

std::string extra_repr(const std::string& cls, const AttrLookup& attr) {
  if (cls == "Linear") {
    if (!attr("in_features") || !attr("out_features")) return "";
    return "in_features=" + *attr("in_features") + ", out_features=" + *attr("out_features") +
           ", bias=" + get(attr, "bias", "True");
  }
  if (cls == "Conv1d" || cls == "Conv2d" || cls == "Conv3d" || cls == "ConvTranspose1d" ||
      cls == "ConvTranspose2d" || cls == "ConvTranspose3d")
    return attr("in_channels") && attr("kernel_size") ? conv(attr) : "";
  if (cls == "BatchNorm1d" || cls == "BatchNorm2d" || cls == "BatchNorm3d") {
    if (!attr("num_features")) return "";
    return *attr("num_features") + ", eps=" + get(attr, "eps") + ", momentum=" + get(attr, "momentum", "None") +
           ", affine=" + get(attr, "affine") + ", track_running_stats=" + get(attr, "track_running_stats");
  }
  // Of the activations only these print their inplace flag (Hardswish, Hardsigmoid print nothing).
  if (cls == "ReLU" || cls == "ReLU6" || cls == "SiLU" || cls == "Mish")
    return get(attr, "inplace") == "True" ? "inplace=True" : "";
  if (cls == "Flatten")
    return attr("start_dim") && attr("end_dim") ? "start_dim=" + *attr("start_dim") + ", end_dim=" + *attr("end_dim") : "";
  if (cls == "AvgPool1d" || cls == "AvgPool2d" || cls == "AvgPool3d") {
    if (!attr("kernel_size") || !attr("stride") || !attr("padding")) return "";
    return "kernel_size=" + *attr("kernel_size") + ", stride=" + *attr("stride") + ", padding=" + *attr("padding");
  }
  if (cls == "LSTM" || cls == "GRU" || cls == "RNN") {  // RNNBase.extra_repr: non-defaults only
    if (!attr("input_size") || !attr("hidden_size")) return "";
    std::string s = *attr("input_size") + ", " + *attr("hidden_size");
    if (get(attr, "proj_size", "0") != "0") s += ", proj_size=" + get(attr, "proj_size");
    if (get(attr, "num_layers", "1") != "1") s += ", num_layers=" + get(attr, "num_layers");
    if (get(attr, "bias", "True") != "True") s += ", bias=" + get(attr, "bias");
    if (get(attr, "batch_first", "False") != "False") s += ", batch_first=" + get(attr, "batch_first");
    const std::string dropout = get(attr, "dropout", "0");
    if (dropout != "0" && dropout != "0.0") s += ", dropout=" + dropout;
    if (get(attr, "bidirectional", "False") != "False") s += ", bidirectional=" + get(attr, "bidirectional");
    return s;
  }
  if (cls == "LayerNorm") {
    if (!attr("normalized_shape") || !attr("eps")) return "";
    return *attr("normalized_shape") + ", eps=" + *attr("eps") + ", elementwise_affine=" + get(attr, "elementwise_affine");
  }
  if (cls == "GroupNorm") {
    if (!attr("num_groups") || !attr("num_channels")) return "";
    return *attr("num_groups") + ", " + *attr("num_channels") + ", eps=" + get(attr, "eps") + ", affine=" + get(attr, "affine");
  }
  if (cls == "Embedding") {
    if (!attr("num_embeddings") || !attr("embedding_dim")) return "";
    std::string s = *attr("num_embeddings") + ", " + *attr("embedding_dim");
    if (get(attr, "padding_idx", "None") != "None") s += ", padding_idx=" + get(attr, "padding_idx");
    if (get(attr, "max_norm", "None") != "None") s += ", max_norm=" + get(attr, "max_norm");
    const std::string norm_type = get(attr, "norm_type", "2.0");
    if (norm_type != "2.0" && norm_type != "2") s += ", norm_type=" + norm_type;
    if (get(attr, "scale_grad_by_freq", "False") != "False") s += ", scale_grad_by_freq=" + get(attr, "scale_grad_by_freq");
    if (get(attr, "sparse", "False") != "False") s += ", sparse=True";
    return s;
  }
  if (cls == "RMSNorm") {  // torch.nn.RMSNorm; its eps may be None (the dtype's own epsilon)
    if (!attr("normalized_shape") || !attr("eps")) return "";
    return *attr("normalized_shape") + ", eps=" + *attr("eps") + ", elementwise_affine=" + get(attr, "elementwise_affine");
  }
  if (cls == "HFRMSNorm" || cls == "HFRMSNormDim" || cls == "HFRMSNormEps") {  // transformers' (transformers_rms_norm)
    if (!attr("eps")) return "";
    if (cls == "HFRMSNormEps") return "eps=" + *attr("eps");
    const auto shape = attr(cls == "HFRMSNorm" ? "weight_shape" : "hidden_size");
    return shape ? *shape + ", eps=" + *attr("eps") : "";
  }
  if (cls == "GELU") return attr("approximate") ? "approximate=" + *attr("approximate") : "";
  if (cls == "Softmax" || cls == "LogSoftmax" || cls == "Softmin") return attr("dim") ? "dim=" + *attr("dim") : "";
  if (cls == "MaxPool1d" || cls == "MaxPool2d" || cls == "MaxPool3d") {
    if (!attr("kernel_size")) return "";
    return "kernel_size=" + get(attr, "kernel_size") + ", stride=" + get(attr, "stride") +
           ", padding=" + get(attr, "padding") + ", dilation=" + get(attr, "dilation") +
           ", ceil_mode=" + get(attr, "ceil_mode");
  }
  if (cls == "AdaptiveAvgPool1d" || cls == "AdaptiveAvgPool2d" || cls == "AdaptiveAvgPool3d" ||
      cls == "AdaptiveMaxPool2d")
    return attr("output_size") ? "output_size=" + *attr("output_size") : "";
  if (cls == "Dropout" || cls == "Dropout1d" || cls == "Dropout2d" || cls == "Dropout3d" || cls == "AlphaDropout")
    return attr("p") && attr("inplace") ? "p=" + *attr("p") + ", inplace=" + *attr("inplace") : "";
  return "";
}

}  // namespace flopscope::model
