// src/ops/bitwise.cpp: logical_and/or/xor/not, bitwise_and/or/xor/not, left/right shifts and
// their operators: values vs PyTorch 1.13 (expressions in comments) or naive loops, dtypes,
// bool bytes, promotion, in-place/out= variants, broadcast/non-contiguous/0-dim/zero-size inputs,
// errors.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "support/gradcheck.h"
#include "support/op_helpers.h"

using namespace ember;
using ember::testing::bools;
using ember::testing::has;
using ember::testing::ints;
using ember::testing::near;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();

Tensor dbl(std::initializer_list<double> v) { return tensor(std::vector<double>(v)); }
}  // namespace

TEST(BinaryLogical, Values) {
  Tensor a = tensor({0., 1.5, kNaN, 0.});
  // torch.logical_and(tensor([0.,1.5,nan,0.]), tensor([1,1,2,0])) -> [F,T,T,F]
  EXPECT_EQ(bools(logical_and(a, tensor({1, 1, 2, 0}))),
            (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ(bools(logical_or(a, tensor({1, 0, 0, 0}))),
            (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(bools(logical_xor(a, tensor({1, 1, 0, 0}))),
            (std::vector<bool>{true, false, true, false}));
  EXPECT_EQ(bools(logical_not(a)), (std::vector<bool>{true, false, false, true}));
  EXPECT_EQ(bools(!tensor({0, 3})), (std::vector<bool>{true, false}));
  // Small doubles are nonzero.
  EXPECT_EQ(bools(logical_and(dbl({1e-300}), dbl({1.}))), (std::vector<bool>{true}));
  // In-place keeps self's dtype: float tensor holds 1.0/0.0.
  Tensor f = tensor({2., 0., 3.});
  f.logical_and_(tensor({1., 1., 0.}));
  EXPECT_EQ(f.dtype(), kFloat);
  EXPECT_TRUE(near(f, tensor({1., 0., 0.})));
  EXPECT_THROW(tensor({1.}).requires_grad_().logical_and_(tensor({1.})), Error);
  Tensor out = empty({0}, kBool);
  logical_or_out(out, tensor({0, 0}), tensor({0, 5}));
  EXPECT_EQ(bools(out), (std::vector<bool>{false, true}));
  // Zero-size and 0-dim.
  EXPECT_EQ(logical_and(empty({0, 3}), empty({3})).sizes(), IntArrayRef({0, 3}));
  EXPECT_EQ(logical_not(tensor(0.)).dim(), 0);
}

TEST(BinaryLogical, BoolBytesOtherThanOneReadAsTrue) {
  uint8_t raw[3] = {0, 2, 255};
  Tensor weird = from_blob(raw, {3}, kBool);
  Tensor t = tensor({true, true, true});
  EXPECT_EQ(bools(logical_and(weird, t)), (std::vector<bool>{false, true, true}));
  EXPECT_EQ(bools(logical_or(weird, tensor({false, false, false}))),
            (std::vector<bool>{false, true, true}));
  EXPECT_EQ(bools(logical_xor(weird, t)), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(bools(logical_not(weird)), (std::vector<bool>{true, false, false}));
  // Mixed with a non-bool operand.
  EXPECT_EQ(bools(logical_and(weird, tensor({1., 1., 1.}))),
            (std::vector<bool>{false, true, true}));
  EXPECT_EQ(bools(bitwise_and(weird, t)), (std::vector<bool>{false, true, true}));
  EXPECT_EQ(bools(~weird), (std::vector<bool>{true, false, false}));
  // where reads the condition the same way.
  Tensor w = where(weird, tensor({1., 2., 3.}), tensor({-1., -2., -3.}));
  EXPECT_TRUE(near(w, tensor({-1., 2., 3.})));
  Tensor wb = where(tensor({true, true, false}), weird, tensor({false, false, true}));
  EXPECT_EQ(bools(wb), (std::vector<bool>{false, true, true}));
  EXPECT_EQ(ints(wb.to(kByte)), (std::vector<int64_t>{0, 1, 1}));  // normalised to 0/1
}

TEST(BinaryBitwise, Values) {
  Tensor a = tensor({12, -6});
  // (a & [10,3]), (a | 3), (a ^ [10,3]), ~a -> [8,2], [15,-5], [6,-7], [-13,5]
  EXPECT_EQ(ints(a & tensor({10, 3})), (std::vector<int64_t>{8, 2}));
  EXPECT_EQ(ints(a | 3), (std::vector<int64_t>{15, -5}));
  EXPECT_EQ(ints(3 | a), (std::vector<int64_t>{15, -5}));
  EXPECT_EQ(ints(a ^ tensor({10, 3})), (std::vector<int64_t>{6, -7}));
  EXPECT_EQ(ints(~a), (std::vector<int64_t>{-13, 5}));
  EXPECT_EQ(ints(bitwise_not(tensor({0, 255}).to(kByte))), (std::vector<int64_t>{255, 0}));
  // Shifts: [1,-8,3] << [3,1,64] -> [8,-16,3]... shift >= width gives 0 / sign fill.
  Tensor s = tensor({1, -8, 3}), by = tensor({3, 1, 64});
  EXPECT_EQ(ints(s << by), (std::vector<int64_t>{8, -16, 0}));
  EXPECT_EQ(ints(s >> by), (std::vector<int64_t>{0, -4, 0}));
  EXPECT_EQ(ints(tensor({-8}) >> 70), (std::vector<int64_t>{-1}));
  // int8: [1,-8] << [7,-1] -> [-128, 0]
  EXPECT_EQ(ints(tensor({1, -8}).to(kChar) << tensor({7, -1}).to(kChar)),
            (std::vector<int64_t>{-128, 0}));
  // uint8: tensor([200], uint8) >> 9 -> [0]
  EXPECT_EQ(ints(tensor({200}).to(kByte).__rshift__(9)), (std::vector<int64_t>{0}));
  // tensor([True]) << 1 -> tensor([2]) (int64)
  EXPECT_EQ(ints(tensor({true}) << 1), (std::vector<int64_t>{2}));
  // Bool operands stay bool.
  Tensor bt = tensor({true, true, false}), bf = tensor({true, false, false});
  EXPECT_EQ(bools(bt & bf), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(bools(bt | bf), (std::vector<bool>{true, true, false}));
  EXPECT_EQ(bools(bt ^ bf), (std::vector<bool>{false, true, false}));
  // Compound operators.
  Tensor c = tensor({12, 5});
  c &= tensor({10, 4});
  c |= 1;
  c ^= tensor({3, 3});
  c <<= 2;
  c >>= 1;
  // ((12&10)|1)^3 = 10 -> 20; ((5&4)|1)^3 = 6 -> 12
  EXPECT_EQ(ints(c), (std::vector<int64_t>{20, 12}));
  // Non-contiguous input.
  Tensor m = tensor({{1, 2}, {4, 8}});
  EXPECT_EQ(ints((m.t() | 16).contiguous()), (std::vector<int64_t>{17, 20, 18, 24}));
  // Floats are rejected.
  EXPECT_THROW(tensor({1.5}) & tensor({1.5}), Error);
  EXPECT_THROW(bitwise_and(tensor({1.}), 1), Error);
  EXPECT_THROW(~tensor({1.5}), Error);
  EXPECT_THROW(tensor({1.5}) << 1, Error);
  EXPECT_THROW(tensor({true}) << tensor({true}), Error);
}

TEST(Bitwise, EveryIntegralDtypeAgainstLoops) {
  const std::vector<int64_t> a = {0, 1, 5, 100, -7, -128, 127, 42};
  const std::vector<int64_t> b = {3, -1, 12, 27, -2, 127, -128, 85};
  for (ScalarType dt : {kByte, kChar, kShort, kInt, kLong}) {
    SCOPED_TRACE(toString(dt));
    Tensor ta = tensor(a).to(dt), tb = tensor(b).to(dt);
    std::vector<int64_t> va = ints(ta), vb = ints(tb);  // the values after conversion
    std::vector<int64_t> wand, wor, wxor, wnot;
    std::vector<bool> wland;
    for (size_t i = 0; i < va.size(); ++i) {
      // In range for the dtype; ~ of a uint8 is 255 - v.
      wand.push_back(va[i] & vb[i]);
      wor.push_back(va[i] | vb[i]);
      wxor.push_back(va[i] ^ vb[i]);
      wnot.push_back(dt == kByte ? 255 - va[i] : ~va[i]);
      wland.push_back(va[i] != 0 && vb[i] != 0);
    }
    EXPECT_EQ((ta & tb).dtype(), dt);
    EXPECT_EQ(ints(ta & tb), wand);
    EXPECT_EQ(ints(bitwise_or(ta, tb)), wor);
    EXPECT_EQ(ints(ta.bitwise_xor(tb)), wxor);
    EXPECT_EQ(ints(~ta), wnot);
    EXPECT_EQ(bools(logical_and(ta, tb)), wland);
  }
}

TEST(Bitwise, ShiftsPerDtype) {
  // torch.tensor([1,100,-7,3], dt) << / >> torch.tensor([0,3,2,-1], dt) for int8 and int16, and
  // shifts by [bits-1, bits, bits+1, 1]; uint8 uses 249 for -7 and 200 for -1.
  struct Row {
    ScalarType dt;
    std::vector<int64_t> a, b, lsh, rsh, lwide, rwide;
  };
  const Row rows[] = {
      {kByte,
       {1, 100, 249, 3},
       {0, 3, 2, 200},
       {1, 32, 228, 0},
       {1, 12, 62, 0},
       {128, 0, 0, 6},
       {0, 0, 0, 1}},
      {kChar,
       {1, 100, -7, 3},
       {0, 3, 2, -1},
       {1, 32, -28, 0},
       {1, 12, -2, 0},
       {-128, 0, 0, 6},
       {0, 0, -1, 1}},
      {kShort,
       {1, 100, -7, 3},
       {0, 3, 2, -1},
       {1, 800, -28, 0},
       {1, 12, -2, 0},
       {-32768, 0, 0, 6},
       {0, 0, -1, 1}},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(toString(r.dt));
    const int64_t bits = static_cast<int64_t>(element_size(r.dt)) * 8;
    Tensor a = tensor(r.a).to(r.dt), b = tensor(r.b).to(r.dt);
    Tensor wide = tensor({bits - 1, bits, bits + 1, int64_t{1}}).to(r.dt);
    EXPECT_EQ((a << b).dtype(), r.dt);
    EXPECT_EQ(ints(a << b), r.lsh);
    EXPECT_EQ(ints(a >> b), r.rsh);
    EXPECT_EQ(ints(bitwise_left_shift(a, wide)), r.lwide);
    EXPECT_EQ(ints(bitwise_right_shift(a, wide)), r.rwide);
  }
  // int32 / int64: a shift by at least the width gives 0 (left) or the sign fill (right), like
  // PyTorch 2 (PyTorch 1.13 leaves it to the hardware, which masks the count).
  for (ScalarType dt : {kInt, kLong}) {
    const int64_t bits = static_cast<int64_t>(element_size(dt)) * 8;
    Tensor a = tensor({int64_t{100}, int64_t{-7}, int64_t{3}}).to(dt);
    Tensor w = tensor({bits, bits + 1, int64_t{-1}}).to(dt);
    EXPECT_EQ(ints(a << w), (std::vector<int64_t>{0, 0, 0}));
    EXPECT_EQ(ints(a >> w), (std::vector<int64_t>{0, -1, 0}));
    // 1 << (bits - 1) is the minimum value.
    EXPECT_EQ(
        ints(tensor({int64_t{1}}).to(dt) << (bits - 1))[0],
        dt == kInt ? std::numeric_limits<int32_t>::min() : std::numeric_limits<int64_t>::min());
  }
  // torch.bitwise_left_shift(2, tensor([1,2])) -> [4, 8]; bitwise_right_shift(-16, ...) -> [-8, -4]
  EXPECT_EQ(ints(bitwise_left_shift(2, tensor({1, 2}))), (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(ints(bitwise_right_shift(-16, tensor({1, 2}))), (std::vector<int64_t>{-8, -4}));
  // In place keeps self's dtype: a = int16 [5,3]; a <<= int64 [1,2] -> int16 [10, 12]
  Tensor s = tensor({5, 3}).to(kShort);
  s <<= tensor({1, 2});
  EXPECT_EQ(s.dtype(), kShort);
  EXPECT_EQ(ints(s), (std::vector<int64_t>{10, 12}));
}

TEST(Bitwise, PromotionBroadcastAndLayouts) {
  // torch.int8 & torch.uint8 -> int16; int32 & 5 -> int32; bool & int64 -> int64
  EXPECT_EQ((tensor({1}).to(kChar) & tensor({1}).to(kByte)).dtype(), kShort);
  EXPECT_EQ((tensor({1}).to(kInt) & 5).dtype(), kInt);
  EXPECT_EQ((tensor({true}) & tensor({3})).dtype(), kLong);
  // uint8 [0x0F] | int8 [-16] -> int16 [-1]
  EXPECT_EQ(ints(tensor({15}).to(kByte) | tensor({-16}).to(kChar)), (std::vector<int64_t>{-1}));
  // tensor([True, False]) ^ 1 -> [0, 1] (int64)
  Tensor bx = tensor({true, false}) ^ 1;
  EXPECT_EQ(bx.dtype(), kLong);
  EXPECT_EQ(ints(bx), (std::vector<int64_t>{0, 1}));
  // Broadcast [3, 1] x [4] and a transposed, an expanded and a 0-dim operand, against loops.
  Tensor col = tensor({1, 6, 12}).reshape({3, 1}), row = tensor({3, 5, 10, -1});
  Tensor r = col ^ row;
  EXPECT_EQ(r.sizes(), IntArrayRef({3, 4}));
  Tensor m = arange(12).reshape({4, 3}).t();  // [3, 4], non-contiguous
  Tensor e = tensor({7}).expand({3, 4});
  Tensor band = m & e, bor = m.bitwise_or(tensor(int64_t{16}));
  std::vector<int64_t> vc = ints(col), vr = ints(row), vm = ints(m);
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t j = 0; j < 4; ++j) {
      EXPECT_EQ(r.select(0, i).select(0, j).item<int64_t>(), vc[i] ^ vr[j]);
      EXPECT_EQ(band.select(0, i).select(0, j).item<int64_t>(), vm[i * 4 + j] & 7);
      EXPECT_EQ(bor.select(0, i).select(0, j).item<int64_t>(), vm[i * 4 + j] | 16);
    }
  }
  Tensor lx = logical_xor(m.to(kDouble) - 4, tensor({0.0, 1.0, 0.0, 1.0}, kDouble));
  for (int64_t k = 0; k < 12; ++k) {
    bool want = (vm[k] - 4 != 0) != (k % 4 == 1 || k % 4 == 3);
    EXPECT_EQ(lx.reshape({-1}).select(0, k).item<bool>(), want) << k;
  }
  // 0-dim with 0-dim stays 0-dim; zero-size broadcasts to zero-size.
  EXPECT_EQ((tensor(int64_t{6}) << tensor(int64_t{2})).dim(), 0);
  EXPECT_EQ((tensor(int64_t{6}) << tensor(int64_t{2})).item<int64_t>(), 24);
  EXPECT_EQ((empty({0, 2}, kLong) & tensor({1, 2})).sizes(), IntArrayRef({0, 2}));
  EXPECT_EQ(logical_xor(empty({2, 0}), tensor(1.0)).sizes(), IntArrayRef({2, 0}));
  EXPECT_EQ((~empty({0}, kByte)).numel(), 0);
}

TEST(Bitwise, LogicalDtypesOutAndAutograd) {
  // torch.logical_and(f16 [1, 0], bf16 [2, 3]) -> [True, False]
  EXPECT_EQ(bools(logical_and(tensor({1.0, 0.0}).to(kHalf), tensor({2.0, 3.0}).to(kBFloat16))),
            (std::vector<bool>{true, false}));
  EXPECT_EQ(bools(logical_or(dbl({kNaN, 0.0}), tensor({0, 0}).to(kChar))),
            (std::vector<bool>{true, false}));
  // o = torch.empty(0); torch.logical_xor([1,0,3], [1,1,0], out=o) -> [0., 1., 1.] float32
  Tensor o = empty({0});
  logical_xor_out(o, tensor({1, 0, 3}), tensor({1, 1, 0}));
  EXPECT_EQ(o.dtype(), kFloat);
  EXPECT_TRUE(near(o, tensor({0.0f, 1.0f, 1.0f})));
  Tensor ob = empty({0}, kBool);
  bitwise_xor_out(ob, tensor({true, false}), tensor({true, true}));
  EXPECT_EQ(bools(ob), (std::vector<bool>{false, true}));
  // logical_not_ on a float tensor keeps the dtype.
  Tensor f = tensor({0.0, -2.0}, kDouble);
  f.logical_not_();
  EXPECT_EQ(f.dtype(), kDouble);
  EXPECT_TRUE(near(f, tensor({1.0, 0.0}, kDouble)));
  // torch.tensor([7,12], int32).bitwise_and_(tensor([3,4])) -> int32 [3, 4]
  Tensor i32 = tensor({7, 12}).to(kInt);
  i32.bitwise_and_(tensor({3, 4}));
  EXPECT_EQ(i32.dtype(), kInt);
  EXPECT_EQ(ints(i32), (std::vector<int64_t>{3, 4}));
  // Not differentiable: logical_and(x, x).requires_grad -> False
  Tensor x = tensor({1.0}).requires_grad_();
  EXPECT_FALSE(logical_and(x, x).requires_grad());
  EXPECT_FALSE(logical_not(x).requires_grad());
  // out= refuses inputs that require grad.
  EXPECT_THROW(logical_and_out(ob, x, x), Error);
}

TEST(Bitwise, ErrorsNameTheOp) {
  // PyTorch 1.13: "bitwise_and_cpu" not implemented for 'Float'
  EXPECT_TRUE(has(error_of([] { tensor({1.5}) & tensor({1}); }),
                  "[bitwise_and] \"bitwise_and_cpu\" not implemented for 'Float'"));
  EXPECT_TRUE(
      has(error_of([] { bitwise_or(tensor({1.5}, kDouble), 1); }), "not implemented for 'Double'"));
  EXPECT_TRUE(has(error_of([] { tensor({1.5}).bitwise_not(); }),
                  "\"bitwise_not_cpu\" not implemented for 'Float'"));
  EXPECT_TRUE(has(error_of([] { tensor({true}) << tensor({true}); }),
                  "[bitwise_left_shift] \"bitwise_left_shift_cpu\" not implemented for 'Bool'"));
  EXPECT_TRUE(has(error_of([] { tensor({2.0}) >> 1; }), "[bitwise_right_shift]"));
  EXPECT_TRUE(has(error_of([] { tensor({1.0}).requires_grad_().logical_or_(tensor({1.0})); }),
                  "[logical_or_] a leaf Variable that requires grad"));
  // PyTorch: result type Long can't be cast to the desired output type Bool
  EXPECT_TRUE(has(error_of([] { tensor({true}).bitwise_and_(tensor({1})); }),
                  "can't be cast to the desired output type Bool"));
  // In place cannot broadcast self.
  EXPECT_THROW(tensor({1, 2}).bitwise_or_(tensor({{1, 2}, {3, 4}})), Error);
  EXPECT_THROW(tensor({1, 2, 3}) & tensor({1, 2}), Error);
}
