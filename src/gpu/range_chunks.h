#pragma once
// Collecting counters for forwards with more kernels than one counter-data image holds (an LLM launches thousands;
// an image is sized for ranges_per_image ranges). The collection is stopped, decoded and started again between
// ops, before the image fills, so that no range is dropped. Pure logic over a session interface: the range
// profiler implements it with CUPTI (cuda/range_profiler.cpp), the tests with a fake of thousands of kernels.
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace flopscope::gpu {

/// Every metric's value for one range (one kernel).
using RangeValues = std::map<std::string, double>;

/// One metric configuration's collection.
class RangeSession {
 public:
  virtual ~RangeSession() = default;
  /// A fresh counter-data image for ranges_per_image ranges, configured and started.
  virtual void start() = 0;
  /// Stops, decodes and evaluates every range collected since start(), in launch order; `dropped` is set to the
  /// ranges the image had no room for.
  virtual std::vector<RangeValues> stop_and_decode(std::size_t& dropped) = 0;
  /// Kernels launched since the session began; npos when launches cannot be counted (another CUPTI subscriber):
  /// then there are no checkpoints, and a long forward loses what does not fit.
  virtual std::size_t launched() const = 0;
};

struct ChunkedRanges {
  std::vector<RangeValues> ranges;  ///< every range, in launch order
  std::size_t images = 0;           ///< counter-data images used
  std::size_t dropped = 0;          ///< ranges lost for want of room (0 unless an op launched too many at once)
};

/// Runs `forward` once under `session`. `forward` calls its checkpoint between ops (from an op-exit observer);
/// a checkpoint restarts the collection when the launches since the last start have come within an eighth of
/// `ranges_per_image`, the headroom an op has for its own kernels.
ChunkedRanges collect_in_chunks(RangeSession& session, std::size_t ranges_per_image,
                                const std::function<void(const std::function<void()>& checkpoint)>& forward);

}  // namespace flopscope::gpu
