// extra_repr of torch.nn classes, with Python's formatting, so that the arch string reads like print(model).
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

}  // namespace

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
  if (cls == "ReLU" || cls == "ReLU6" || cls == "SiLU" || cls == "Hardswish")
    return get(attr, "inplace") == "True" ? "inplace=True" : "";
  if (cls == "MaxPool1d" || cls == "MaxPool2d" || cls == "MaxPool3d") {
    if (!attr("kernel_size")) return "";
    return "kernel_size=" + get(attr, "kernel_size") + ", stride=" + get(attr, "stride") +
           ", padding=" + get(attr, "padding") + ", dilation=" + get(attr, "dilation") +
           ", ceil_mode=" + get(attr, "ceil_mode");
  }
  if (cls == "AdaptiveAvgPool1d" || cls == "AdaptiveAvgPool2d" || cls == "AdaptiveAvgPool3d" ||
      cls == "AdaptiveMaxPool2d")
    return attr("output_size") ? "output_size=" + *attr("output_size") : "";
  if (cls == "Dropout") return attr("p") ? "p=" + *attr("p") + ", inplace=" + get(attr, "inplace") : "";
  return "";
}

}  // namespace flopscope::model
