#pragma once
/// Typed exceptions of the library. The CLI turns each into one line on stderr and exit status 2.
#include <stdexcept>
#include <string>

namespace flopscope {

/// Base of every error flopscope throws on purpose.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The caller's input is wrong: missing or corrupt model file, bad shapes, conflicting arguments.
struct InvalidInput : Error {
  using Error::Error;
};

/// CUDA was requested but cannot be used here; the message says why.
struct CudaUnavailable : Error {
  using Error::Error;
};

/// The model's forward failed; the message carries the first line of LibTorch's error.
struct ForwardFailed : Error {
  using Error::Error;
};

}  // namespace flopscope
