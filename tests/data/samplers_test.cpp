// Samplers: orders (checked against libtorch 1.13's), epochs, reproducibility, save/load.
#include <gtest/gtest.h>

#include "ember/ember.h"

using namespace ember;
using namespace ember::data::samplers;
using Indices = std::vector<size_t>;

TEST(SequentialSampler, BatchesAndReset) {
  SequentialSampler s(5);
  EXPECT_EQ(s.next(2).value(), Indices({0, 1}));
  EXPECT_EQ(s.next(2).value(), Indices({2, 3}));
  EXPECT_EQ(s.index(), 4u);
  EXPECT_EQ(s.next(2).value(), Indices({4}));
  EXPECT_FALSE(s.next(2).has_value());
  s.reset();
  EXPECT_EQ(s.next(10).value(), Indices({0, 1, 2, 3, 4}));
  s.reset(2);
  EXPECT_EQ(s.next(10).value(), Indices({0, 1}));
}

TEST(RandomSampler, MatchesLibtorchWithManualSeed) {
  // libtorch: manual_seed(0); RandomSampler r(10); r.reset(); r.next(10) ...
  manual_seed(0);
  RandomSampler r(10);
  r.reset();
  EXPECT_EQ(r.next(10).value(), Indices({3, 9, 4, 2, 7, 8, 6, 0, 5, 1}));
  EXPECT_FALSE(r.next(1).has_value());
  r.reset();
  EXPECT_EQ(r.next(10).value(), Indices({4, 0, 8, 5, 9, 1, 6, 3, 7, 2}));
  manual_seed(0);
  RandomSampler r32(10, kInt);
  r32.reset();
  EXPECT_EQ(r32.next(4).value(), Indices({3, 9, 4, 2}));
  EXPECT_EQ(r32.index(), 4u);
}

TEST(RandomSampler, IsAPermutationAndResizes) {
  RandomSampler r(100);
  std::vector<int> seen(100);
  while (auto b = r.next(7)) {
    EXPECT_LE(b->size(), 7u);
    for (auto i : *b) seen.at(i)++;
  }
  for (int c : seen) EXPECT_EQ(c, 1);
  r.reset(3);
  auto b = r.next(10).value();
  std::sort(b.begin(), b.end());
  EXPECT_EQ(b, Indices({0, 1, 2}));
}

TEST(RandomSampler, SaveLoad) {
  RandomSampler r(20);
  r.next(5);
  serialize::OutputArchive out;
  r.save(out);
  auto rest = r.next(100).value();
  serialize::InputArchive in;
  in.load_from_bytes(out.to_bytes());
  RandomSampler back(3);
  back.load(in);
  EXPECT_EQ(back.index(), 5u);
  EXPECT_EQ(back.next(100).value(), rest);

  serialize::OutputArchive bad;
  bad.write("index", tensor(int64_t{50}), true);
  bad.write("indices", arange(20), true);
  serialize::InputArchive bad_in;
  bad_in.load_from_bytes(bad.to_bytes());
  EXPECT_THROW(back.load(bad_in), Error);
}

TEST(DistributedRandomSampler, MatchesLibtorch) {
  // libtorch 1.13 DistributedRandomSampler(10, 3, rank, allow_duplicates).next(100).
  std::vector<Indices> dup = {{0, 2, 1, 5}, {9, 1, 4, 7}, {6, 0, 3, 8}};
  std::vector<Indices> dup_epoch1 = {{9, 0, 2, 5}, {1, 4, 6, 3}, {1, 8, 0, 7}};
  std::vector<Indices> nodup = {{2, 4, 6}, {0, 5, 1}, {8, 3, 7}};
  for (size_t rank = 0; rank < 3; ++rank) {
    DistributedRandomSampler d(10, 3, rank);
    EXPECT_EQ(d.next(100).value(), dup[rank]);
    EXPECT_FALSE(d.next(1).has_value());
    d.set_epoch(1);
    d.reset();
    EXPECT_EQ(d.next(100).value(), dup_epoch1[rank]);
    DistributedRandomSampler e(10, 3, rank, false);
    EXPECT_EQ(e.next(100).value(), nodup[rank]);
  }
  DistributedRandomSampler one(7);
  EXPECT_EQ(one.next(3).value(), Indices({2, 4, 6}));
  EXPECT_EQ(one.next(30).value(), Indices({0, 5, 1, 3}));
}

TEST(DistributedRandomSampler, RanksCoverTheDatasetOnce) {
  for (size_t size : {0, 1, 2, 9, 10, 11, 100}) {
    std::vector<int> seen(size);
    size_t per_rank = 0;
    for (size_t rank = 0; rank < 4; ++rank) {
      DistributedRandomSampler d(size, 4, rank);
      d.set_epoch(3);
      d.reset();
      size_t count = 0;
      while (auto b = d.next(3)) {
        for (auto i : *b) {
          ASSERT_LT(i, size);
          seen[i]++;
        }
        count += b->size();
      }
      if (rank == 0) per_rank = count;
      EXPECT_EQ(count, per_rank);  // every rank the same number
    }
    EXPECT_EQ(per_rank, (size + 3) / 4);
    for (int c : seen) EXPECT_GE(c, 1);  // padding repeats a few, none is missed
  }
}

TEST(DistributedSequentialSampler, MatchesLibtorch) {
  std::vector<Indices> dup = {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 0, 1}};
  std::vector<Indices> nodup = {{0, 1, 2}, {3, 4, 5}, {6, 7, 8}};
  for (size_t rank = 0; rank < 3; ++rank) {
    DistributedSequentialSampler s(10, 3, rank);
    EXPECT_EQ(s.next(100).value(), dup[rank]);
    EXPECT_FALSE(s.next(1).has_value());
    s.reset();
    EXPECT_EQ(s.next(2).value(), Indices(dup[rank].begin(), dup[rank].begin() + 2));
    EXPECT_EQ(s.index(), rank * 4 + 2);
    DistributedSequentialSampler t(10, 3, rank, false);
    EXPECT_EQ(t.next(100).value(), nodup[rank]);
  }
}

TEST(DistributedSampler, SaveLoadAndBadArguments) {
  DistributedRandomSampler d(50, 2, 1);
  d.set_epoch(4);
  d.reset();
  d.next(7);
  serialize::OutputArchive out;
  d.save(out);
  auto rest = d.next(100).value();
  serialize::InputArchive in;
  in.load_from_bytes(out.to_bytes());
  DistributedRandomSampler back(50, 2, 1);
  back.load(in);
  EXPECT_EQ(back.epoch(), 4u);
  EXPECT_EQ(back.next(100).value(), rest);

  EXPECT_THROW(DistributedRandomSampler(10, 0, 0), Error);
  EXPECT_THROW(DistributedSequentialSampler(10, 2, 2), Error);
}

TEST(StreamSampler, BatchSizes) {
  StreamSampler s(10);
  EXPECT_EQ(s.next(4)->size(), 4u);
  EXPECT_EQ(static_cast<size_t>(s.next(4).value()), 4u);
  EXPECT_EQ(s.next(4)->size(), 2u);
  EXPECT_FALSE(s.next(4).has_value());
  serialize::OutputArchive out;
  s.save(out);
  s.reset(3);
  EXPECT_EQ(s.next(4)->size(), 3u);
  serialize::InputArchive in;
  in.load_from_bytes(out.to_bytes());
  s.reset();
  s.load(in);
  EXPECT_FALSE(s.next(1).has_value());
}
