// Counter collection in chunks (src/gpu/range_chunks.h): a fake range profiler whose counter-data image holds a
// fixed number of ranges and drops the rest, as CUPTI does, under forwards of thousands of kernels.
#include <gtest/gtest.h>

#include "gpu/range_chunks.h"

namespace flopscope::gpu {
namespace {

class FakeImage final : public RangeSession {
 public:
  explicit FakeImage(std::size_t capacity) : m_capacity(capacity) {}
  void start() override {
    EXPECT_FALSE(m_running);
    m_running = true;
    m_image.clear();
    ++starts;
  }
  std::vector<RangeValues> stop_and_decode(std::size_t& dropped) override {
    EXPECT_TRUE(m_running);
    m_running = false;
    dropped = m_dropped;
    m_dropped = 0;
    largest_image = std::max(largest_image, m_image.size());
    return m_image;
  }
  std::size_t launched() const override { return m_launched; }
  /// The forward launches a kernel: it gets a range if the image has room.
  void launch() {
    ASSERT_TRUE(m_running);
    if (m_image.size() < m_capacity)
      m_image.push_back({{"launch", static_cast<double>(m_launched)}});
    else
      ++m_dropped;
    ++m_launched;
  }
  int starts = 0;
  std::size_t largest_image = 0;

 private:
  std::size_t m_capacity, m_launched = 0, m_dropped = 0;
  bool m_running = false;
  std::vector<RangeValues> m_image;
};

// 5 000 ops of one to three kernels each (an LLM-sized forward), images of 1 024 ranges: every kernel comes back
// once, in launch order, and no image overflows.
TEST(RangeChunks, FiveThousandKernelsNoneDropped) {
  FakeImage image(1024);
  std::size_t kernels = 0;
  ChunkedRanges got = collect_in_chunks(image, 1024, [&](const std::function<void()>& checkpoint) {
    for (int op = 0; op < 5000; ++op) {
      const int launches = 1 + op % 3;
      for (int k = 0; k < launches; ++k, ++kernels) image.launch();
      checkpoint();  // between ops
    }
  });
  EXPECT_EQ(kernels, 1u * 1667 + 2u * 1667 + 3u * 1666);  // op % 3 == 0, 1, 2
  ASSERT_EQ(got.ranges.size(), kernels);
  for (std::size_t i = 0; i < got.ranges.size(); ++i) ASSERT_EQ(got.ranges[i].at("launch"), static_cast<double>(i));
  EXPECT_EQ(got.dropped, 0u);
  EXPECT_LE(image.largest_image, 1024u);
  // A restart once 1024 - 1024/8 = 896 launches have gone by: ceil(10 000 / 896) images at least.
  EXPECT_GE(got.images, 10000u / 896);
  EXPECT_EQ(static_cast<std::size_t>(image.starts), got.images);
}

// Without checkpoints (a forward that never calls one) the image fills and the rest is dropped, and counted.
TEST(RangeChunks, WithoutCheckpointsTheOverflowIsCounted) {
  FakeImage image(1024);
  ChunkedRanges got = collect_in_chunks(image, 1024, [&](const std::function<void()>&) {
    for (int k = 0; k < 5000; ++k) image.launch();
  });
  EXPECT_EQ(got.ranges.size(), 1024u);
  EXPECT_EQ(got.dropped, 5000u - 1024u);
  EXPECT_EQ(got.images, 1u);
}

// A forward that fits in one image needs no restart.
TEST(RangeChunks, ShortForwardOneImage) {
  FakeImage image(1024);
  ChunkedRanges got = collect_in_chunks(image, 1024, [&](const std::function<void()>& checkpoint) {
    for (int op = 0; op < 160; ++op) {
      image.launch();
      checkpoint();
    }
  });
  EXPECT_EQ(got.ranges.size(), 160u);
  EXPECT_EQ(got.images, 1u);
}

}  // namespace
}  // namespace flopscope::gpu
