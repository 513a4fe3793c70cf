// CombineTable: the map/reduce-side table of the typed adapter, checked
// against std::map on keys chosen to hit its shortcuts (8-byte prefixes kept
// in the slot, the tail compared only past byte 8, lengths 0..255+, growth).
// (bool values are refused at compile time by TypedJob's static_assert.)

#include <cohort/mapreduce/detail/combine_table.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::mapreduce::detail {
namespace {

void sum(const void* /*job*/, const std::string& /*key*/, std::uint64_t& acc, std::uint64_t&& next) { acc += next; }
void sum_int(const void* /*job*/, const int& /*key*/, std::uint64_t& acc, std::uint64_t&& next) { acc += next; }

// Keys that differ late, share prefixes, hold NUL bytes, and span the length
// classes the slot encodes (0, <= 8, 9..16, > 16, >= 255).
std::vector<std::string> tricky_keys() {
  std::vector<std::string> keys = {"", "a", "ab", "abcdefgh", "abcdefghi", "abcdefghj", "abcdefgh12345678",
                                   "abcdefgh12345679", "abcdefgh123456789", "abcdefgh123456788"};
  keys.push_back(std::string(1, '\0'));
  keys.push_back(std::string(2, '\0'));
  keys.push_back(std::string("a\0b", 3));
  keys.push_back(std::string("a\0c", 3));
  keys.push_back(std::string(254, 'x'));
  keys.push_back(std::string(255, 'x'));
  keys.push_back(std::string(256, 'x'));
  keys.push_back(std::string(300, 'x') + "1");
  keys.push_back(std::string(300, 'x') + "2");
  return keys;
}

TEST(CombineTable, StringKeysWithCombinerMatchAReferenceMapAcrossGrowth) {
  std::mt19937_64 rng(42);
  std::vector<std::string> pool = tricky_keys();
  // Enough distinct keys to grow the table several times past its 1024 slots.
  for (int i = 0; i < 20000; ++i) {
    const std::size_t len = rng() % 24;
    std::string k(len, 'p');  // a common prefix makes slot prefixes collide
    for (std::size_t j = 8; j < len; ++j) k[j] = static_cast<char>('a' + rng() % 4);
    pool.push_back(k);
  }
  CombineTable<std::string, std::uint64_t> table;
  std::map<std::string, std::uint64_t> ref;
  std::vector<std::string> first_seen;
  for (int i = 0; i < 200000; ++i) {
    const std::string& k = pool[rng() % pool.size()];
    const std::uint64_t v = rng() % 1000;
    if (ref.find(k) == ref.end()) first_seen.push_back(k);
    ref[k] += v;
    if (i % 3 == 0) {
      table.add(std::string_view(k), std::uint64_t{v}, &sum, nullptr);
    } else if (i % 3 == 1) {
      table.add(std::string(k), std::uint64_t{v}, &sum, nullptr);
    } else {
      const std::string& lvalue = k;
      table.add(lvalue, std::uint64_t{v}, &sum, nullptr);
    }
  }
  ASSERT_EQ(table.size(), ref.size());
  std::vector<std::string> order;
  std::map<std::string, std::uint64_t> got;
  table.for_each([&](const std::string& k, std::uint64_t& first, std::span<std::uint64_t> rest) {
    EXPECT_TRUE(rest.empty()) << "a combined key kept extra values";
    EXPECT_TRUE(got.emplace(k, first).second) << "key listed twice: " << k;
    order.push_back(k);
  });
  EXPECT_EQ(got, ref);
  EXPECT_EQ(order, first_seen) << "string keys iterate in insertion order";
}

TEST(CombineTable, StringKeysWithoutCombinerKeepEveryValueInOrder) {
  CombineTable<std::string, int> table;
  std::map<std::string, std::vector<int>> ref;
  const std::vector<std::string> keys = tricky_keys();
  int n = 0;
  for (int round = 0; round < 3; ++round) {
    for (const std::string& k : keys) {
      table.add(k, int{n}, nullptr, nullptr);
      ref[k].push_back(n++);
    }
  }
  ASSERT_EQ(table.size(), keys.size());
  std::map<std::string, std::vector<int>> got;
  table.for_each([&](const std::string& k, int& first, std::span<int> rest) {
    std::vector<int> all{first};
    all.insert(all.end(), rest.begin(), rest.end());
    got[k] = all;
  });
  EXPECT_EQ(got, ref);
}

TEST(CombineTable, GeneralKeysCombineAndKeep) {
  CombineTable<int, std::uint64_t> combined;
  CombineTable<int, std::uint64_t> kept;
  std::map<int, std::uint64_t> ref_sum;
  std::map<int, std::vector<std::uint64_t>> ref_all;
  for (std::uint64_t i = 0; i < 5000; ++i) {
    const int k = static_cast<int>((i * 7919) % 613) - 300;  // negative keys too
    combined.add(k, std::uint64_t{i}, &sum_int, nullptr);
    kept.add(k, std::uint64_t{i}, nullptr, nullptr);
    ref_sum[k] += i;
    ref_all[k].push_back(i);
  }
  EXPECT_EQ(combined.size(), ref_sum.size());
  std::map<int, std::uint64_t> got_sum;
  combined.for_each([&](const int& k, std::uint64_t& first, std::span<std::uint64_t> rest) {
    EXPECT_TRUE(rest.empty());
    got_sum[k] = first;
  });
  EXPECT_EQ(got_sum, ref_sum);
  std::map<int, std::vector<std::uint64_t>> got_all;
  kept.for_each([&](const int& k, std::uint64_t& first, std::span<std::uint64_t> rest) {
    std::vector<std::uint64_t> all{first};
    all.insert(all.end(), rest.begin(), rest.end());
    got_all[k] = all;
  });
  EXPECT_EQ(got_all, ref_all);
}

}  // namespace
}  // namespace cohort::mapreduce::detail
