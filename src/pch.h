// Precompiled header: the LibTorch headers that flopscope's sources use, parsed once per build.
#pragma once
#include <ATen/core/ivalue.h>
#include <ATen/record_function.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <string>
#include <unordered_map>
#include <vector>
