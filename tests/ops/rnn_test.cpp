// RNN cells' functional forms (src/ops/rnn.cpp) against PyTorch 1.13's torch.lstm_cell,
// gru_cell, rnn_tanh_cell and rnn_relu_cell (values from /usr/bin/python3; the op database
// covers more dtypes and layouts), gradcheck and gradgradcheck, errors.
#include "ember/ops/rnn.h"

#include <gtest/gtest.h>

#include "ember/ember.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;

namespace {
// Deterministic values in [-1, 1]: sin(a * index).
Tensor mk(std::vector<int64_t> shape, double a) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return arange(n, kDouble).mul(a).sin().reshape(shape);
}
Tensor vec(std::vector<double> v) { return tensor(v).reshape({2, 2}); }
}  // namespace

TEST(RnnCell, MatchesPyTorch) {
  Tensor x = mk({2, 3}, 0.37), h = mk({2, 2}, 0.5), c = mk({2, 2}, 0.9);
  auto w = [](int64_t g) {
    return std::vector<Tensor>{mk({g * 2, 3}, 0.21), mk({g * 2, 2}, 0.33), mk({g * 2}, 0.7),
                               mk({g * 2}, 1.1)};
  };
  auto l = w(4);
  auto [hy, cy] = lstm_cell(x, {h, c}, l[0], l[1], l[2], l[3]);
  EXPECT_TRUE(all_close(hy, vec({-0.020878031227701876, -0.03542751884681774, 0.013430675025931737,
                                 -0.004961881225660465})));
  EXPECT_TRUE(all_close(cy, vec({-0.15574643984721984, -0.1950502343653454, 1.5374002369346051,
                                 -0.549380206014547})));
  auto g = w(3);
  EXPECT_TRUE(all_close(
      gru_cell(x, h, g[0], g[1], g[2], g[3]),
      vec({0.002556700274573595, 0.29264230832246474, 0.8414467041676761, 0.9784981850425812})));
  auto r = w(1);
  EXPECT_TRUE(all_close(
      rnn_tanh_cell(x, h, r[0], r[1], r[2], r[3]),
      vec({0.466576165434684, 0.9924892851268186, 0.7272205206799879, 0.9999070697913308})));
  EXPECT_TRUE(all_close(
      rnn_relu_cell(x, h, r[0], r[1]),
      vec({0.5056847644874507, 1.254979643849199, 0.9228025296589806, 3.4529562053654512})));
}

TEST(RnnCell, Gradcheck) {
  variable_list in = {mk({2, 3}, 0.37), mk({2, 2}, 0.5),  mk({2, 2}, 0.9),
                      mk({8, 3}, 0.21), mk({8, 2}, 0.33), mk({8}, 0.7)};
  auto lstm = [](const variable_list& v) {
    auto [h, c] = lstm_cell(v[0], {v[1], v[2]}, v[3], v[4], v[5]);
    return cat({h, c});
  };
  EXPECT_TRUE(gradcheck(lstm, in));
  EXPECT_TRUE(gradgradcheck(lstm, in));
  variable_list gin = {mk({2, 3}, 0.37), mk({2, 2}, 0.5), mk({6, 3}, 0.21), mk({6, 2}, 0.33)};
  auto gru = [](const variable_list& v) { return gru_cell(v[0], v[1], v[2], v[3]); };
  EXPECT_TRUE(gradcheck(gru, gin));
  EXPECT_TRUE(gradgradcheck(gru, gin));
}

TEST(RnnCell, Errors) {
  Tensor x = mk({2, 3}, 0.37), h = mk({2, 2}, 0.5);
  EXPECT_THROW(rnn_tanh_cell(x, h, mk({2, 4}, 0.1), mk({2, 2}, 0.1)), Error);  // input size
  EXPECT_THROW(rnn_tanh_cell(mk({3}, 0.1), h, mk({2, 3}, 0.1), mk({2, 2}, 0.1)), Error);  // 1-d
  EXPECT_THROW(gru_cell(x, mk({3, 2}, 0.5), mk({6, 3}, 0.1), mk({6, 2}, 0.1)), Error);    // batch
  EXPECT_THROW(lstm_cell(x, {h}, mk({8, 3}, 0.1), mk({8, 2}, 0.1)), Error);  // no cell state
  EXPECT_THROW(gru_cell(x, h, mk({4, 3}, 0.1), mk({4, 2}, 0.1)), Error);     // rows != 3 * hidden
}
