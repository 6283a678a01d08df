#include "flopscope/models.h"

namespace flopscope::models {

std::vector<std::string> builtin_names() { return {"resnet50", "testnet"}; }

Builtin make_builtin(const std::string& name) {
  if (name == "resnet50") {
    ResNet m;
    return {name, "torchvision's ResNet-50 (seed example 2), input 3x224x224", m.ptr(), detail::forward_of(*m.ptr()),
            InputShape{3, 224, 224}};
  }
  if (name == "testnet") {
    TestNet m;
    return {name, "the seed's TestNet (example 1), input 10", m.ptr(), detail::forward_of(*m.ptr()), InputShape{10}};
  }
  std::string known;
  for (const auto& n : builtin_names()) known += (known.empty() ? "" : ", ") + n;
  throw InvalidInput("unknown built-in model '" + name + "' (built-ins: " + known + ")");
}

}  // namespace flopscope::models
