#pragma once
// A small hand-built forward shared by the GPU logic tests, with its op set, and helpers for records.
//
//  #  op                       parent  module        formula?
//  0  aten::linear             -       fc1           yes: input [8,64] x weight [32,64] -> 8*64*32 = 16384 MACs
//  1    aten::t                0       fc1
//  2    aten::addmm            0       fc1           (has a formula, but linear above it owns the cost)
//  3  aten::relu               -       act           no
//  4  aten::conv2d             -       block.conv    no
//  5    aten::convolution      4       block.conv    no
//  6      aten::_convolution   5       block.conv    yes: out [8,16,30,30] x 3*3*3 = 115200*27 = 3110400 MACs
//  7        aten::cudnn_conv   6       block.conv
//  8  aten::view               -       block         no (launches nothing)
//  9  aten::addmm              -       head          yes: [8,48] x [48,10] -> 8*48*10 = 3840 MACs
#include <cstdint>
#include <string>
#include <vector>

#include "flopscope/gpu.h"
#include "flopscope/op_record.h"
#include "flopscope/op_set.h"

namespace gpu_fixture {

using flopscope::Count;
using flopscope::OpRecord;
using flopscope::Value;

inline Count linear_macs(const OpRecord& op) {
  const auto& in = op.inputs.at(0).sizes;
  const auto& w = op.inputs.at(1).sizes;
  return in.at(0) * in.at(1) * w.at(0);
}
inline Count addmm_macs(const OpRecord& op) {
  const auto& a = op.inputs.at(1).sizes;
  const auto& b = op.inputs.at(2).sizes;
  if (a.size() != 2 || b.size() != 2) throw flopscope::FormulaError("addmm: not 2-d");
  return a[0] * a[1] * b[1];
}
inline Count conv_macs(const OpRecord& op) {
  const auto& w = op.inputs.at(1).sizes;
  return op.outputs.at(0).numel() * w.at(1) * w.at(2) * w.at(3);
}

inline flopscope::OpSet op_set() {
  flopscope::OpSet s;
  s.name = "test";
  s.flops["aten::linear"] = {"linear", linear_macs, "", nullptr};
  s.flops["aten::addmm"] = {"addmm", addmm_macs, "", nullptr};
  s.flops["aten::_convolution"] = {"conv", conv_macs, "", nullptr};
  return s;
}

inline OpRecord op(std::string name, int parent, std::string module, std::vector<Value> in = {},
                   std::vector<Value> out = {}) {
  OpRecord r;
  r.name = std::move(name);
  r.parent = parent;
  r.module = std::move(module);
  r.inputs = std::move(in);
  r.outputs = std::move(out);
  return r;
}

inline flopscope::Trace trace() {
  flopscope::Trace t;
  t.ops = {
      op("aten::linear", -1, "fc1", {Value::tensor({8, 64}), Value::tensor({32, 64}), Value::tensor({32})}),
      op("aten::t", 0, "fc1"),
      op("aten::addmm", 0, "fc1", {Value::tensor({32}), Value::tensor({8, 64}), Value::tensor({64, 32})}),
      op("aten::relu", -1, "act"),
      op("aten::conv2d", -1, "block.conv"),
      op("aten::convolution", 4, "block.conv"),
      op("aten::_convolution", 5, "block.conv", {Value::tensor({8, 3, 32, 32}), Value::tensor({16, 3, 3, 3})},
         {Value::tensor({8, 16, 30, 30})}),
      op("aten::cudnn_convolution", 6, "block.conv"),
      op("aten::view", -1, "block"),
      op("aten::addmm", -1, "head", {Value::tensor({10}), Value::tensor({8, 48}), Value::tensor({48, 10})}),
  };
  return t;
}

inline flopscope::gpu::KernelRecord kernel(std::string name, std::uint32_t correlation, std::uint64_t start,
                                           std::uint64_t ns, std::uint32_t stream = 7) {
  flopscope::gpu::KernelRecord k;
  k.name = std::move(name);
  k.correlation = correlation;
  k.start_ns = start;
  k.end_ns = start + ns;
  k.stream = stream;
  k.grid[0] = 4;
  k.grid[1] = k.grid[2] = 1;
  k.block[0] = 128;
  k.block[1] = k.block[2] = 1;
  return k;
}

inline flopscope::gpu::MemoryRecord memory(flopscope::gpu::MemoryRecord::Kind kind, std::uint32_t correlation,
                                           std::uint64_t start, std::uint64_t ns, std::uint64_t bytes) {
  flopscope::gpu::MemoryRecord m;
  m.kind = kind;
  m.correlation = correlation;
  m.start_ns = start;
  m.end_ns = start + ns;
  m.bytes = bytes;
  m.copy_kind = kind == flopscope::gpu::MemoryRecord::Kind::Memcpy ? 1 : 0;
  m.stream = 13;
  return m;
}

/// Per forward f (0, 1, 2), kernels (durations in ns) with correlation ids 100*f + n:
///   n=1 linear's addmm kernel (op 2)       1000 1200 1100
///   n=3 cuLaunchKernel under op 7          3000 3300 2900   (driver API)
///   n=4 cudaLaunchKernel under op 7        2000 2000 2100   (runtime API)
///   n=5 relu (op 3)                         500  500  600
///   n=6 head addmm (op 9)                   700  800  700
///   n=7 no external id                      300    -  400
///   n=8 memset under linear (op 0)          200  200  200
///   n=9 HtoD memcpy under head (op 9)       400    -    -
/// Forward f runs on the host from (f+1) ms to (f+1) ms + 100 µs; CUDA events give 0.020, 0.025, 0.022 ms.
inline flopscope::gpu::TimingRecording recording() {
  using flopscope::gpu::external_id;
  using Kind = flopscope::gpu::MemoryRecord::Kind;
  flopscope::gpu::TimingRecording r;
  r.warmup = 2;
  const std::uint64_t linear[] = {1000, 1200, 1100}, drv[] = {3000, 3300, 2900}, rt[] = {2000, 2000, 2100},
                      relu[] = {500, 500, 600}, head[] = {700, 800, 700};
  const double events[] = {0.020, 0.025, 0.022};
  for (std::uint32_t f = 0; f < 3; ++f) {
    const std::uint64_t t0 = (f + 1) * 1000000ull;
    r.forwards.push_back({t0, t0 + 100000, events[f]});
    const std::uint32_t c = 100 * f;
    auto& a = r.activity;
    a.kernels.push_back(kernel("gemm_linear", c + 1, t0 + 1000, linear[f]));
    a.kernels.push_back(kernel("cudnn_conv_a", c + 3, t0 + 5000, drv[f]));
    a.kernels.push_back(kernel("cudnn_conv_b", c + 4, t0 + 9000, rt[f], 8));
    a.kernels.push_back(kernel("relu_kernel", c + 5, t0 + 3000, relu[f]));
    a.kernels.push_back(kernel("gemm_head", c + 6, t0 + 20000, head[f]));
    if (f != 1) a.kernels.push_back(kernel("mystery", c + 7, t0 + 30000, f == 0 ? 300 : 400));
    a.memory.push_back(memory(Kind::Memset, c + 8, t0 + 500, 200, 4096));
    if (f == 0) a.memory.push_back(memory(Kind::Memcpy, c + 9, t0 + 19000, 400, 1 << 20));
    a.external.push_back({c + 1, external_id(f, 2)});
    a.external.push_back({c + 3, external_id(f, 7)});
    a.external.push_back({c + 4, external_id(f, 7)});
    a.external.push_back({c + 5, external_id(f, 3)});
    a.external.push_back({c + 6, external_id(f, 9)});
    a.external.push_back({c + 8, external_id(f, 0)});
    a.external.push_back({c + 9, external_id(f, 9)});
    flopscope::gpu::ApiRecord api;
    api.correlation = c + 3;
    api.driver = true;
    a.api.push_back(api);
  }
  return r;
}

}  // namespace gpu_fixture
