// Dense peak throughput per SM per clock, by architecture. Each figure is the architecture's per-SM unit
// count times the operations one unit does per clock (an FMA is 2 FLOPs), taken from NVIDIA's architecture
// whitepapers and checked against a datasheet total: datasheet = figure x SMs x the datasheet's clock.
// Sparsity is never counted (NVIDIA's "with sparsity" numbers are 2x the dense ones).
#include "gpu/peak_table.h"

#include <cstdio>

namespace flopscope::gpu {
namespace {

using Table = std::map<std::string, double>;

// Volta GV100 (sm_70). Tesla V100 architecture whitepaper (2017): per SM 64 FP32 and 32 FP64 units, 8 tensor
// cores of 64 FP16 FMA/clock (1024 FLOP/clock), packed half2 at twice FP32.
// Check: V100 SXM2, 80 SMs at 1530 MHz: FP64 7.8, FP32 15.7, tensor 125 TFLOPS (V100 datasheet).
const Table kVolta = {{"fp64", 64}, {"fp32", 128}, {"fp16", 256}, {"fp16_tc", 1024}};

// Turing TU10x (sm_75). Turing architecture whitepaper (2018): 64 FP32 units, 2 FP64 units, 8 tensor cores of
// 64 FP16 FMA/clock, INT8 at twice FP16; half2 at twice FP32.
// Check: T4, 40 SMs at 1590 MHz: FP32 8.1 TFLOPS, FP16 tensor 65 TFLOPS, INT8 130 TOPS (T4 datasheet).
const Table kTuring = {{"fp64", 4}, {"fp32", 128}, {"fp16", 256}, {"fp16_tc", 1024}, {"int8_tc", 2048}};

// Ampere GA100 (sm_80). A100 architecture whitepaper (2020): 64 FP32 and 32 FP64 units; 4 tensor cores of
// 256 FP16/BF16 FMA/clock (2048 FLOP/clock per SM), TF32 at half that, INT8 at twice, FP64 tensor 64 FMA/clock
// per SM; non-tensor FP16 at 4x FP32 and BF16 at 2x.
// Check: A100 SXM, 108 SMs at 1410 MHz: FP64 9.7, FP64 tensor 19.5, FP32 19.5, FP16 78, BF16 39, TF32 156,
// FP16/BF16 tensor 312 TFLOPS, INT8 624 TOPS (A100 datasheet).
const Table kGA100 = {{"fp64", 64},       {"fp32", 128},       {"fp16", 512},     {"bf16", 256},
                      {"fp64_tc", 128},   {"tf32_tc", 1024},   {"fp16_tc", 2048}, {"bf16_tc", 2048},
                      {"int8_tc", 4096}};

// Ampere GA10x (sm_86). GA102 architecture whitepaper (2020): 128 FP32 units, 2 FP64 units, non-tensor FP16
// and BF16 at the FP32 rate; 4 tensor cores of 128 FP16/BF16 FMA/clock (1024 FLOP/clock per SM), TF32 half,
// INT8 twice. That is the professional cards' rate; GeForce cards run FP16 with FP32 accumulate at half.
// Check: A40, 84 SMs at 1740 MHz: FP32 37.4, TF32 74.8, FP16/BF16 tensor 149.7 TFLOPS, INT8 299.3 TOPS
// (A40 datasheet).
const Table kGA10x = {{"fp64", 4},       {"fp32", 256},     {"fp16", 256},     {"bf16", 256},
                      {"tf32_tc", 512},  {"fp16_tc", 1024}, {"bf16_tc", 1024}, {"int8_tc", 2048}};

// Ampere GA10B in Jetson Orin (sm_87). Jetson AGX Orin technical brief: 16 SMs of 128 FP32 units at 1.3 GHz
// give 5.3 FP32 TFLOPS; its 170 sparse INT8 TOPS are 4096 dense ops/clock per SM, i.e. GA100-class tensor
// cores. The brief gives no FP64 or non-tensor FP16 figure, so those classes are left out.
const Table kOrin = {{"fp32", 256}, {"tf32_tc", 1024}, {"fp16_tc", 2048}, {"bf16_tc", 2048}, {"int8_tc", 4096}};

// Ada AD10x (sm_89). Ada architecture whitepaper (2022): as GA10x plus FP8 tensor at twice FP16.
// Check: L4, 58 SMs at 2040 MHz: FP32 30.3, TF32 tensor 60 (120 sparse), FP16/BF16 tensor 121 (242 sparse),
// FP8 242 (485 sparse) TFLOPS, INT8 242 (485 sparse) TOPS (L4 datasheet).
const Table kAda = {{"fp64", 4},       {"fp32", 256},     {"fp16", 256},     {"bf16", 256},    {"tf32_tc", 512},
                    {"fp16_tc", 1024}, {"bf16_tc", 1024}, {"fp8_tc", 2048},  {"int8_tc", 2048}};

// Hopper GH100 (sm_90). H100 architecture whitepaper (2022): 128 FP32 and 64 FP64 units; tensor cores twice
// GA100's per SM and clock: FP16/BF16 4096 FLOP/clock, TF32 2048, FP8 and INT8 8192, FP64 tensor 256;
// non-tensor FP16/BF16 at twice FP32 (512).
// Check: H100 SXM, 132 SMs: FP64 33.5 (datasheet 34), FP64 tensor 67, FP32 67, FP16/BF16 133.8 TFLOPS at the
// 1980 MHz boost clock; TF32 494.7, FP16/BF16 tensor 989.4, FP8 1978.9 TFLOPS and INT8 1978.9 TOPS at the
// 1830 MHz the whitepaper quotes for tensor-core work (H100 datasheet and whitepaper).
const Table kHopper = {{"fp64", 128},     {"fp32", 256},     {"fp16", 512},     {"bf16", 512},
                       {"fp64_tc", 256},  {"tf32_tc", 2048}, {"fp16_tc", 4096}, {"bf16_tc", 4096},
                       {"fp8_tc", 8192},  {"int8_tc", 8192}};

// Blackwell GB100 (sm_100). B200 datasheets (HGX B200, DGX B200): per GPU 148 SMs; dense FP16/BF16 2.25,
// TF32 1.1, FP8 4.5 PFLOPS and INT8 4.5 POPS at a 1860 MHz tensor clock are 8192, 4096 and 16384 per SM and
// clock (twice Hopper's); FP64 and FP64 tensor 37 TFLOPS and FP32 75 TFLOPS at 1980 MHz are 128 and 256.
const Table kGB100 = {{"fp64", 128},      {"fp32", 256},      {"fp16", 512},     {"bf16", 512},
                      {"fp64_tc", 128},   {"tf32_tc", 4096},  {"fp16_tc", 8192}, {"bf16_tc", 8192},
                      {"fp8_tc", 16384},  {"int8_tc", 16384}};

// Blackwell Ultra GB300 (sm_103). B300 datasheets keep B200's per-SM FP16/BF16, TF32 and FP8 tensor rates and
// cut FP64 and INT8 to a small fraction; those two are left out rather than guessed.
const Table kGB300 = {{"fp32", 256},      {"tf32_tc", 4096},  {"fp16_tc", 8192}, {"bf16_tc", 8192},
                      {"fp8_tc", 16384}};

// Blackwell GB20x (sm_120, RTX 50 / RTX PRO Blackwell). RTX Blackwell architecture whitepaper (2025): 128 FP32
// units, FP64 at 1/64, non-tensor FP16/BF16 at the FP32 rate, tensor FP16/BF16 1024 and FP8/INT8 2048 per SM
// and clock (professional cards; GeForce halves FP16 with FP32 accumulate).
// Check: RTX PRO 6000 Blackwell, 188 SMs at 2617 MHz: FP32 126 TFLOPS (datasheet).
const Table kGB20x = {{"fp64", 4},       {"fp32", 256},     {"fp16", 256},     {"bf16", 256},    {"tf32_tc", 512},
                      {"fp16_tc", 1024}, {"bf16_tc", 1024}, {"fp8_tc", 2048},  {"int8_tc", 2048}};

// The clock NVIDIA's dense tensor-core figures assume, where it is below the boost clock the driver reports (MHz):
// the H100 whitepaper computes Hopper's tensor figures at 1830 MHz against a 1980 MHz boost clock (989.4 TFLOP/s
// BF16 on an H100 SXM or H200 = 132 SMs x 1830 MHz x 4096), the B200 datasheets Blackwell's at 1860 MHz.
// 0: the reported clock.
double tensor_clock_mhz(int sm_major, int sm_minor) {
  switch (sm_major * 10 + sm_minor) {
    case 90: return 1830;
    case 100: return 1860;
    default: return 0;
  }
}

// The classes those figures cover: TF32 and narrower. FP64 tensor work is quoted at the boost clock (H100 SXM:
// 66.9 TFLOP/s = 132 x 1980 MHz x 256).
bool tensor_class(const std::string& klass) {
  return klass != "fp64_tc" && klass.size() > 3 && klass.compare(klass.size() - 3, 3, "_tc") == 0;
}

}  // namespace

std::map<std::string, double> per_sm_per_clock(int sm_major, int sm_minor) {
  switch (sm_major * 10 + sm_minor) {
    case 70: return kVolta;
    case 75: return kTuring;
    case 80: return kGA100;
    case 86: return kGA10x;
    case 87: return kOrin;
    case 89: return kAda;
    case 90: return kHopper;
    case 100: return kGB100;
    case 103: return kGB300;
    case 120: return kGB20x;
    default: return {};
  }
}

double dram_bytes_per_s(double mem_clock_mhz, int bus_width_bits) {
  if (mem_clock_mhz <= 0 || bus_width_bits <= 0) return 0;
  return 2.0 * mem_clock_mhz * 1e6 * (bus_width_bits / 8.0);
}

PeakSet table_peaks(int sm_major, int sm_minor, int sms, double sm_clock_mhz, double mem_clock_mhz,
                    int bus_width_bits, std::string name) {
  PeakSet peaks;
  const double tensor_cap = tensor_clock_mhz(sm_major, sm_minor);
  const double tensor_mhz = tensor_cap > 0 && tensor_cap < sm_clock_mhz ? tensor_cap : sm_clock_mhz;
  char where[200];
  if (tensor_mhz != sm_clock_mhz)
    std::snprintf(where, sizeof where, " (sm_%d%d, %d SMs at %.0f MHz; tensor cores at %.0f MHz, the clock NVIDIA's "
                  "dense tensor figures assume)", sm_major, sm_minor, sms, sm_clock_mhz, tensor_mhz);
  else
    std::snprintf(where, sizeof where, " (sm_%d%d, %d SMs at %.0f MHz)", sm_major, sm_minor, sms, sm_clock_mhz);
  const auto rates = per_sm_per_clock(sm_major, sm_minor);
  if (rates.empty()) {
    peaks.source = "table: no entry for " + name + where;
  } else {
    peaks.source = "table: " + name + where;
    if (sms > 0 && sm_clock_mhz > 0)
      for (const auto& [klass, per_clock] : rates)
        peaks.flops_per_s[klass] = per_clock * sms * (tensor_class(klass) ? tensor_mhz : sm_clock_mhz) * 1e6;
  }
  peaks.dram_bytes_per_s = dram_bytes_per_s(mem_clock_mhz, bus_width_bits);
  return peaks;
}

PeakSet table_peaks(const CudaDevice& device) {
  return table_peaks(device.sm_major, device.sm_minor, device.multiprocessors, device.sm_clock_khz / 1000.0,
                     device.memory_clock_khz / 1000.0, device.memory_bus_width_bits, device.name);
}

}  // namespace flopscope::gpu
