// src/nn/rnn_utils.cpp: PackedSequence, pack_padded_sequence, pad_packed_sequence, pad_sequence,
// pack_sequence and invert_permutation. Reference values: PyTorch 1.13 (expression above each).
#include <gtest/gtest.h>

#include "ember/ember.h"
#include "ember/nn/utils/rnn.h"
#include "support/error_of.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gradcheck;
namespace rnn_utils = ember::nn::utils::rnn;

namespace {
bool has(const std::string& msg, const std::string& part) {
  return msg.find(part) != std::string::npos;
}
}  // namespace

// Moved from rnn_test.cpp.
TEST(RNNUtils, PackAndPad) {
  std::vector<Tensor> seqs{tensor({1.f, 2.f, 3.f}), tensor({4.f, 5.f}), tensor({6.f})};
  auto p = rnn_utils::pack_sequence(seqs);
  EXPECT_TRUE(all_close(p.data(), tensor({1.f, 4.f, 6.f, 2.f, 5.f, 3.f}), 0, 0));
  EXPECT_TRUE(all_close(p.batch_sizes(), tensor({3L, 2L, 1L}), 0, 0));
  EXPECT_FALSE(p.sorted_indices().defined());
  std::vector<Tensor> unsorted{tensor({4.f, 5.f}), tensor({1.f, 2.f, 3.f}), tensor({6.f})};
  EXPECT_THROW(rnn_utils::pack_sequence(unsorted), Error);
  auto q = rnn_utils::pack_sequence(unsorted, false);
  EXPECT_TRUE(all_close(q.data(), tensor({1.f, 4.f, 6.f, 2.f, 5.f, 3.f}), 0, 0));
  EXPECT_TRUE(all_close(q.sorted_indices(), tensor({1L, 0L, 2L}), 0, 0));
  EXPECT_TRUE(all_close(q.unsorted_indices(), tensor({1L, 0L, 2L}), 0, 0));
  auto [padded, lengths] = rnn_utils::pad_packed_sequence(q, true, -1, 4);
  EXPECT_TRUE(all_close(
      padded,
      tensor({4.f, 5.f, -1.f, -1.f, 1.f, 2.f, 3.f, -1.f, 6.f, -1.f, -1.f, -1.f}).view({3, 4}), 0,
      0));
  EXPECT_TRUE(all_close(lengths, tensor({2L, 3L, 1L}), 0, 0));
  EXPECT_THROW(rnn_utils::pad_packed_sequence(q, true, 0, 2), Error);
  Tensor ps = rnn_utils::pad_sequence(seqs, false, 0);
  EXPECT_EQ(ps.sizes(), IntArrayRef({3, 3}));
  EXPECT_EQ(rnn_utils::pad_sequence(seqs, true).sizes(), IntArrayRef({3, 3}));
  EXPECT_THROW(rnn_utils::pack_padded_sequence(ps, tensor({3L, 0L, 1L}), false, false), Error);
  EXPECT_THROW(rnn_utils::pack_padded_sequence(ps, tensor({3L, 2L}), false), Error);
}

TEST(RNNUtils, BatchFirstUnsortedWithFeaturesMatchesPyTorch) {
  // x = torch.arange(24, dtype=torch.float64).reshape(4, 3, 2)
  // p = pack_padded_sequence(x, torch.tensor([2, 3, 1, 3]), batch_first=True,
  //                          enforce_sorted=False)
  Tensor x = arange(24, kDouble).reshape({4, 3, 2});
  auto p = rnn_utils::pack_padded_sequence(x, tensor({2L, 3L, 1L, 3L}), true, false);
  EXPECT_TRUE(all_close(
      p.data(),
      tensor({6., 7., 18., 19., 0., 1., 12., 13., 8., 9., 20., 21., 2., 3., 10., 11., 22., 23.},
             kDouble)
          .view({9, 2}),
      0, 0));
  EXPECT_TRUE(all_close(p.batch_sizes(), tensor({4L, 3L, 2L}), 0, 0));
  EXPECT_EQ(p.batch_sizes().device(), Device(kCPU));
  EXPECT_TRUE(all_close(p.sorted_indices(), tensor({1L, 3L, 0L, 2L}), 0, 0));
  EXPECT_TRUE(all_close(p.unsorted_indices(), tensor({2L, 0L, 3L, 1L}), 0, 0));
  // pad_packed_sequence(p, batch_first=True, padding_value=-1.0, total_length=4)
  auto [pad, len] = rnn_utils::pad_packed_sequence(p, true, -1.0, 4);
  EXPECT_EQ(pad.sizes(), IntArrayRef({4, 4, 2}));
  EXPECT_TRUE(all_close(
      pad.reshape({-1}),
      tensor({0.,  1.,  2.,  3.,  -1., -1., -1., -1., 6.,  7.,  8.,  9.,  10., 11., -1., -1.,
              12., 13., -1., -1., -1., -1., -1., -1., 18., 19., 20., 21., 22., 23., -1., -1.},
             kDouble),
      0, 0));
  EXPECT_TRUE(all_close(len, tensor({2L, 3L, 1L, 3L}), 0, 0));
  // pad_packed_sequence(p): time-major, zero padding, as long as the longest sequence.
  auto [tm, len2] = rnn_utils::pad_packed_sequence(p);
  EXPECT_EQ(tm.sizes(), IntArrayRef({3, 4, 2}));
  EXPECT_TRUE(all_close(
      tm.select(2, 0),
      tensor({0., 6., 12., 18., 2., 8., 0., 20., 0., 10., 0., 22.}, kDouble).view({3, 4}), 0, 0));
  EXPECT_TRUE(all_close(len2, tensor({2L, 3L, 1L, 3L}), 0, 0));
}

