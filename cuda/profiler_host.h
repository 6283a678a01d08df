#pragma once
// CUPTI's Profiler Host API (cupti_profiler_host.h) behind plain types: for a chip name it lists the
// metrics, builds counter configuration images and counts their replay passes, and evaluates decoded
// counter data. None of this needs a GPU or a driver, so it is tested on the CPU for "GH100".
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace flopscope::cuda {

/// A CUPTI profiler host object (one per configuration: it accumulates every metric added to it).
struct HostObject;

/// A counter configuration built for one chip.
struct ConfigImage {
  std::vector<std::string> metrics;
  std::vector<std::uint8_t> image;
  std::size_t passes = 0;  ///< replay passes the configuration needs (cuptiProfilerHostGetNumOfPasses)
  /// The host object the metrics were added to: the configuration's ranges are evaluated with it, as NVIDIA's
  /// range-profiling sample does (an object without the metrics cannot evaluate them).
  std::shared_ptr<HostObject> host_object;
};

class ProfilerHost {
 public:
  /// Opens the host API for `chip` ("GH100"). `availability` is a device's counter-availability image
  /// (cuptiProfilerGetCounterAvailability); empty offline. Throws CounterUnavailable (CUPTI missing,
  /// unknown chip).
  explicit ProfilerHost(std::string chip, std::vector<std::uint8_t> availability = {});
  ~ProfilerHost();
  ProfilerHost(const ProfilerHost&) = delete;
  ProfilerHost& operator=(const ProfilerHost&) = delete;

  const std::string& chip() const { return m_chip; }

  /// The chips this CUPTI knows ("GA100", "GH100", ...). Throws CounterUnavailable without CUPTI.
  static std::vector<std::string> supported_chips();

  /// Base metric names of every type (counter, ratio, throughput), without rollup suffixes.
  const std::set<std::string>& base_metrics() const { return m_base; }
  /// Whether `metric`'s base name (the part before the first '.') exists on the chip.
  bool has_metric(const std::string& metric) const;

  /// Builds a configuration image and counts its passes. Throws CounterUnavailable naming the first
  /// metric the chip rejects ("metric sm__ops_path_tensor_src_fp16_dst_fp32.sum does not exist on GH100").
  ConfigImage configure(const std::vector<std::string>& metrics) const;

  /// Evaluates the configuration's metrics for range `range` of a decoded counter-data image, with the host object
  /// that built the configuration. Throws CounterUnavailable.
  std::vector<double> evaluate(const ConfigImage& config, const std::vector<std::uint8_t>& counter_data,
                               std::size_t range) const;

 private:
  std::unique_ptr<HostObject> open_object() const;

  std::string m_chip;
  std::vector<std::uint8_t> m_availability;
  std::unique_ptr<HostObject> m_object;  // for listing the chip's metrics
  std::set<std::string> m_base;
};

}  // namespace flopscope::cuda
