// The insertion-ordered map behind the table and the arch (src/report/stats_map.h): Python dict semantics
// across the switch from scanning to its index (past 8 keys) and every time the index grows, and copies that
// stand on their own.
#include <gtest/gtest.h>

#include <string>

#include "report/stats_map.h"

namespace flopscope::report {
namespace {

std::string key(int i) { return "layer" + std::to_string(i % 7) + ".block." + std::to_string(i); }

TEST(OrderedMap, KeepsInsertionOrderAndFindsEveryKeyAtEverySize) {
  OrderedMap<int> map;
  for (int n = 0; n < 600; ++n) {
    map[key(n)] = n;
    map[key(n / 2)] += 0;  // an existing key: no new entry
    ASSERT_EQ(map.items().size(), static_cast<std::size_t>(n + 1));
    for (int i = 0; i <= n; i += (n > 40 ? 37 : 1)) {
      const int* found = map.find(key(i));
      ASSERT_NE(found, nullptr) << "key " << i << " after " << n + 1 << " inserts";
      EXPECT_EQ(*found, i);
    }
    EXPECT_FALSE(map.contains(key(n + 1)));
    EXPECT_FALSE(map.contains(""));
  }
  for (int i = 0; i < 600; ++i) EXPECT_EQ(map.items()[static_cast<std::size_t>(i)].first, key(i));
}

TEST(OrderedMap, ACopyIsItsOwn) {
  OrderedMap<int> original;
  for (int i = 0; i < 50; ++i) original[key(i)] = i;
  OrderedMap<int> copy = original;
  copy[key(3)] = -3;
  copy["added"] = 1;
  EXPECT_EQ(*original.find(key(3)), 3);
  EXPECT_FALSE(original.contains("added"));
  EXPECT_EQ(*copy.find(key(3)), -3);
  EXPECT_EQ(*copy.find(key(49)), 49);
  EXPECT_EQ(copy.items().back().first, "added");
  original = copy;  // assignment over a map of the same size
  EXPECT_EQ(*original.find("added"), 1);
}

}  // namespace
}  // namespace flopscope::report
