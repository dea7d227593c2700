// A libtorch program: MNIST-format files -> Normalize -> Stack -> a threaded data loader, and a
// TensorDataset with a custom collation, as libtorch users write them.
#include <torch/torch.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace {
void write_idx(const std::string& path, std::vector<uint32_t> header, size_t payload) {
  std::ofstream f(path, std::ios::binary);
  for (uint32_t v : header) {
    char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    f.write(b, 4);
  }
  for (size_t i = 0; i < payload; ++i) f.put(static_cast<char>(i % 10));
}
}  // namespace

int main() {
  auto root = std::filesystem::temp_directory_path() /
              ("ember_program_mnist_" + std::to_string(::getpid()));
  std::filesystem::create_directories(root);
  write_idx((root / "train-images-idx3-ubyte").string(), {2051, 200, 28, 28}, 200 * 784);
  write_idx((root / "train-labels-idx1-ubyte").string(), {2049, 200}, 200);

  torch::manual_seed(0);
  auto dataset = torch::data::datasets::MNIST(root.string())
                     .map(torch::data::transforms::Normalize<>(0.1307, 0.3081))
                     .map(torch::data::transforms::Stack<>());
  auto loader = torch::data::make_data_loader<torch::data::samplers::RandomSampler>(
      std::move(dataset), torch::data::DataLoaderOptions().batch_size(64).workers(2));
  int64_t seen = 0, batches = 0;
  for (torch::data::Example<>& batch : *loader) {
    if (batch.data.sizes() != torch::IntArrayRef({batch.target.size(0), 1, 28, 28})) return 1;
    seen += batch.target.size(0);
    ++batches;
  }
  std::filesystem::remove_all(root);

  auto pairs =
      torch::data::datasets::TensorDataset(torch::arange(10).view({5, 2}))
          .map(torch::data::transforms::Collate<torch::data::TensorExample>(
              [](std::vector<torch::data::TensorExample> e) {
                return torch::data::TensorExample(torch::stack({e.front().data, e.back().data}));
              }));
  auto seq = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      std::move(pairs), torch::data::DataLoaderOptions(3));
  int64_t first_sum = -1;
  for (auto& b : *seq) {
    if (first_sum < 0) first_sum = b.data.sum().item<int64_t>();
  }
  std::cout << "batches " << batches << " examples " << seen << " first " << first_sum << std::endl;
  // Rows 0 and 2 of [[0,1],[2,3],[4,5],...]: 0 + 1 + 4 + 5 = 10.
  return seen == 200 && batches == 4 && first_sum == 10 ? EXIT_SUCCESS : EXIT_FAILURE;
}
