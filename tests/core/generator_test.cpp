// src/core/generator.cpp: the default CPU generator, make_generator and manual_seed (mt19937
// seeded as PyTorch's CPUGeneratorImpl). Reference values: PyTorch 1.13 (expression above each).
#include "ember/core/generator.h"

#include <gtest/gtest.h>

#include <thread>

#include "ember/ember.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;

TEST(Generator, DefaultSeedAndStream) {
  // torch.Generator().initial_seed()
  EXPECT_EQ(make_generator().current_seed(), 67280421310721u);
  // torch.rand(3, generator=torch.Generator(), dtype=torch.float64)
  EXPECT_TRUE(all_close(
      rand({3}, make_generator(), kDouble),
      tensor({0.13836205913224875, 0.6823109470364002, 0.2969577693522062}, kDouble), 1e-15, 0));
  EXPECT_TRUE(default_generator().defined());
  EXPECT_EQ(&default_generator(), &default_generator());
  EXPECT_FALSE(Generator().defined());
}

TEST(Generator, ManualSeedSetsTheDefaultGenerator) {
  manual_seed(123);
  EXPECT_EQ(default_generator().current_seed(), 123u);
  // torch.manual_seed(123); torch.randint(0, 1000, (4,))
  EXPECT_TRUE(all_close(randint(0, 1000, {4}), tensor({382L, 789L, 102L, 610L}), 0, 0));
  manual_seed(123);
  Tensor a = rand({5}, kDouble);
  manual_seed(123);
  EXPECT_TRUE(all_close(rand({5}, kDouble), a, 0, 0));
  // The seed is kept in full, the engine uses its low 32 bits, as PyTorch.
  // g = torch.Generator().manual_seed(2**32 + 5); g.initial_seed(); torch.rand(2, generator=g,
  // dtype=torch.float64) (the same numbers as with manual_seed(5))
  Generator g = make_generator((1ull << 32) + 5);
  EXPECT_EQ(g.current_seed(), 4294967301u);
  Tensor r = rand({2}, g, kDouble);
  EXPECT_TRUE(all_close(r, tensor({0.6420150066280941, 0.2597579151763153}, kDouble), 1e-15, 0));
  EXPECT_TRUE(all_close(rand({2}, make_generator(5), kDouble), r, 0, 0));
}

TEST(Generator, ReseedingRestartsTheStreamAndNormalCache) {
  // g = torch.Generator().manual_seed(7); [torch.randn(1, generator=g, dtype=torch.float64)
  // for _ in range(3)]
  Generator g = make_generator(7);
  std::vector<double> got;
  for (int i = 0; i < 3; ++i) got.push_back(randn({1}, g, kDouble).item<double>());
  EXPECT_NEAR(got[0], -0.1467950974849952, 1e-15);
  EXPECT_NEAR(got[1], 0.7861412987235358, 1e-15);
  EXPECT_NEAR(got[2], 0.9468216090039564, 1e-15);
  // After an odd number of normals, reseeding forgets any cached second value.
  g.set_current_seed(7);
  EXPECT_EQ(randn({1}, g, kDouble).item<double>(), got[0]);
  g.set_current_seed(7);
  EXPECT_EQ(randn({1}, g, kFloat).item<float>(), randn({1}, make_generator(7)).item<float>());
}

TEST(Generator, GeneratorsAreIndependent) {
  Generator a = make_generator(1), b = make_generator(1);
  Tensor x = rand({4}, a, kDouble);
  manual_seed(9);
  (void)rand({3});  // draws on the default generator only
  EXPECT_TRUE(all_close(rand({4}, b, kDouble), x, 0, 0));
  // A copy of a Generator shares its state, as in libtorch.
  Generator c = a;
  Tensor y = rand({2}, c, kDouble);
  Tensor z = rand({2}, a, kDouble);
  EXPECT_FALSE(all_close(y, z, 0, 0));
  EXPECT_EQ(c.get(), a.get());
}

TEST(Generator, ConcurrentDrawsTakeDisjointNumbers) {
  // Two threads drawing from one generator: together they consume exactly the numbers one
  // thread would have (the generator's mutex serialises the draws).
  Generator g = make_generator(11);
  Tensor t1, t2;
  std::thread a([&] { t1 = rand({1000}, g, kDouble); });
  std::thread b([&] { t2 = rand({1000}, g, kDouble); });
  a.join();
  b.join();
  Tensor all = rand({2000}, make_generator(11), kDouble);
  Tensor first = all.slice(0, 0, 1000), second = all.slice(0, 1000, 2000);
  EXPECT_TRUE((all_close(t1, first, 0, 0) && all_close(t2, second, 0, 0)) ||
              (all_close(t2, first, 0, 0) && all_close(t1, second, 0, 0)));
}
