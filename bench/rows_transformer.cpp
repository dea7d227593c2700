// TransformerEncoderLayer forward+backward. ember's transformer modules may not exist yet in a
// given checkout: the row is only registered when their header is there.
#include "harness.h"

#if __has_include("ember/nn/modules/transformer.h")
#include "ember/nn/modules/transformer.h"
#define BENCH_HAS_TRANSFORMER 1
#endif

namespace bench {

#ifdef BENCH_HAS_TRANSFORMER
namespace {

constexpr int64_t kSeq = 128, kBatch = 4, kModel = 512, kHeads = 8, kFF = 2048;

// d_model 512, 8 heads, feed-forward 2048, dropout 0 (deterministic), input [128, 4, 512];
// gradients of all parameters and the input.
template <class L, class Layer, class Options>
Side encoder_layer() {
  Layer layer(Options(kModel, kHeads).dim_feedforward(kFF).dropout(0.0));
  init_params<L>(layer, 71);
  auto x = L::from(uniform(kSeq * kBatch * kModel, 72), {kSeq, kBatch, kModel});
  auto gy = L::from(uniform(kSeq * kBatch * kModel, 73), {kSeq, kBatch, kModel});
  return forward_backward<L>(layer, x, gy, [](auto& l, const auto& in) { return l->forward(in); });
}

}  // namespace

void add_transformer_rows(std::vector<Row>& rows) {
  // Per token: q, k, v, out projections (4 d^2), feed-forward (2 d ff), scores and weighted sum
  // (2 seq d); forward+backward is about 3x the forward.
  double fwd =
      2.0 * kSeq * kBatch * (4.0 * kModel * kModel + 2.0 * kModel * kFF + 2.0 * kSeq * kModel);
  Row r{"TransformerEncoderLayer fwd+bwd d512 h8 ff2048, [128,4,512]", Unit::Flops32, 3 * fwd,
        [] {
          return encoder_layer<Ember, ember::nn::TransformerEncoderLayer,
                               ember::nn::TransformerEncoderLayerOptions>();
        },
        [] {
          return encoder_layer<Torch, torch::nn::TransformerEncoderLayer,
                               torch::nn::TransformerEncoderLayerOptions>();
        }};
  r.rtol = 1e-3;
  r.atol = 1e-3;
  rows.push_back(r);
}
#else
void add_transformer_rows(std::vector<Row>&) {}
#endif

}  // namespace bench
