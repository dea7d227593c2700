// The nn part of the op table: losses, normalization, embeddings, convolution, pooling, padding,
// resampling, attention and RNN cells, one line per op of tools/gen_golden.py's LOSS, NORM,
// EMBEDDING, CONV, POOL, MISC, ATTENTION and RNN lists, called as a libtorch user calls them
// (torch::nn::functional with its option structs, or the ATen-level op where libtorch's
// functional has no form). Optional tensors are trailing inputs; options are keyword arguments.
#include "opdb/opdb.h"

namespace ember {
namespace opdb {

namespace {
namespace F = nn::functional;

// The i-th input, or an undefined tensor where the sample has fewer inputs.
Tensor opt(X x, size_t i) { return i < x.size() ? x[i] : Tensor(); }

double d_or(A a, std::string_view name, double def) { return a.has(name) ? a.d(name) : def; }
bool b_or(A a, std::string_view name, bool def) { return a.has(name) ? a.b(name) : def; }
int64_t i_or(A a, std::string_view name, int64_t def) { return a.has(name) ? a.i(name) : def; }
std::vector<int64_t> ints_or(A a, std::string_view name, std::vector<int64_t> def) {
  return a.has(name) ? a.int_list(name) : def;
}
std::optional<int64_t> opt_i(A a, std::string_view name) {
  return a.has(name) ? std::optional<int64_t>(a.i(name)) : std::nullopt;
}
std::optional<double> opt_d(A a, std::string_view name) {
  return a.has(name) ? std::optional<double>(a.d(name)) : std::nullopt;
}

// A 1-d int64 tensor of the argument's values (ctc lengths, embedding_bag offsets).
Tensor longs(A a, std::string_view name) {
  std::vector<int64_t> v = a.ints(name);
  Tensor t = empty({static_cast<int64_t>(v.size())}, kLong);
  std::copy(v.begin(), v.end(), t.data_ptr<int64_t>());
  return t;
}

// The "reduction" argument as the options' reduction tag.
template <class O>
O red(O o, A a) {
  const std::string& r = a.s("reduction");
  if (r == "none") return o.reduction(kNone);
  if (r == "sum") return o.reduction(kSum);
  if constexpr (std::is_same_v<O, F::KLDivFuncOptions>)
    if (r == "batchmean") return o.reduction(kBatchMean);
  return o.reduction(kMean);
}

// The row of a loss whose only option is the reduction: loss(x[0], x[1], reduction).
template <class O>
OpFn reduction_loss(Tensor (*loss)(const Tensor&, const Tensor&, const O&)) {
  return [loss](X x, A a) { return loss(x[0], x[1], red(O(), a)); };
}

F::InterpolateFuncOptions interpolate_mode(const std::string& m) {
  F::InterpolateFuncOptions o;
  if (m == "linear") return o.mode(kLinear);
  if (m == "bilinear") return o.mode(kBilinear);
  if (m == "bicubic") return o.mode(kBicubic);
  if (m == "trilinear") return o.mode(kTrilinear);
  return o.mode(kNearest);
}

nn::EmbeddingBagMode bag_mode(A a) {
  std::string m = a.has("mode") ? a.s("mode") : "mean";
  if (m == "sum") return enumtype::kSum();
  if (m == "max") return enumtype::kMax();
  return enumtype::kMean();
}

Tensor conv_nd(int d, X x, A a) {
  Tensor b = opt(x, 2);
  std::vector<int64_t> s = ints_or(a, "stride", {1}), dl = ints_or(a, "dilation", {1});
  int64_t g = i_or(a, "groups", 1);
  if (a.has("padding") && a.is_string("padding")) {
    const std::string& p = a.s("padding");
    if (d == 1) return ember::conv1d(x[0], x[1], b, s, p, dl, g);
    if (d == 2) return ember::conv2d(x[0], x[1], b, s, p, dl, g);
    return ember::conv3d(x[0], x[1], b, s, p, dl, g);
  }
  std::vector<int64_t> p = ints_or(a, "padding", {0});
  if (d == 1) return ember::conv1d(x[0], x[1], b, s, p, dl, g);
  if (d == 2) return ember::conv2d(x[0], x[1], b, s, p, dl, g);
  return ember::conv3d(x[0], x[1], b, s, p, dl, g);
}

Tensor conv_transpose_nd(int d, X x, A a) {
  Tensor b = opt(x, 2);
  std::vector<int64_t> s = ints_or(a, "stride", {1}), p = ints_or(a, "padding", {0}),
                       op = ints_or(a, "output_padding", {0}), dl = ints_or(a, "dilation", {1});
  int64_t g = i_or(a, "groups", 1);
  if (d == 1) return ember::conv_transpose1d(x[0], x[1], b, s, p, op, g, dl);
  if (d == 2) return ember::conv_transpose2d(x[0], x[1], b, s, p, op, g, dl);
  return ember::conv_transpose3d(x[0], x[1], b, s, p, op, g, dl);
}

// Pooling arguments: kernel_size, stride (default: the kernel), padding, dilation, ceil_mode.
struct Pool {
  explicit Pool(A a)
      : k(a.int_list("kernel_size")),
        s(ints_or(a, "stride", {})),
        p(ints_or(a, "padding", {0})),
        d(ints_or(a, "dilation", {1})),
        ceil(b_or(a, "ceil_mode", false)),
        include_pad(b_or(a, "count_include_pad", true)),
        divisor(opt_i(a, "divisor_override")) {}
  std::vector<int64_t> k, s, p, d;
  bool ceil, include_pad;
  std::optional<int64_t> divisor;
};

Tensor cell_output(const std::tuple<Tensor, Tensor>& hc) {
  return ember::cat({std::get<0>(hc).reshape({-1}), std::get<1>(hc).reshape({-1})});
}
}  // namespace

const std::map<std::string, OpFn>& nn_op_table() {
  static const std::map<std::string, OpFn> table = {
      // losses
      {"mse_loss", reduction_loss(&F::mse_loss)},
      {"l1_loss", reduction_loss(&F::l1_loss)},
      {"smooth_l1_loss",
       [](X x, A a) {
         auto o = F::SmoothL1LossFuncOptions().beta(d_or(a, "beta", 1.0));
         return F::smooth_l1_loss(x[0], x[1], red(o, a), d_or(a, "beta", 1.0));
       }},
      {"huber_loss",
       [](X x, A a) {
         auto o = F::HuberLossFuncOptions().delta(d_or(a, "delta", 1.0));
         return F::huber_loss(x[0], x[1], red(o, a));
       }},
      {"soft_margin_loss", reduction_loss(&F::soft_margin_loss)},
      {"binary_cross_entropy",
       [](X x, A a) {
         auto o = F::BinaryCrossEntropyFuncOptions().weight(opt(x, 2));
         return F::binary_cross_entropy(x[0], x[1], red(o, a));
       }},
      {"binary_cross_entropy_with_logits",
       [](X x, A a) {
         auto o = F::BinaryCrossEntropyWithLogitsFuncOptions().weight(opt(x, 2)).pos_weight(
             opt(x, 3));
         return F::binary_cross_entropy_with_logits(x[0], x[1], red(o, a));
       }},
      {"kl_div",
       [](X x, A a) {
         auto o = F::KLDivFuncOptions().log_target(b_or(a, "log_target", false));
         return F::kl_div(x[0], x[1], red(o, a));
       }},
      {"poisson_nll_loss",
       [](X x, A a) {
         auto o = F::PoissonNLLLossFuncOptions()
                      .log_input(b_or(a, "log_input", true))
                      .full(b_or(a, "full", false));
         return F::poisson_nll_loss(x[0], x[1], red(o, a));
       }},
      {"gaussian_nll_loss",
       [](X x, A a) {
         auto o = F::GaussianNLLLossFuncOptions().full(b_or(a, "full", false));
         return F::gaussian_nll_loss(x[0], x[1], x[2], red(o, a));
       }},
      {"margin_ranking_loss",
       [](X x, A a) {
         auto o = F::MarginRankingLossFuncOptions().margin(d_or(a, "margin", 0.0));
         return F::margin_ranking_loss(x[0], x[1], x[2], red(o, a));
       }},
      {"hinge_embedding_loss",
       [](X x, A a) {
         auto o = F::HingeEmbeddingLossFuncOptions().margin(d_or(a, "margin", 1.0));
         return F::hinge_embedding_loss(x[0], x[1], red(o, a));
       }},
      {"cosine_embedding_loss",
       [](X x, A a) {
         auto o = F::CosineEmbeddingLossFuncOptions().margin(d_or(a, "margin", 0.0));
         return F::cosine_embedding_loss(x[0], x[1], x[2], red(o, a));
       }},
      {"triplet_margin_loss",
       [](X x, A a) {
         auto o = F::TripletMarginLossFuncOptions()
                      .margin(d_or(a, "margin", 1.0))
                      .p(d_or(a, "p_norm", 2.0))
                      .swap(b_or(a, "swap", false));
         return F::triplet_margin_loss(x[0], x[1], x[2], red(o, a));
       }},
      {"triplet_margin_with_distance_loss",
       [](X x, A a) {
         auto o = F::TripletMarginWithDistanceLossFuncOptions()
                      .margin(d_or(a, "margin", 1.0))
                      .swap(b_or(a, "swap", false));
         return F::triplet_margin_with_distance_loss(x[0], x[1], x[2], red(o, a));
       }},
      {"multi_margin_loss",
       [](X x, A a) {
         auto o = F::MultiMarginLossFuncOptions()
                      .p(i_or(a, "p", 1))
                      .margin(d_or(a, "margin", 1.0))
                      .weight(opt(x, 2));
         return F::multi_margin_loss(x[0], x[1], red(o, a));
       }},
      {"multilabel_margin_loss", reduction_loss(&F::multilabel_margin_loss)},
      {"multilabel_soft_margin_loss",
       [](X x, A a) {
         auto o = F::MultilabelSoftMarginLossFuncOptions().weight(opt(x, 2));
         return F::multilabel_soft_margin_loss(x[0], x[1], red(o, a));
       }},
      {"nll_loss",
       [](X x, A a) {
         auto o = F::NLLLossFuncOptions().weight(opt(x, 2)).ignore_index(a.i("ignore_index"));
         return F::nll_loss(x[0], x[1], red(o, a));
       }},
      {"cross_entropy",
       [](X x, A a) {
         auto o = F::CrossEntropyFuncOptions()
                      .weight(opt(x, 2))
                      .ignore_index(a.i("ignore_index"))
                      .label_smoothing(d_or(a, "label_smoothing", 0.0));
         return F::cross_entropy(x[0], x[1], red(o, a));
       }},
      {"ctc_loss",
       [](X x, A a) {
         auto o = F::CTCLossFuncOptions().blank(a.i("blank")).zero_infinity(a.b("zero_infinity"));
         return F::ctc_loss(x[0].log_softmax(-1), x[1], longs(a, "input_lengths"),
                            longs(a, "target_lengths"), red(o, a));
       }},

      // normalization
      {"batch_norm_eval",
       [](X x, A a) {
         auto o = F::BatchNormFuncOptions()
                      .weight(opt(x, 3))
                      .bias(opt(x, 4))
                      .training(false)
                      .eps(d_or(a, "eps", 1e-5));
         return F::batch_norm(x[0], x[1], x[2], o);
       }},
      {"batch_norm_train",
       [](X x, A a) {
         auto o = F::BatchNormFuncOptions()
                      .weight(opt(x, 1))
                      .bias(opt(x, 2))
                      .training(true)
                      .eps(d_or(a, "eps", 1e-5));
         return F::batch_norm(x[0], Tensor(), Tensor(), o);
       }},
      {"batch_norm_stats",
       [](X x, A a) {
         Tensor rm = x[1].clone(), rv = x[2].clone();
         F::batch_norm(x[0], rm, rv,
                       F::BatchNormFuncOptions().training(true).momentum(a.d("momentum")));
         return ember::cat({rm, rv});
       }},
      {"layer_norm",
       [](X x, A a) {
         auto o = F::LayerNormFuncOptions(a.ints("normalized_shape"))
                      .weight(opt(x, 1))
                      .bias(opt(x, 2))
                      .eps(d_or(a, "eps", 1e-5));
         return F::layer_norm(x[0], o);
       }},
      {"group_norm",
       [](X x, A a) {
         auto o = F::GroupNormFuncOptions(a.i("num_groups"))
                      .weight(opt(x, 1))
                      .bias(opt(x, 2))
                      .eps(d_or(a, "eps", 1e-5));
         return F::group_norm(x[0], o);
       }},
      {"instance_norm",
       [](X x, A a) {
         auto o = F::InstanceNormFuncOptions().weight(opt(x, 1)).bias(opt(x, 2)).eps(
             d_or(a, "eps", 1e-5));
         return F::instance_norm(x[0], o);
       }},
      {"instance_norm_running",
       [](X x, A a) {
         auto o = F::InstanceNormFuncOptions()
                      .running_mean(x[1])
                      .running_var(x[2])
                      .use_input_stats(false)
                      .eps(d_or(a, "eps", 1e-5));
         return F::instance_norm(x[0], o);
       }},
      {"rms_norm",
       [](X x, A a) {
         auto o = F::RMSNormFuncOptions(a.ints("normalized_shape"))
                      .weight(opt(x, 1))
                      .eps(opt_d(a, "eps"));
         return F::rms_norm(x[0], o);
       }},
      {"local_response_norm",
       [](X x, A a) {
         auto o = F::LocalResponseNormFuncOptions(a.i("size"))
                      .alpha(d_or(a, "alpha", 1e-4))
                      .beta(d_or(a, "beta", 0.75))
                      .k(d_or(a, "k", 1.0));
         return F::local_response_norm(x[0], o);
       }},
      {"normalize",
       [](X x, A a) {
         auto o = F::NormalizeFuncOptions()
                      .p(d_or(a, "p", 2.0))
                      .dim(i_or(a, "dim", 1))
                      .eps(d_or(a, "eps", 1e-12));
         return F::normalize(x[0], o);
       }},

      // embeddings, distances, softmax with a dtype
      {"embedding",
       [](X x, A a) {
         auto o = F::EmbeddingFuncOptions()
                      .padding_idx(opt_i(a, "padding_idx"))
                      .scale_grad_by_freq(b_or(a, "scale_grad_by_freq", false));
         return F::embedding(x[0], x[1], o);
       }},
      {"embedding_bag",
       [](X x, A a) {
         auto o = F::EmbeddingBagFuncOptions()
                      .offsets(a.has("offsets") ? longs(a, "offsets").to(x[0].device()) : Tensor())
                      .mode(bag_mode(a))
                      .per_sample_weights(opt(x, 2))
                      .include_last_offset(b_or(a, "include_last_offset", false))
                      .padding_idx(opt_i(a, "padding_idx"));
         return F::embedding_bag(x[0], x[1], o);
       }},
      {"one_hot", [](X x, A a) { return F::one_hot(x[0], i_or(a, "num_classes", -1)); }},
      {"cosine_similarity",
       [](X x, A a) {
         auto o = F::CosineSimilarityFuncOptions().dim(i_or(a, "dim", 1)).eps(d_or(a, "eps", 1e-8));
         return F::cosine_similarity(x[0], x[1], o);
       }},
      {"pairwise_distance",
       [](X x, A a) {
         auto o = F::PairwiseDistanceFuncOptions()
                      .p(d_or(a, "p", 2.0))
                      .eps(d_or(a, "eps", 1e-6))
                      .keepdim(b_or(a, "keepdim", false));
         return F::pairwise_distance(x[0], x[1], o);
       }},
      {"softmax_dtype",
       [](X x, A a) {
         return F::softmax(x[0], F::SoftmaxFuncOptions(a.i("dim")).dtype(a.dtype("dtype")));
       }},
      {"log_softmax_dtype",
       [](X x, A a) {
         return F::log_softmax(x[0], F::LogSoftmaxFuncOptions(a.i("dim")).dtype(a.dtype("dtype")));
       }},

      // convolution
      {"conv1d", [](X x, A a) { return conv_nd(1, x, a); }},
      {"conv2d", [](X x, A a) { return conv_nd(2, x, a); }},
      {"conv3d", [](X x, A a) { return conv_nd(3, x, a); }},
      {"conv_transpose1d", [](X x, A a) { return conv_transpose_nd(1, x, a); }},
      {"conv_transpose2d", [](X x, A a) { return conv_transpose_nd(2, x, a); }},
      {"conv_transpose3d", [](X x, A a) { return conv_transpose_nd(3, x, a); }},

      // pooling
      {"max_pool1d",
       [](X x, A a) {
         Pool p(a);
         return ember::max_pool1d(x[0], p.k, p.s, p.p, p.d, p.ceil);
       }},
      {"max_pool2d",
       [](X x, A a) {
         Pool p(a);
         return ember::max_pool2d(x[0], p.k, p.s, p.p, p.d, p.ceil);
       }},
      {"max_pool3d",
       [](X x, A a) {
         Pool p(a);
         return ember::max_pool3d(x[0], p.k, p.s, p.p, p.d, p.ceil);
       }},
      {"max_pool2d_indices",
       [](X x, A a) {
         Pool p(a);
         return std::get<1>(ember::max_pool2d_with_indices(x[0], p.k, p.s, p.p, p.d, p.ceil));
       }},
      {"avg_pool1d",
       [](X x, A a) {
         Pool p(a);
         return ember::avg_pool1d(x[0], p.k, p.s, p.p, p.ceil, p.include_pad);
       }},
      {"avg_pool2d",
       [](X x, A a) {
         Pool p(a);
         return ember::avg_pool2d(x[0], p.k, p.s, p.p, p.ceil, p.include_pad, p.divisor);
       }},
      {"avg_pool3d",
       [](X x, A a) {
         Pool p(a);
         return ember::avg_pool3d(x[0], p.k, p.s, p.p, p.ceil, p.include_pad, p.divisor);
       }},
      {"adaptive_avg_pool1d",
       [](X x, A a) { return ember::adaptive_avg_pool1d(x[0], a.int_list("output_size")); }},
      {"adaptive_avg_pool2d",
       [](X x, A a) { return ember::adaptive_avg_pool2d(x[0], a.int_list("output_size")); }},
      {"adaptive_avg_pool3d",
       [](X x, A a) { return ember::adaptive_avg_pool3d(x[0], a.int_list("output_size")); }},
      {"adaptive_max_pool1d",
       [](X x, A a) {
         return std::get<0>(ember::adaptive_max_pool1d(x[0], a.int_list("output_size")));
       }},
      {"adaptive_max_pool2d",
       [](X x, A a) {
         return std::get<0>(ember::adaptive_max_pool2d(x[0], a.int_list("output_size")));
       }},
      {"adaptive_max_pool3d",
       [](X x, A a) {
         return std::get<0>(ember::adaptive_max_pool3d(x[0], a.int_list("output_size")));
       }},
      {"lp_pool1d",
       [](X x, A a) {
         Pool p(a);
         return ember::lp_pool1d(x[0], a.d("norm_type"), p.k, p.s, p.ceil);
       }},
      {"lp_pool2d",
       [](X x, A a) {
         Pool p(a);
         return ember::lp_pool2d(x[0], a.d("norm_type"), p.k, p.s, p.ceil);
       }},

      // padding, resampling, pixel shuffle, fold
      {"pad",
       [](X x, A a) { return ember::pad(x[0], a.ints("pad"), a.s("mode"), opt_d(a, "value")); }},
      {"interpolate",
       [](X x, A a) {
         auto o = interpolate_mode(a.s("mode"));
         if (a.has("size")) o.size(a.ints("size"));
         if (a.has("scale_factor")) o.scale_factor(a.ds("scale_factor"));
         if (a.has("align_corners")) o.align_corners(a.b("align_corners"));
         if (a.has("recompute_scale_factor"))
           o.recompute_scale_factor(a.b("recompute_scale_factor"));
         return F::interpolate(x[0], o);
       }},
      {"pixel_shuffle",
       [](X x, A a) { return ember::pixel_shuffle(x[0], a.i("upscale_factor")); }},
      {"pixel_unshuffle",
       [](X x, A a) { return ember::pixel_unshuffle(x[0], a.i("downscale_factor")); }},
      {"unfold",
       [](X x, A a) {
         auto o = F::UnfoldFuncOptions(a.ints("kernel_size"))
                      .dilation(ints_or(a, "dilation", {1, 1}))
                      .padding(ints_or(a, "padding", {0, 0}))
                      .stride(ints_or(a, "stride", {1, 1}));
         return F::unfold(x[0], o);
       }},
      {"fold",
       [](X x, A a) {
         auto o = F::FoldFuncOptions(a.ints("output_size"), a.ints("kernel_size"))
                      .dilation(ints_or(a, "dilation", {1, 1}))
                      .padding(ints_or(a, "padding", {0, 0}))
                      .stride(ints_or(a, "stride", {1, 1}));
         return F::fold(x[0], o);
       }},

      // attention
      {"scaled_dot_product_attention",
       [](X x, A a) {
         std::optional<Tensor> mask;
         if (x.size() > 3) mask = x[3];
         return ember::scaled_dot_product_attention(x[0], x[1], x[2], mask, 0.0,
                                                    b_or(a, "is_causal", false), opt_d(a, "scale"));
       }},

      {"_scaled_dot_product_fused_attention",
       [](X x, A a) {
         return std::get<0>(ember::_scaled_dot_product_fused_attention(
             x[0], x[1], x[2], b_or(a, "is_causal", false), opt_d(a, "scale")));
       }},
      // The op's second output. It is float32 for 16-bit inputs; their golden samples are the
      // float32 reference rounded to the input dtype, so it is compared rounded the same way.
      {"_scaled_dot_product_fused_attention_logsumexp",
       [](X x, A a) {
         Tensor lse = std::get<1>(ember::_scaled_dot_product_fused_attention(
             x[0], x[1], x[2], b_or(a, "is_causal", false), opt_d(a, "scale")));
         return x[0].dtype() == kHalf || x[0].dtype() == kBFloat16 ? lse.to(x[0].dtype()) : lse;
       }},

      // RNN cells
      {"lstm_cell",
       [](X x) {
         return cell_output(ember::lstm_cell(x[0], {x[1], x[2]}, x[3], x[4], opt(x, 5), opt(x, 6)));
       }},
      {"gru_cell",
       [](X x) { return ember::gru_cell(x[0], x[1], x[2], x[3], opt(x, 4), opt(x, 5)); }},
      {"rnn_tanh_cell",
       [](X x) { return ember::rnn_tanh_cell(x[0], x[1], x[2], x[3], opt(x, 4), opt(x, 5)); }},
      {"rnn_relu_cell",
       [](X x) { return ember::rnn_relu_cell(x[0], x[1], x[2], x[3], opt(x, 4), opt(x, 5)); }},

      // spatial transformers
      {"grid_sampler_2d",
       [](X x, A a) {
         return ember::grid_sampler_2d(x[0], x[1], a.i("interpolation_mode"),
                                       a.i("padding_mode"), a.b("align_corners"));
       }},
      {"grid_sampler_3d",
       [](X x, A a) {
         return ember::grid_sampler_3d(x[0], x[1], a.i("interpolation_mode"),
                                       a.i("padding_mode"), a.b("align_corners"));
       }},
      {"affine_grid_generator",
       [](X x, A a) {
         return ember::affine_grid_generator(x[0], a.ints("size"), a.b("align_corners"));
       }},
  };
  return table;
}

// Samples of the nn families where ember knowingly differs from PyTorch 1.13, with the reason.
const std::map<std::string, std::string>& nn_known_failures() {
  static const std::string py_backward_bug =
      "PyTorch 1.13's backward raises for a zero-batch input (its gradient has the wrong shape); "
      "ember's forward and backward work";
  static const std::string empty_batch_node =
      "empty batch: PyTorch 1.13 returns a composite's node (CloneBackward0/AddBackward0), ember "
      "its NativeBatchNormBackward0";
  static const std::string unbatched_node =
      "unbatched input: ember pools an unsqueezed batch and squeezes (SqueezeBackward1); PyTorch "
      "records the pooling node";
  // clang-format off
  static const std::map<std::string, std::string> list = {
      {"pixel_shuffle/6_float32", py_backward_bug},
      {"pixel_unshuffle/6_float32", py_backward_bug},
      {"batch_norm_eval/6_float32_float32_float32", empty_batch_node},
      {"batch_norm_train/6_float32_float32_float32", empty_batch_node},
      {"instance_norm/6_float32_float32_float32", "empty batch: PyTorch 1.13's at::instance_norm "
                                                  "fails in select(); ember returns the empty result"},
      {"instance_norm/8_float64", "one spatial element: Python's F.instance_norm refuses it, "
                                  "libtorch's C++ F::instance_norm (which ember follows) does not"},
      {"nll_loss/6_float64_int64", "1-d input: Python's F.nll_loss accepts it, libtorch's C++ "
                                   "F::nll_loss (which ember follows) requires 2 or more dims"},
      {"max_pool2d/4_float64", unbatched_node},
      {"kl_div/8_float16_float16", "one target-gradient element 2 float16 ulps off: PyTorch "
                                   "rounds log(target) to float16 before adding, ember does not"},
      {"scaled_dot_product_attention/7_bfloat16_bfloat16_bfloat16",
       "ember's composite rounds the scores and the weights to bfloat16 between its matmuls "
       "(as PyTorch 2.x's math kernel); the reference computes in float32 and rounds once"},
      {"avg_pool2d/4_float64", unbatched_node},
  };
  // clang-format on
  return list;
}

}  // namespace opdb
}  // namespace ember
