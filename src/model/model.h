#pragma once
// The model stage: turns a TorchScript or C++ frontend module into a ModuleTree, and guards its state.
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/util/DimVector.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/nn/module.h>

#include "capture/capture.h"
#include "capture/pages.h"
#include "flopscope/module_tree.h"

namespace flopscope::model {

/// Looks up a module attribute as Python would print it ("3", "(7, 7)", "1e-05", "True"); nullopt if absent.
using AttrLookup = std::function<std::optional<std::string>(const std::string&)>;

/// What `nn.Module.extra_repr()` prints for the torch.nn classes flopscope knows ("" for the others).
std::string extra_repr(const std::string& class_name, const AttrLookup& attr);

/// What a traced module lost of the settings extra_repr prints (a Conv2d's stride, a LayerNorm's eps, a
/// Dropout's p), read back from its parameters and the constants of its own traced forward: attribute name ->
/// Python text. Only the torch.nn classes extra_repr knows; what the file does not hold is absent.
std::unordered_map<std::string, std::string> traced_settings(const std::string& class_name,
                                                             const c10::ivalue::Object& object);

/// Whose extra_repr a TorchScript class prints, from its qualified name
/// ("__torch__.torch.nn.modules.conv.___torch_mangle_3.Conv2d"): torch.nn's own classes print theirs
/// ("Conv2d"); known subclasses from other libraries print their base's (timm's LayerNorm2d: "LayerNorm") or
/// their own (transformers' *RMSNorm: "HFRMSNorm", or a variant where the class prints another text); any other
/// class prints nothing (""), as a Python class
/// that defines no extra_repr does, even when it shares a torch.nn class's name (timm's GELU).
std::string repr_class(const std::string& qualified);

/// Class name without namespaces and a trailing "Impl" ("torch::nn::LinearImpl" -> "Linear").
std::string short_class_name(const std::string& qualified);

/// Whether a class's forward does something (mmengine excludes these from "never called" warnings).
bool has_real_forward(const std::string& class_name);

ModuleTree jit_module_tree(const torch::jit::Module& module);

/// Runs `model`'s forward on `inputs` with every `torch.jit.fork` branch run inline, on this thread, where it
/// is forked: the capture and the state guard see the branch's ops (jit_forward.cpp says why). Throws what the
/// forward throws.
c10::IValue run_forward(const torch::jit::Module& model, std::vector<c10::IValue> inputs);

/// Paths (of `tree`, made from `model`) of the modules none of whose ops any output of the forward uses: an
/// inlined copy of the forward, with dead code removed, runs no op in them (unused_modules.cpp says why).
std::unordered_set<std::string> unused_modules(const torch::jit::Module& model, const ModuleTree& tree);

/// The ops of `model`'s forward (and the methods it calls) that do their work outside the dispatcher, where no
/// capture sees them (unseen_ops.cpp: oneDNN's rewritten convolutions from torch.jit.optimize_for_inference,
/// fusion groups), each kind with how many nodes of it the graphs hold per forward call (a node inside a loop
/// counts once). Empty for most models; the TorchScript source refuses a model with any.
std::vector<std::pair<std::string, std::int64_t>> unseen_ops(const torch::jit::Module& model);

ModuleTree nn_module_tree(const torch::nn::Module& module);

/// A twin of `module` whose parameters, buffers and tensor attributes are meta tensors of the same shapes,
/// dtypes and strides (tied tensors stay tied); the module itself is only read. Throws InvalidInput for
/// tensors that have no meta form (quantized, sparse, custom C++ classes).
torch::jit::Module meta_twin(const torch::jit::Module& module);

/// Keeps the model as it was: every training flag, the buffers, and each parameter the forward writes,
/// written back (bitwise) when the guard goes out of scope, also when the forward threw. Parameters are
/// copied on write rather than all up front: a forward that writes none costs no copy of them, and peak
/// memory stays the forward's own.
///
/// What is saved, and when:
///  - a parameter, just before an op whose schema marks it as written (`add_`, `copy_`, `out=`, views of it
///    included: the match is by storage); the capture reports each op's written arguments first;
///  - every buffer, when the guard is made: batch norm updates its running statistics without its schema
///    saying so, and buffers are small next to parameters;
///  - tensors without storage (sparse, MKL-DNN), when the guard is made.
/// Not seen: writes from threads other than the forward's (the capture sees only its own thread) and raw
/// writes through data pointers.
class StateGuard : public capture::StateWatch {
 public:
  explicit StateGuard(const torch::jit::Module& module);
  explicit StateGuard(torch::nn::Module& module);
  /// For a model flopscope does not walk itself (a described model): its tensors; training flags are the caller's.
  StateGuard(const std::vector<at::Tensor>& parameters, const std::vector<at::Tensor>& buffers);
  ~StateGuard() override;
  StateGuard(const StateGuard&) = delete;
  StateGuard& operator=(const StateGuard&) = delete;

  void before_write(const at::Tensor& t) override;

  /// Saves every parameter and buffer not saved yet: for forwards run without a capture to report writes
  /// (the GPU timing pass).
  void save_all();

  /// How many parameters and buffers have been saved so far.
  std::size_t saved() const { return m_saved; }

  /// Also puts back every parameter's gradient (a training step's backward writes them): the tensor it had, with
  /// its values, or none.
  void keep_gradients();

 private:
  static constexpr std::size_t kNotPooled = static_cast<std::size_t>(-1);
  struct Entry {
    at::Tensor live;
    at::Tensor copy;                  // a saved copy, or undefined (not saved, or saved in the pool)
    std::size_t pooled = kNotPooled;  // offset of its bytes in m_pool
    c10::DimVector pooled_sizes;      // its shape when pooled
    bool buffer = false;
    bool saved() const { return copy.defined() || pooled != kNotPooled; }
  };
  // A module's training flag: a TorchScript module's own "training" slot, or a C++ frontend module (whose
  // train() sets its whole subtree; restoring in pre-order lets each module's own flag win).
  struct Training {
    c10::intrusive_ptr<c10::ivalue::Object> object;
    std::size_t slot = 0;
    std::shared_ptr<torch::nn::Module> nn;
    bool flag = false;
    bool get() const { return object ? object->getSlot(slot).toBool() : nn->is_training(); }
    void set(bool on) const {
      if (object) {
        object->setSlot(slot, c10::IValue(on));
      } else {
        nn->train(on);
      }
    }
  };
  void add(const at::Tensor& t, bool buffer);
  void save(Entry& e);
  void save_buffers();

  std::vector<Entry> m_entries;
  std::vector<std::pair<at::Tensor, at::Tensor>> m_gradients;  // parameter, a copy of its gradient (or undefined)
  bool m_keep_gradients = false;
  // (StorageImpl*, parameter entry), sorted by storage once the guard is made: a few hundred parameters looked up
  // only when an op writes one (one allocation, where a map took two per parameter on every analysis).
  std::vector<std::pair<const void*, std::size_t>> m_by_storage;
  void index_storages();
  std::size_t m_saved = 0;
  capture::PageBlock m_pool;        // the bytes of the buffers that are plain CPU arrays
  std::vector<Training> m_training;  // per module, pre-order
};

}  // namespace flopscope::model
