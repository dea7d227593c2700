// A libtorch program: an LSTM + attention sequence model trained on a toy task (sum of a sequence
// is positive?), using packed variable-length batches.
#include <torch/torch.h>

#include <cstdlib>
#include <iostream>
#include <tuple>
#include <vector>

struct NetImpl : torch::nn::Module {
  NetImpl()
      : lstm(torch::nn::LSTMOptions(1, 8).num_layers(2).bidirectional(true)),
        gru(torch::nn::GRUOptions(16, 8)),
        mha(torch::nn::MultiheadAttentionOptions(8, 2)),
        head(8, 1) {
    register_module("lstm", lstm);
    register_module("gru", gru);
    register_module("mha", mha);
    register_module("head", head);
  }
  torch::Tensor forward(const std::vector<torch::Tensor>& seqs) {
    std::vector<int64_t> lengths;
    for (const auto& s : seqs) lengths.push_back(s.size(0));
    torch::Tensor padded = torch::nn::utils::rnn::pad_sequence(seqs);
    auto packed = torch::nn::utils::rnn::pack_padded_sequence(
        padded, torch::tensor(lengths), /*batch_first=*/false, /*enforce_sorted=*/false);
    auto [out, hc] = lstm->forward_with_packed_input(packed);
    auto [out2, h2] = gru->forward_with_packed_input(out);
    torch::Tensor y, lens;
    std::tie(y, lens) = torch::nn::utils::rnn::pad_packed_sequence(out2);
    torch::Tensor kpm = torch::arange(y.size(0)).unsqueeze(0) >= lens.unsqueeze(1);
    auto [att, w] = mha->forward(y, y, y, kpm);
    return head->forward(att.sum(0) / lens.unsqueeze(1).to(torch::kFloat)).squeeze(1) +
           head->forward(h2[0]).squeeze(1);
  }
  torch::nn::LSTM lstm;
  torch::nn::GRU gru;
  torch::nn::MultiheadAttention mha;
  torch::nn::Linear head;
};
TORCH_MODULE(Net);

int main() {
  torch::manual_seed(0);
  Net net;
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(0.01));
  auto batch = [](int64_t n) {
    std::vector<torch::Tensor> seqs;
    std::vector<float> labels;
    for (int64_t i = 0; i < n; ++i) {
      torch::Tensor s = torch::randn({2 + (i * 7) % 6, 1});
      seqs.push_back(s);
      labels.push_back(s.sum().item<float>() > 0 ? 1.f : 0.f);
    }
    return std::make_tuple(seqs, torch::tensor(labels));
  };
  float first = 0, last = 0;
  for (int step = 0; step < 60; ++step) {
    auto [seqs, labels] = batch(16);
    torch::Tensor loss = (torch::sigmoid(net->forward(seqs)) - labels).pow(2).mean();
    opt.zero_grad();
    loss.backward();
    opt.step();
    if (step < 5) first += loss.item<float>() / 5;
    if (step >= 55) last += loss.item<float>() / 5;
  }
  std::cout << "loss " << first << " -> " << last << std::endl;
  std::cout << net->lstm << std::endl;
  return last < first ? EXIT_SUCCESS : EXIT_FAILURE;
}
