#pragma once
// Recurrent layers (RNN, LSTM, GRU) and cells, as composites of ember ops: PyTorch's parameter
// names, gate order (LSTM i,f,g,o; GRU r,z,n) and default init drawn in registration order.
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/nn/any.h"
#include "ember/nn/module.h"
#include "ember/nn/options/rnn.h"
#include "ember/nn/pimpl.h"
#include "ember/nn/utils/rnn.h"

namespace ember {
namespace nn {
namespace detail {

class RNNImplBaseCommon {
 public:
  explicit RNNImplBaseCommon(const RNNOptionsBase& options) : options_base(options) {}
  RNNOptionsBase options_base;

  // Runs all layers and directions over packed rows (batch_sizes defined) or a padded
  // [T, B, in] input. hx: [L*D, B, H_out] (and cx for LSTM). Returns output, h_n, c_n.
  std::tuple<Tensor, Tensor, Tensor> run(const Tensor& input, const Tensor& batch_sizes,
                                         const Tensor& hx, const Tensor& cx, bool training);

 protected:
  // Registers weight_ih_l{k}{_reverse}, weight_hh_..., bias_ih_..., bias_hh_..., weight_hr_...
  void reset_common(Module& self);
  void reset_parameters_common();
  void pretty_print_common(std::ostream& os, const std::string& name) const;
  std::vector<std::string> flat_weights_names_;
  std::vector<Tensor> flat_weights_;
};

template <class Derived>
class RNNImplBase : public Cloneable<Derived>, public RNNImplBaseCommon {
 public:
  explicit RNNImplBase(const RNNOptionsBase& options) : RNNImplBaseCommon(options) {}
  void reset() override {
    reset_common(*this);
    reset_parameters();
  }
  void reset_parameters() { reset_parameters_common(); }
  void flatten_parameters() {}
  std::vector<Tensor> all_weights() const { return flat_weights_; }
  void pretty_print(std::ostream& os) const override {
    const std::string& n = this->name();
    pretty_print_common(os, "torch::nn::" + n.substr(n.rfind(':') + 1));
  }
};

}  // namespace detail

class RNNImpl : public detail::RNNImplBase<RNNImpl> {
 public:
  RNNImpl(int64_t input_size, int64_t hidden_size) : RNNImpl(RNNOptions(input_size, hidden_size)) {}
  explicit RNNImpl(const RNNOptions& options);
  std::tuple<Tensor, Tensor> forward(const Tensor& input, Tensor hx = {});
  FORWARD_HAS_DEFAULT_ARGS({1, AnyValue(Tensor())})
  std::tuple<utils::rnn::PackedSequence, Tensor> forward_with_packed_input(
      const utils::rnn::PackedSequence& packed_input, Tensor hx = {});
  RNNOptions options;
};
TORCH_MODULE(RNN);

class LSTMImpl : public detail::RNNImplBase<LSTMImpl> {
 public:
  LSTMImpl(int64_t input_size, int64_t hidden_size)
      : LSTMImpl(LSTMOptions(input_size, hidden_size)) {}
  explicit LSTMImpl(const LSTMOptions& options);
  std::tuple<Tensor, std::tuple<Tensor, Tensor>> forward(
      const Tensor& input, std::optional<std::tuple<Tensor, Tensor>> hx_opt = {});
  FORWARD_HAS_DEFAULT_ARGS({1, AnyValue(std::optional<std::tuple<Tensor, Tensor>>())})
  std::tuple<utils::rnn::PackedSequence, std::tuple<Tensor, Tensor>> forward_with_packed_input(
      const utils::rnn::PackedSequence& packed_input,
      std::optional<std::tuple<Tensor, Tensor>> hx_opt = {});
  LSTMOptions options;
};
TORCH_MODULE(LSTM);

class GRUImpl : public detail::RNNImplBase<GRUImpl> {
 public:
  GRUImpl(int64_t input_size, int64_t hidden_size) : GRUImpl(GRUOptions(input_size, hidden_size)) {}
  explicit GRUImpl(const GRUOptions& options);
  std::tuple<Tensor, Tensor> forward(const Tensor& input, Tensor hx = {});
  FORWARD_HAS_DEFAULT_ARGS({1, AnyValue(Tensor())})
  std::tuple<utils::rnn::PackedSequence, Tensor> forward_with_packed_input(
      const utils::rnn::PackedSequence& packed_input, Tensor hx = {});
  GRUOptions options;
};
TORCH_MODULE(GRU);

namespace detail {

template <class Derived>
class RNNCellImplBase : public Cloneable<Derived> {
 public:
  explicit RNNCellImplBase(const RNNCellOptionsBase& options) : options_base(options) {}
  void reset() override;
  void reset_parameters();
  void pretty_print(std::ostream& os) const override;
  RNNCellOptionsBase options_base;
  Tensor weight_ih;
  Tensor weight_hh;
  Tensor bias_ih;
  Tensor bias_hh;

 protected:
  // Checks input (1-D or 2-D) and returns it batched; `cell` names the module in errors.
  Tensor check_forward_input(const Tensor& input, const char* cell) const;
  void check_forward_hidden(const Tensor& input, const Tensor& hx, const std::string& label,
                            const char* cell) const;
  virtual std::string get_nonlinearity_str() const { return ""; }
};

}  // namespace detail

class RNNCellImpl : public detail::RNNCellImplBase<RNNCellImpl> {
 public:
  RNNCellImpl(int64_t input_size, int64_t hidden_size)
      : RNNCellImpl(RNNCellOptions(input_size, hidden_size)) {}
  explicit RNNCellImpl(const RNNCellOptions& options);
  Tensor forward(const Tensor& input, Tensor hx = {});
  FORWARD_HAS_DEFAULT_ARGS({1, AnyValue(Tensor())})
  RNNCellOptions options;

 protected:
  std::string get_nonlinearity_str() const override;
};
TORCH_MODULE(RNNCell);

class LSTMCellImpl : public detail::RNNCellImplBase<LSTMCellImpl> {
 public:
  LSTMCellImpl(int64_t input_size, int64_t hidden_size)
      : LSTMCellImpl(LSTMCellOptions(input_size, hidden_size)) {}
  explicit LSTMCellImpl(const LSTMCellOptions& options);
  std::tuple<Tensor, Tensor> forward(const Tensor& input,
                                     std::optional<std::tuple<Tensor, Tensor>> hx_opt = {});
  FORWARD_HAS_DEFAULT_ARGS({1, AnyValue(std::optional<std::tuple<Tensor, Tensor>>())})
  LSTMCellOptions options;
};
TORCH_MODULE(LSTMCell);

class GRUCellImpl : public detail::RNNCellImplBase<GRUCellImpl> {
 public:
  GRUCellImpl(int64_t input_size, int64_t hidden_size)
      : GRUCellImpl(GRUCellOptions(input_size, hidden_size)) {}
  explicit GRUCellImpl(const GRUCellOptions& options);
  Tensor forward(const Tensor& input, Tensor hx = {});
  FORWARD_HAS_DEFAULT_ARGS({1, AnyValue(Tensor())})
  GRUCellOptions options;
};
TORCH_MODULE(GRUCell);

}  // namespace nn
}  // namespace ember
