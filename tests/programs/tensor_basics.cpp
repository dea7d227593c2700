// A libtorch program: factories, views, broadcasting, reductions, out= variants, c10::str and
// printing. Built as C++17, as most libtorch programs are (tests/programs/run.sh).
#include <torch/torch.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#define EXPECT(cond)                                          \
  if (!(cond)) {                                              \
    std::cerr << "check failed: " #cond << std::endl;         \
    return EXIT_FAILURE;                                      \
  }

int main() {
  at::Tensor a = torch::arange(6, torch::dtype(torch::kFloat)).view({2, 3});
  EXPECT(a.sizes() == torch::IntArrayRef({2, 3}));
  at::Tensor b = a.t().contiguous();
  EXPECT(b.stride(0) == 2);
  auto s = (a + torch::ones({3})).sum(/*dim=*/{1}, /*keepdim=*/false);
  EXPECT(s.dim() == 1 && s[0].item<float>() == 6.0f && s[1].item<float>() == 15.0f);
  auto m = a.mean();
  EXPECT(m.item<double>() == 2.5);
  c10::ScalarType st = a.scalar_type();
  EXPECT(st == torch::kFloat32);
  std::ostringstream os;
  os << torch::tensor({1, 2, 3});
  EXPECT(os.str() == " 1\n 2\n 3\n[ CPULongType{3} ]");
  EXPECT(torch::str("sample-", 3, ".pt") == "sample-3.pt" && c10::str(1.5, 'x') == "1.5x");
  // out= variants with libtorch's signatures.
  at::Tensor g = torch::empty({0});
  at::gelu_out(g, a, "tanh");
  EXPECT(torch::allclose(g, torch::gelu(a, "tanh")));
  at::Tensor v = torch::empty({0}), i = torch::empty({0}, torch::kLong);
  at::median_out(v, i, a, /*dim=*/1);
  EXPECT(i[0].item<int64_t>() == 1 && v[1].item<float>() == 4.0f);
  std::cout << a << std::endl;
  return EXIT_SUCCESS;
}
