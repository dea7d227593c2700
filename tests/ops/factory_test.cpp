// src/ops/factory.cpp: empty/empty_strided/zeros/ones/full/scalar_tensor, the *_like factories,
// arange/linspace/logspace/eye, from_blob and tensor(): values vs PyTorch 1.13 (expressions in
// comments) or closed forms, dtype inference, memory formats and strides, requires_grad, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "support/gradcheck.h"
#include "support/op_helpers.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::has;
using ember::testing::same;
using V = std::vector<int64_t>;

TEST(Factory, ArangeCountsAndDtypes) {
  // torch.arange(0, 1, 0.1).numel() -> 10; arange(1, 2.5, 0.5) -> [1., 1.5, 2.]
  EXPECT_EQ(arange(0, 1, 0.1).numel(), 10);
  EXPECT_TRUE(same(arange(1, 2.5, 0.5), tensor({1.0f, 1.5f, 2.0f})));
  // torch.arange(10, 0, -3) -> [10, 7, 4, 1]; arange(0, 10, 3) -> [0, 3, 6, 9]
  EXPECT_TRUE(same(arange(10, 0, -3), tensor({10, 7, 4, 1})));
  EXPECT_TRUE(same(arange(0, 10, 3), tensor({0, 3, 6, 9})));
  // torch.arange(-1.5, 1, 0.75) -> [-1.5, -0.75, 0., 0.75]; arange(5, 5).shape -> [0] (int64)
  EXPECT_TRUE(same(arange(-1.5, 1, 0.75), tensor({-1.5f, -0.75f, 0.0f, 0.75f})));
  EXPECT_TRUE(same(arange(5, 5), empty({0}, kLong)));
  // torch.arange(250, 260, 3, dtype=torch.uint8) -> [250, 253, 0, 3] (wraps)
  EXPECT_TRUE(same(arange(250, 260, 3, kByte), tensor({250, 253, 0, 3}).to(kByte)));
  // torch.arange(0, 1, 0.25, dtype=torch.bfloat16) -> [0, .25, .5, .75]
  EXPECT_TRUE(same(arange(0, 1, 0.25, kBFloat16), tensor({0.0, 0.25, 0.5, 0.75}).to(kBFloat16)));
  EXPECT_EQ(arange(0, 10, 3.5).dtype(), kFloat);
  EXPECT_EQ(arange(3, kDouble).dtype(), kDouble);
  // Integral dtypes truncate floating bounds and step to int64 first (PyTorch 1.13):
  // arange(-2.7, 3.2, 1.9, dtype=long) -> [-2, -1, 0, 1, 2]; dtype=int16 -> [-2, -1, 0, 1]
  EXPECT_TRUE(same(arange(-2.7, 3.2, 1.9, kLong), tensor({-2, -1, 0, 1, 2})));
  EXPECT_TRUE(same(arange(-2.7, 3.2, 1.9, kShort), tensor({-2, -1, 0, 1}).to(kShort)));
  // arange(0, 5.5, dtype=uint8) -> [0..5]; arange(4.9, dtype=long) -> [0..3];
  // arange(0.5, 3.5, 1.5, dtype=int32) -> [0, 1]
  EXPECT_TRUE(same(arange(0, 5.5, kByte), tensor({0, 1, 2, 3, 4, 5}).to(kByte)));
  EXPECT_TRUE(same(arange(4.9, kLong), tensor({0, 1, 2, 3})));
  EXPECT_TRUE(same(arange(0.5, 3.5, 1.5, kInt), tensor({0, 1}).to(kInt)));
  // arange(0, 2.5, 0.5, dtype=long) -> RuntimeError: step must be nonzero
  EXPECT_TRUE(has(error_of([] { arange(0, 2.5, 0.5, kLong); }), "[arange] step must be nonzero"));
  EXPECT_TRUE(has(error_of([] { arange(0, 5, 0); }), "[arange] step must be nonzero"));
  EXPECT_TRUE(has(error_of([] { arange(0, 5, -1); }),
                  "[arange] upper bound and larger bound inconsistent with step sign"));
  EXPECT_TRUE(has(error_of([] { arange(0, INFINITY); }), "[arange] unsupported range"));
  // requires_grad only for floating dtypes.
  Tensor g = arange(3, TensorOptions(kDouble).requires_grad(true));
  EXPECT_TRUE(g.requires_grad());
  EXPECT_TRUE(g.is_leaf());
  EXPECT_TRUE(has(error_of([] { arange(3, TensorOptions(kLong).requires_grad(true)); }),
                  "[factory] Only Tensors of floating point dtype can require gradients"));
}

