#pragma once
// Dense peak throughput of NVIDIA GPUs from their architecture, SM count and clocks: no CUDA headers, so
// it is compiled and tested everywhere; the caller fills it from a probed device (CudaDevice) or a datasheet.
#include <map>
#include <string>

#include "flopscope/device.h"
#include "flopscope/gpu.h"

namespace flopscope::gpu {

/// Dense operations per clock per SM by precision class (PeakSet's keys; FLOPs count 2 per FMA, int8 counts
/// ops), for compute capability sm_major.sm_minor; empty for an architecture the table does not know.
std::map<std::string, double> per_sm_per_clock(int sm_major, int sm_minor);

/// Peak DRAM bandwidth in bytes/s: 2 transfers per memory clock (the clock CUDA reports for DDR memory)
/// times the bus width in bytes; 0 when either is unknown (<= 0).
double dram_bytes_per_s(double mem_clock_mhz, int bus_width_bits);

/// PeakSet from the table: per_sm_per_clock x sms x sm_clock_mhz, and dram_bytes_per_s. `name` names the
/// device in `source`: "table: NVIDIA H100 80GB HBM3 (sm_90, 132 SMs at 1980 MHz)".
///
/// The clock is whatever the caller passes. CUDA's CU_DEVICE_ATTRIBUTE_CLOCK_RATE is the maximum boost
/// clock, while NVIDIA's datasheets quote Hopper's and Blackwell's tensor-core figures at a lower clock
/// (H100 SXM: 1830 MHz against its 1980 MHz boost), so peaks from a probed device are upper bounds.
PeakSet table_peaks(int sm_major, int sm_minor, int sms, double sm_clock_mhz, double mem_clock_mhz,
                    int bus_width_bits, std::string name);

/// table_peaks for a probed device (clock rates in kHz as CUDA reports them).
PeakSet table_peaks(const CudaDevice& device);

}  // namespace flopscope::gpu
