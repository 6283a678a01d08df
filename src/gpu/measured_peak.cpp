#include "gpu/measured_peak.h"

#include "gpu/statistics.h"

#include <ATen/Context.h>
#include <ATen/ops/_int_mm.h>
#include <ATen/ops/_scaled_mm.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/randint.h>
#include <c10/core/Event.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

namespace flopscope::gpu {
namespace {

// Median seconds of `run` over `reps` timed repetitions after 3 untimed ones.
double time_seconds(c10::Device device, const std::function<void()>& run, int reps = 10) {
  c10::impl::VirtualGuardImpl impl(device.type());
  const c10::Stream stream = impl.getStream(device);
  for (int i = 0; i < 3; ++i) run();
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    c10::Event start(device.type(), c10::EventFlag::BACKEND_DEFAULT), end(device.type(), c10::EventFlag::BACKEND_DEFAULT);
    start.record(stream);
    run();
    end.record(stream);
    end.synchronize();
    ms.push_back(start.elapsedTime(end));
  }
  return spread_of(std::move(ms)).median / 1e3;
}

// Restores LibTorch's cuBLAS TF32 flag whatever happens.
class Tf32Guard {
 public:
  Tf32Guard() : m_saved(at::globalContext().allowTF32CuBLAS()) {}
  ~Tf32Guard() { at::globalContext().setAllowTF32CuBLAS(m_saved); }
  Tf32Guard(const Tf32Guard&) = delete;
  Tf32Guard& operator=(const Tf32Guard&) = delete;

 private:
  bool m_saved;
};

double gemm_flops_per_s(c10::Device device, c10::ScalarType dtype, std::int64_t n) {
  auto opts = at::TensorOptions().device(device).dtype(dtype);
  at::Tensor a = at::randn({n, n}, opts), b = at::randn({n, n}, opts);
  const double seconds = time_seconds(device, [&] { (void)at::matmul(a, b); });
  return 2.0 * static_cast<double>(n) * n * n / seconds;
}

}  // namespace

PeakSet measure_peaks(c10::Device device) {
  PeakSet peaks;
  Tf32Guard restore;
  auto& ctx = at::globalContext();
  auto try_measure = [&](const char* key, const std::function<double()>& measure) {
    try {
      peaks.flops_per_s[key] = measure();
    } catch (const std::exception&) {
      // Not supported on this device or by this LibTorch: the class stays absent.
    }
  };
  ctx.setAllowTF32CuBLAS(false);
  try_measure("fp64_tc", [&] { return gemm_flops_per_s(device, at::kDouble, 4096); });
  try_measure("fp32", [&] { return gemm_flops_per_s(device, at::kFloat, 4096); });
  ctx.setAllowTF32CuBLAS(true);
  try_measure("tf32_tc", [&] { return gemm_flops_per_s(device, at::kFloat, 8192); });
  try_measure("fp16_tc", [&] { return gemm_flops_per_s(device, at::kHalf, 8192); });
  try_measure("bf16_tc", [&] { return gemm_flops_per_s(device, at::kBFloat16, 8192); });
  try_measure("int8_tc", [&] {
    const std::int64_t n = 8192;
    auto opts = at::TensorOptions().device(device).dtype(at::kChar);
    at::Tensor a = at::randint(-8, 8, {n, n}, opts), b = at::randint(-8, 8, {n, n}, opts);
    return 2.0 * n * n * n / time_seconds(device, [&] { (void)at::_int_mm(a, b); });
  });
  try_measure("fp8_tc", [&] {
    const std::int64_t n = 8192;
    auto f32 = at::TensorOptions().device(device).dtype(at::kFloat);
    at::Tensor a = at::randn({n, n}, f32).to(at::kFloat8_e4m3fn);
    at::Tensor b = at::randn({n, n}, f32).to(at::kFloat8_e4m3fn).t();  // column-major, as _scaled_mm wants
    at::Tensor scale = at::ones({}, f32);
    return 2.0 * n * n * n /
           time_seconds(device, [&] { (void)at::_scaled_mm(a, b, scale, scale, {}, {}, at::kBFloat16); });
  });
  try {
    const std::int64_t bytes = std::int64_t{1} << 30;
    auto opts = at::TensorOptions().device(device).dtype(at::kByte);
    at::Tensor src = at::empty({bytes}, opts), dst = at::empty({bytes}, opts);
    peaks.dram_bytes_per_s = 2.0 * static_cast<double>(bytes) / time_seconds(device, [&] { dst.copy_(src); });
  } catch (const std::exception&) {
  }
  peaks.source = "measured on this device (cuBLAS matrix products 4096^3/8192^3, 1 GiB device copy)";
  return peaks;
}

}  // namespace flopscope::gpu
