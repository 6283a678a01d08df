// Running a TorchScript forward so that every op it makes runs on the calling thread.
#include <exception>
#include <functional>
#include <utility>

#include <torch/csrc/jit/api/method.h>

#include "model/model.h"

namespace flopscope::model {

c10::IValue run_forward(const torch::jit::Module& model, std::vector<c10::IValue> inputs) {
  // The interpreter hands a `torch.jit.fork` branch to its task launcher, by default at::launch, which runs it on
  // the inter-op thread pool: out of sight of the capture and the state guard, which follow one thread, so the
  // branch's work went uncounted. Launched inline, a branch runs where it is forked, before the forking code
  // goes on; its `wait` then finds it done. The ops and their results are the same, and each lands under the
  // module that forked it.
  auto future = model.get_method("forward").run_async(std::move(inputs), {}, [](std::function<void()> task) { task(); });
  future->wait();
  // An error in the forward (or in a branch it waited for) is stored in the future with the interpreter's
  // message, the text a plain forward() would have thrown.
  if (future->hasError()) std::rethrow_exception(future->exception_ptr());
  return future->value();
}

}  // namespace flopscope::model