TEST(RNNUtils, TiedLengthsKeepTheirOrder) {
  // pack_padded_sequence(torch.arange(5.).view(1, 5).expand(3, 5), torch.tensor([2, 3, 2, 3,
  // 1]), enforce_sorted=False): an expanded (stride 0) input, ties in their original order.
  Tensor x = arange(5, kFloat).view({1, 5}).expand({3, 5});
  auto p = rnn_utils::pack_padded_sequence(x, tensor({2, 3, 2, 3, 1}), false, false);
  EXPECT_TRUE(all_close(p.sorted_indices(), tensor({1L, 3L, 0L, 2L, 4L}), 0, 0));
  EXPECT_TRUE(
      all_close(p.data(), tensor({1.f, 3.f, 0.f, 2.f, 4.f, 1.f, 3.f, 0.f, 2.f, 1.f, 3.f}), 0, 0));
  EXPECT_TRUE(all_close(p.batch_sizes(), tensor({5L, 4L, 2L}), 0, 0));
  // Round trip through a transposed input.
  Tensor y = arange(12, kDouble).view({4, 3}).t();  // [3, 4] batch-first, non-contiguous
  auto q = rnn_utils::pack_padded_sequence(y, tensor({1L, 4L, 2L}), true, false);
  auto [back, len] = rnn_utils::pad_packed_sequence(q, true);
  Tensor expected = y.clone();
  expected[0].slice(0, 1).zero_();
  expected[2].slice(0, 2).zero_();
  EXPECT_TRUE(all_close(back, expected, 0, 0));
  EXPECT_TRUE(all_close(len, tensor({1L, 4L, 2L}), 0, 0));
}

TEST(RNNUtils, GradientsFlowThroughPackingAndPadding) {
  Tensor x = tensor({0.5, -1.0, 2.0, 0.25, 1.5, -0.75, 3.0, -2.0, 0.125, 1.0, -0.5, 2.5}, kDouble)
                 .view({3, 2, 2});
  Tensor lengths = tensor({2L, 3L});
  EXPECT_TRUE(gradcheck(
      [&](const variable_list& v) {
        return rnn_utils::pack_padded_sequence(v[0], lengths, false, false).data();
      },
      {x}));
  EXPECT_TRUE(gradcheck(
      [&](const variable_list& v) {
        auto p = rnn_utils::pack_padded_sequence(v[0], lengths, false, false);
        return std::get<0>(rnn_utils::pad_packed_sequence(p, true, 0.0, 5));
      },
      {x}));
  EXPECT_TRUE(gradcheck(
      [](const variable_list& v) {
        return rnn_utils::pad_sequence({v[0], v[1]}, true, 2.0);
      },
      {tensor({1.0, 2.0}, kDouble), tensor({3.0, 4.0, 5.0}, kDouble)}));
  // Padded positions get no gradient.
  Tensor leaf = x.detach().requires_grad_(true);
  auto p = rnn_utils::pack_padded_sequence(leaf, tensor({3L, 1L}));
  p.data().sum().backward();
  Tensor mask = ones({3, 2, 2}, kDouble);
  mask.select(1, 1).slice(0, 1).zero_();
  EXPECT_TRUE(all_close(leaf.grad(), mask, 0, 0));
}