TEST(Factory, LinspaceLogspace) {
  // torch.linspace(-1, 1, 5); linspace(3, 7, 1) -> [3.]; linspace(3, 7, 0) -> []
  EXPECT_TRUE(same(linspace(-1, 1, 5), tensor({-1.0f, -0.5f, 0.0f, 0.5f, 1.0f})));
  EXPECT_TRUE(same(linspace(3, 7, 1), tensor({3.0f})));
  EXPECT_EQ(linspace(3, 7, 0).sizes(), IntArrayRef({0}));
  // torch.linspace(0, 10, 4, dtype=torch.int64) -> [0, 3, 6, 10]; (10, 0, 4, int32) -> [10, 6, 3,
  // 0]
  EXPECT_TRUE(same(linspace(0, 10, 4, kLong), tensor({0, 3, 6, 10})));
  EXPECT_TRUE(same(linspace(10, 0, 4, kInt), tensor({10, 6, 3, 0}).to(kInt)));
  // torch.linspace(0, 1, 7).tolist() (PyTorch computes in float: within an ulp of these).
  EXPECT_TRUE(all_close(linspace(0, 1, 7),
                        tensor({0.0f, 0.1666666716337204f, 0.3333333432674408f, 0.5f,
                                0.6666666269302368f, 0.8333333134651184f, 1.0f}),
                        1e-7, 1e-7));
  // Symmetric: the first half from the start, the second from the end, both ends exact.
  Tensor l = linspace(0.1, 2.9, 1001, kDouble);
  EXPECT_EQ(l.select(0, 0).item<double>(), 0.1);
  EXPECT_EQ(l.select(0, 1000).item<double>(), 2.9);
  EXPECT_TRUE(all_close(l + l.flip({0}), full({1001}, 3.0, kDouble), 1e-14, 1e-14));
  // torch.logspace(0, 3, 4, base=2) -> [1, 2, 4, 8]; logspace(-1, 1, 3, dtype=double);
  // logspace(1, 1, 1) -> [10.]
  EXPECT_TRUE(same(logspace(0, 3, 4, 2), tensor({1.0f, 2.0f, 4.0f, 8.0f})));
  EXPECT_TRUE(
      all_close(logspace(-1, 1, 3, 10, kDouble), tensor({0.1, 1.0, 10.0}, kDouble), 1e-15, 0));
  EXPECT_TRUE(same(logspace(1, 1, 1), tensor({10.0f})));
  EXPECT_EQ(logspace(0, 1, 0).numel(), 0);
  EXPECT_TRUE(
      has(error_of([] { linspace(0, 1, -1); }), "[linspace] number of steps must be non-negative"));
  EXPECT_TRUE(
      has(error_of([] { logspace(0, 1, -1); }), "[logspace] number of steps must be non-negative"));
}

TEST(Factory, EyeFullAndScalarTensor) {
  // torch.eye(2, 3); torch.eye(3, dtype=torch.bool)
  EXPECT_TRUE(same(eye(2, 3), tensor({{1.0f, 0.0f, 0.0f}, {0.0f, 1.0f, 0.0f}})));
  EXPECT_TRUE(same(eye(3, kBool),
                   tensor({{true, false, false}, {false, true, false}, {false, false, true}})));
  EXPECT_EQ(eye(0).sizes(), IntArrayRef({0, 0}));
  EXPECT_EQ(eye(3, 0, kLong).sizes(), IntArrayRef({3, 0}));
  EXPECT_TRUE(eye(2, TensorOptions(kDouble).requires_grad(true)).requires_grad());
  EXPECT_TRUE(has(error_of([] { eye(-1); }), "[eye] n must be greater or equal to 0, got -1"));
  EXPECT_TRUE(has(error_of([] { eye(2, -3); }), "[eye] m must be greater or equal to 0, got -3"));
  // torch.full((2,), True).dtype -> bool; full((2,), 3) -> int64; full((2,), 3.5) -> float32
  EXPECT_TRUE(same(full({2}, true), tensor({true, true})));
  EXPECT_TRUE(same(full({2}, 3), tensor({3, 3})));
  EXPECT_TRUE(same(full({2}, 3.5), tensor({3.5f, 3.5f})));
  EXPECT_TRUE(same(full({2}, 3.5, kInt), tensor({3, 3}).to(kInt)));
  Tensor cl = full({2, 3, 4, 5}, 2.0, TensorOptions().memory_format(MemoryFormat::ChannelsLast));
  EXPECT_EQ(cl.strides(), IntArrayRef(V{60, 1, 15, 3}));
  EXPECT_EQ(cl.sum().item<float>(), 240.0f);
  EXPECT_EQ(full({}, 1.5).dim(), 0);
  EXPECT_EQ(full({0, 3}, 1.5).numel(), 0);
  // torch.scalar_tensor(3) -> tensor(3.)
  Tensor s = scalar_tensor(3);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.dtype(), kFloat);
  EXPECT_EQ(s.item<float>(), 3.0f);
  EXPECT_EQ(scalar_tensor(true, kBool).item<bool>(), true);
  EXPECT_TRUE(same(scalar_tensor(2.5, kDouble), tensor(2.5, kDouble)));
  // The default dtype decides floating factories without a dtype.
  set_default_dtype(kDouble);
  ScalarType fd = full({1}, 0.5).dtype(), ad = arange(0.5).dtype(), ld = linspace(0, 1, 2).dtype(),
             td = tensor({1.5}).dtype(), zd = zeros({1}).dtype();
  set_default_dtype(kFloat);
  EXPECT_EQ(fd, kDouble);
  EXPECT_EQ(ad, kDouble);
  EXPECT_EQ(ld, kDouble);
  EXPECT_EQ(td, kDouble);
  EXPECT_EQ(zd, kDouble);
}

