#include "gpu/range_chunks.h"

#include <algorithm>

namespace flopscope::gpu {

ChunkedRanges collect_in_chunks(RangeSession& session, std::size_t ranges_per_image,
                                const std::function<void(const std::function<void()>& checkpoint)>& forward) {
  ChunkedRanges out;
  const std::size_t capacity = std::max<std::size_t>(ranges_per_image, 1);
  const std::size_t restart_at = capacity - capacity / 8;
  auto collect = [&] {
    std::size_t dropped = 0;
    std::vector<RangeValues> values = session.stop_and_decode(dropped);
    out.ranges.insert(out.ranges.end(), std::make_move_iterator(values.begin()), std::make_move_iterator(values.end()));
    out.dropped += dropped;
  };
  session.start();
  out.images = 1;
  std::size_t launched_at_start = 0;
  auto checkpoint = [&] {
    const std::size_t launched = session.launched();
    if (launched == static_cast<std::size_t>(-1) || launched - launched_at_start < restart_at) return;
    collect();
    session.start();
    ++out.images;
    launched_at_start = launched;
  };
  forward(checkpoint);
  collect();
  return out;
}

}  // namespace flopscope::gpu