TEST(RNNUtils, PadSequence) {
  // pad_sequence([torch.ones(2, 2), 2 * torch.ones(3, 2)], batch_first=True, padding_value=7)
  Tensor r = rnn_utils::pad_sequence({ones({2, 2}), 2 * ones({3, 2})}, true, 7);
  EXPECT_TRUE(all_close(
      r, tensor({1.f, 1.f, 1.f, 1.f, 7.f, 7.f, 2.f, 2.f, 2.f, 2.f, 2.f, 2.f}).view({2, 3, 2}), 0,
      0));
  Tensor t = rnn_utils::pad_sequence({ones({2, 2}), 2 * ones({3, 2})});
  EXPECT_EQ(t.sizes(), IntArrayRef({3, 2, 2}));
  EXPECT_TRUE(all_close(t, r.transpose(0, 1).masked_fill(r.transpose(0, 1) == 7, 0), 0, 0));
  // Dtypes are kept; empty sequences pad fully.
  Tensor i = rnn_utils::pad_sequence({tensor({5L}), empty({0}, kLong)}, true, -1);
  EXPECT_EQ(i.scalar_type(), kLong);
  EXPECT_TRUE(all_close(i, tensor({5L, -1L}).view({2, 1}), 0, 0));
  std::string e = error_of([] { rnn_utils::pad_sequence({}); });
  EXPECT_TRUE(has(e, "[pad_sequence] received an empty list of sequences")) << e;
  e = error_of([] { rnn_utils::pad_sequence({zeros({2, 3}), zeros({2, 4})}); });
  EXPECT_TRUE(has(e, "[pad_sequence] trailing dimensions of all sequences must match")) << e;
  e = error_of([] { rnn_utils::pad_sequence({zeros({2}), tensor(1.0f)}); });
  EXPECT_TRUE(has(e, "[pad_sequence] each sequence must have at least 1 dimension")) << e;
}

TEST(RNNUtils, InvertPermutationAndPackedSequence) {
  // invert_permutation(torch.tensor([2, 0, 3, 1]))
  EXPECT_TRUE(all_close(rnn_utils::invert_permutation(tensor({2L, 0L, 3L, 1L})),
                        tensor({1L, 3L, 0L, 2L}), 0, 0));
  EXPECT_FALSE(rnn_utils::invert_permutation(Tensor()).defined());
  std::string e = error_of([] { rnn_utils::invert_permutation(tensor({0L, 2L})); });
  EXPECT_TRUE(has(e, "[invert_permutation] index 2 out of range")) << e;
  // A PackedSequence made from sorted indices fills in the inverse.
  rnn_utils::PackedSequence ps(ones({3}), tensor({2L, 1L}), tensor({1L, 0L}));
  EXPECT_TRUE(all_close(ps.unsorted_indices(), tensor({1L, 0L}), 0, 0));
  EXPECT_FALSE(ps.is_cuda());
  // to(): a new dtype converts the data only; the same options give the same tensors back.
  auto d = ps.to(TensorOptions().dtype(kDouble));
  EXPECT_EQ(d.data().scalar_type(), kDouble);
  EXPECT_TRUE(d.batch_sizes().is_same(ps.batch_sizes()));
  EXPECT_TRUE(ps.cpu().data().is_same(ps.data()));
  rnn_utils::PackedSequence empty_ps;
  EXPECT_FALSE(empty_ps.data().defined());
  EXPECT_FALSE(empty_ps.unsorted_indices().defined());
}

TEST(RNNUtils, PackErrors) {
  // PyTorch: "Expected `len(lengths)` to be equal to batch_size, but got 1 (batch_size=2)"
  std::string e = error_of([] { rnn_utils::pack_padded_sequence(zeros({3, 2}), tensor({3L})); });
  EXPECT_TRUE(has(e,
                  "[pack_padded_sequence] Expected `len(lengths)` to be equal to batch_size, "
                  "but got 1 (batch_size=2)"))
      << e;
  e = error_of([] { rnn_utils::pack_padded_sequence(zeros({3}), tensor({3L})); });
  EXPECT_TRUE(has(e, "[pack_padded_sequence] input must have at least 2 dimensions, got 1")) << e;
  e = error_of([] { rnn_utils::pack_padded_sequence(zeros({3, 2}), tensor({1L, 2L})); });
  EXPECT_TRUE(has(e, "[pack_padded_sequence] `lengths` array must be sorted in decreasing order"))
      << e;
  e = error_of([] {
    rnn_utils::pack_padded_sequence(zeros({3, 2}), tensor({2L, -1L}), false, false);
  });
  EXPECT_TRUE(has(e, "[pack_padded_sequence] Length of all samples has to be greater than 0")) << e;
  // Longer than the input: PyTorch 1.13 does not check this; ember refuses.
  e = error_of([] { rnn_utils::pack_padded_sequence(zeros({3, 2, 1}), tensor({4L, 1L})); });
  EXPECT_TRUE(has(e, "[pack_padded_sequence] lengths exceed the input's 3 time steps")) << e;
  e = error_of([] {
    auto p = rnn_utils::pack_padded_sequence(zeros({3, 1}), tensor({3L}));
    rnn_utils::pad_packed_sequence(p, false, 0, 2);
  });
  EXPECT_TRUE(has(e,
                  "[pad_packed_sequence] Expected total_length to be at least the length of "
                  "the longest sequence in input, but got total_length=2 and max sequence "
                  "length being 3"))
      << e;
}