TEST(Factory, MemoryFormatsStridedAndLike) {
  for (const Tensor& t :
       {zeros({2, 3, 4, 5}, TensorOptions().memory_format(MemoryFormat::ChannelsLast)),
        ones({2, 3, 4, 5}, TensorOptions().memory_format(MemoryFormat::ChannelsLast)),
        empty({2, 3, 4, 5}, {}, MemoryFormat::ChannelsLast)}) {
    EXPECT_EQ(t.strides(), IntArrayRef(V{60, 1, 15, 3}));
  }
  EXPECT_EQ(ones({2, 3, 4, 5}, TensorOptions().memory_format(MemoryFormat::ChannelsLast))
                .sum()
                .item<float>(),
            120.0f);
  EXPECT_TRUE(has(error_of([] {
                    empty({2, 3, 4, 5}, TensorOptions().memory_format(MemoryFormat::ChannelsLast),
                          MemoryFormat::Contiguous);
                  }),
                  "[empty] Cannot set memory_format both in TensorOptions and explicit argument"));
  EXPECT_TRUE(has(error_of([] {
                    zeros({2, 3}, TensorOptions().memory_format(MemoryFormat::ChannelsLast));
                  }),
                  "[zeros] required rank 4 tensor to use channels_last format"));
  EXPECT_TRUE(has(error_of([] {
                    ones({2, 3}, TensorOptions().memory_format(MemoryFormat::ChannelsLast3d));
                  }),
                  "[ones] required rank 5 tensor to use channels_last_3d format"));
  // torch.empty_strided((2,3), (1,2)).stride() -> (1, 2)
  Tensor es = empty_strided({2, 3}, {1, 2});
  EXPECT_EQ(es.strides(), IntArrayRef(V{1, 2}));
  es.copy_(tensor({{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}}));
  EXPECT_TRUE(same(es.contiguous(), tensor({{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}})));
  EXPECT_EQ(empty_strided({0, 3}, {3, 1}).numel(), 0);
  EXPECT_TRUE(has(error_of([] {
                    empty_strided({2, 3}, {1});
                  }),
                  "[empty_strided] mismatch in length of strides (1) and shape (2)"));
  EXPECT_TRUE(has(error_of([] {
                    empty_strided({2, 3}, {-1, 1});
                  }),
                  "[empty_strided] negative strides are not supported"));
  // torch.zeros_like(int32 [2,3], dtype=double); the options override dtype and requires_grad.
  Tensor i = zeros({2, 3}, kInt);
  EXPECT_TRUE(same(zeros_like(i, kDouble), zeros({2, 3}, kDouble)));
  EXPECT_TRUE(same(ones_like(i), ones({2, 3}, kInt)));
  EXPECT_TRUE(same(full_like(i, 7), full({2, 3}, 7, kInt)));
  Tensor r = ones_like(zeros({2}), TensorOptions().requires_grad(true));
  EXPECT_TRUE(r.requires_grad() && r.is_leaf());
  EXPECT_THROW(zeros_like(i, TensorOptions().requires_grad(true)), Error);
  // A non-dense (expanded) input gets a dense result; an explicit format wins over Preserve.
  Tensor ex = zeros_like(ones({3, 1}).expand({3, 4}));
  EXPECT_EQ(ex.strides(), IntArrayRef(V{4, 1}));
  EXPECT_EQ(empty_like(zeros({2, 3, 4, 5}), {}, MemoryFormat::ChannelsLast).strides(),
            IntArrayRef(V{60, 1, 15, 3}));
  EXPECT_TRUE(has(error_of([] {
                    empty_like(zeros({2}), TensorOptions().memory_format(MemoryFormat::Contiguous),
                               MemoryFormat::Contiguous);
                  }),
                  "[empty_like] Cannot set memory_format both"));
}

