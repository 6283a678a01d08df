#pragma once
// Memory straight from the kernel (mmap), for what flopscope keeps while the model's forward runs: the
// capture's records and the state guard's copies of buffers. Blocks that outlive the ops they describe,
// taken from malloc's heap between the forward's activations, split the free space those activations leave,
// so the next activation no longer fits where the last one was; the heap grows each forward, and when the
// analysis frees it glibc gives the pages back, so the next forward faults them in again. On ResNet-50 at
// batch 1 that cost more than a tenth of the forward (docs/performance.md).
#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory_resource>
#include <new>
#include <utility>

namespace flopscope::capture {

/// A request that would take a PageResource past its budget.
struct OverBudget : std::bad_alloc {
  const char* what() const noexcept override { return "over its memory budget"; }
};

/// A std::pmr upstream that maps pages for each request (page alignment covers any alignment asked for), at
/// most `budget` bytes in all: past it a request throws OverBudget, before the machine runs out. A `lazy` budget
/// is asked for once, when the pages first pass kLazyFrom: most captures stay far below, and never pay for
/// reading the machine's limits (/proc, cgroups).
class PageResource final : public std::pmr::memory_resource {
 public:
  static constexpr std::size_t kLazyFrom = std::size_t{64} << 20;

  explicit PageResource(std::size_t budget = static_cast<std::size_t>(-1), std::function<std::size_t()> lazy = {})
      : m_budget(budget), m_lazy(std::move(lazy)) {}
  /// The budget as it stands: `lazy`'s answer is only in it once the pages have passed kLazyFrom.
  std::size_t budget() const { return m_budget; }

 private:
  void* do_allocate(std::size_t bytes, std::size_t /*alignment*/) override {
    if (m_lazy && m_mapped + bytes > kLazyFrom) {
      m_budget = std::min(m_budget, m_lazy());
      m_lazy = nullptr;
    }
    if (bytes > m_budget - std::min(m_budget, m_mapped)) throw OverBudget();
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    m_mapped += bytes;
    return p;
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t /*alignment*/) override {
    munmap(p, bytes);
    m_mapped -= bytes;
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }

  std::size_t m_budget;
  std::function<std::size_t()> m_lazy;
  std::size_t m_mapped = 0;
};

/// One block of mapped bytes, unmapped when it goes.
class PageBlock {
 public:
  PageBlock() = default;
  /// Every page is mapped at once (MAP_POPULATE): the block is about to be written whole, and one call is
  /// cheaper than a fault per page.
  explicit PageBlock(std::size_t bytes) : m_size(bytes) {
    if (bytes == 0) return;
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    m_data = static_cast<std::byte*>(p);
  }
  ~PageBlock() {
    if (m_data != nullptr) munmap(m_data, m_size);
  }
  PageBlock(PageBlock&& other) noexcept
      : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0)) {}
  PageBlock& operator=(PageBlock&& other) noexcept {
    std::swap(m_data, other.m_data);
    std::swap(m_size, other.m_size);
    return *this;
  }
  PageBlock(const PageBlock&) = delete;
  PageBlock& operator=(const PageBlock&) = delete;

  std::byte* data() const { return m_data; }
  std::size_t size() const { return m_size; }

 private:
  std::byte* m_data = nullptr;
  std::size_t m_size = 0;
};

}  // namespace flopscope::capture