TEST(Factory, FromBlobAndTensor) {
  float data[6] = {0, 1, 2, 3, 4, 5};
  // Strided view of foreign memory, shared both ways.
  Tensor b = from_blob(data, {2, 2}, {3, 1});
  EXPECT_TRUE(same(b.contiguous(), tensor({{0.0f, 1.0f}, {3.0f, 4.0f}})));
  {
    NoGradGuard ng;
    b.select(0, 1).fill_(9);
  }
  EXPECT_EQ(data[3], 9.0f);
  EXPECT_EQ(data[4], 9.0f);
  EXPECT_EQ(data[2], 2.0f);
  EXPECT_TRUE(has(error_of([&] {
                    from_blob(data, {2, 2}, {3});
                  }),
                  "[from_blob] sizes and strides differ in length"));
  EXPECT_TRUE(has(error_of([&] { from_blob(data, {2}, {-1}); }),
                  "[from_blob] negative strides are not supported"));
  // The deleter runs when the last reference goes.
  int deleted = 0;
  {
    Tensor d = from_blob(
        data, {6}, [&deleted](void*) { ++deleted; }, kFloat);
    EXPECT_EQ(d.sum().item<float>(), 0 + 1 + 2 + 9 + 9 + 5);
    EXPECT_EQ(deleted, 0);
  }
  EXPECT_EQ(deleted, 1);
  // tensor(): braced integers -> int64, floating -> the default dtype, bools -> bool, vectors keep
  // their element type, options override.
  EXPECT_EQ(tensor({{1, 2}, {3, 4}}).dtype(), kLong);
  EXPECT_EQ(tensor({{1, 2}, {3, 4}}).sizes(), IntArrayRef({2, 2}));
  EXPECT_EQ(tensor({1.5, 2.5}).dtype(), kFloat);
  EXPECT_EQ(tensor({true, false}).dtype(), kBool);
  EXPECT_EQ(tensor(std::vector<int32_t>{1, 2}).dtype(), kInt);
  EXPECT_EQ(tensor(std::vector<double>{1, 2}).dtype(), kDouble);
  EXPECT_TRUE(same(tensor(std::vector<bool>{true, false, true}), tensor({true, false, true})));
  EXPECT_TRUE(same(tensor({1, 2}, kDouble), tensor(std::vector<double>{1, 2})));
  EXPECT_EQ(tensor(2.5).dim(), 0);
  EXPECT_TRUE(tensor({1.0, 2.0}, TensorOptions(kDouble).requires_grad(true)).requires_grad());
  // torch.tensor([[1,2],[3]]) -> ValueError: expected sequence of length 2 at dim 1 (got 1)
  EXPECT_TRUE(has(error_of([] {
                    tensor({{1, 2}, {3}});
                  }),
                  "[tensor] Expected all sub-lists to have sizes: [2], but got sub-list with "
                  "sizes: [1]"));
  EXPECT_TRUE(has(error_of([] {
                    tensor({1, 2.5});
                  }),
                  "[tensor] Expected all elements of the tensor to have the same scalar type"));
  EXPECT_TRUE(has(error_of([] {
                    tensor({1, 2}, TensorOptions(kLong).requires_grad(true));
                  }),
                  "Only Tensors of floating point dtype can require gradients"));
}

// A factory's tensor starts at version 0 though it was filled (PyTorch 1.13: torch.zeros(3),
// ones, full, eye, arange, zeros_like, linspace, randn, rand, randint, randperm, normal and
// bernoulli all have _version == 0); an in-place op then counts from there.
TEST(Factory, FreshTensorsAtVersionZero) {
  Tensor x = ones({3});
  for (const Tensor& t :
       {zeros({3}), ones({3}), full({2}, 3.), eye(3), arange(3), zeros_like(x), ones_like(x),
        full_like(x, 2), linspace(0, 1, 3), randn({3}), rand({3}), randint(0, 5, {3}), randperm(4),
        normal(0., 1., {3}), bernoulli(full({3}, 0.5))}) {
    EXPECT_EQ(t._version(), 0) << t;
  }
  Tensor z = zeros({3});
  z.add_(1);
  EXPECT_EQ(z._version(), 1);
}
