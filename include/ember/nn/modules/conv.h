#pragma once
// Conv3d, ConvTranspose1d/2d/3d, MaxPool1d/3d, AvgPool1d/3d, AdaptiveAvgPool1d-3d,
// AdaptiveMaxPool1d-3d, ReflectionPad/ReplicationPad/ConstantPad 1d-3d, ZeroPad2d, PixelShuffle,
// PixelUnshuffle (ops in ember/ops/pooling.h).
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/nn/modules/layers.h"
#include "ember/nn/options/conv.h"

namespace ember {
namespace nn {

class Conv3dImpl : public Cloneable<Conv3dImpl> {
 public:
  Conv3dImpl(int64_t in, int64_t out, ExpandingArray<3> kernel_size)
      : Conv3dImpl(Conv3dOptions(in, out, kernel_size)) {}
  explicit Conv3dImpl(Conv3dOptions options);
  void reset() override;
  void reset_parameters();
  void pretty_print(std::ostream& os) const override;
  Tensor forward(const Tensor& input);
  Conv3dOptions options;
  Tensor weight;
  Tensor bias;
};
TORCH_MODULE(Conv3d);

template <size_t D, class Derived>
class ConvTransposeNdImpl : public Cloneable<Derived> {
 public:
  explicit ConvTransposeNdImpl(ConvTransposeOptions<D> options) : options(std::move(options)) {}
  void reset() override;
  void reset_parameters();
  void pretty_print(std::ostream& os) const override;
  // output_size (spatial dims, or with batch/channel dims) picks the output_padding, as PyTorch.
  Tensor forward(const Tensor& input, const std::optional<std::vector<int64_t>>& output_size = {});
  ConvTransposeOptions<D> options;
  Tensor weight;
  Tensor bias;
};

#define EMBER_CONV_TRANSPOSE(D)                                                            \
  class ConvTranspose##D##dImpl : public ConvTransposeNdImpl<D, ConvTranspose##D##dImpl> { \
   public:                                                                                 \
    ConvTranspose##D##dImpl(int64_t in, int64_t out, ExpandingArray<D> kernel_size)        \
        : ConvTranspose##D##dImpl(ConvTranspose##D##dOptions(in, out, kernel_size)) {}     \
    explicit ConvTranspose##D##dImpl(ConvTranspose##D##dOptions options)                   \
        : ConvTransposeNdImpl(std::move(options)) {                                        \
      reset();                                                                             \
    }                                                                                      \
  };                                                                                       \
  TORCH_MODULE(ConvTranspose##D##d);
EMBER_CONV_TRANSPOSE(1)
EMBER_CONV_TRANSPOSE(2)
EMBER_CONV_TRANSPOSE(3)
#undef EMBER_CONV_TRANSPOSE

class MaxPool1dImpl : public Cloneable<MaxPool1dImpl> {
 public:
  MaxPool1dImpl(ExpandingArray<1> kernel_size) : options(kernel_size) {}  // NOLINT
  explicit MaxPool1dImpl(const MaxPool1dOptions& options) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& os) const override;
  Tensor forward(const Tensor& input);
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  MaxPool1dOptions options;
};
TORCH_MODULE(MaxPool1d);
class MaxPool3dImpl : public Cloneable<MaxPool3dImpl> {
 public:
  MaxPool3dImpl(ExpandingArray<3> kernel_size) : options(kernel_size) {}  // NOLINT
  explicit MaxPool3dImpl(const MaxPool3dOptions& options) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& os) const override;
  Tensor forward(const Tensor& input);
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  MaxPool3dOptions options;
};
TORCH_MODULE(MaxPool3d);
class AvgPool1dImpl : public Cloneable<AvgPool1dImpl> {
 public:
  AvgPool1dImpl(ExpandingArray<1> kernel_size) : options(kernel_size) {}  // NOLINT
  explicit AvgPool1dImpl(const AvgPool1dOptions& options) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& os) const override;
  Tensor forward(const Tensor& input);
  AvgPool1dOptions options;
};
TORCH_MODULE(AvgPool1d);
class AvgPool3dImpl : public Cloneable<AvgPool3dImpl> {
 public:
  AvgPool3dImpl(ExpandingArray<3> kernel_size) : options(kernel_size) {}  // NOLINT
  explicit AvgPool3dImpl(const AvgPool3dOptions& options) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& os) const override;
  Tensor forward(const Tensor& input);
  AvgPool3dOptions options;
};
TORCH_MODULE(AvgPool3d);

#define EMBER_ADAPTIVE(Kind, D, Ret)                                                          \
  class Adaptive##Kind##Pool##D##dImpl : public Cloneable<Adaptive##Kind##Pool##D##dImpl> {   \
   public:                                                                                    \
    Adaptive##Kind##Pool##D##dImpl(ExpandingArray<D> output_size)                             \
        : options(output_size) {} /* NOLINT */                                                \
    explicit Adaptive##Kind##Pool##D##dImpl(const Adaptive##Kind##Pool##D##dOptions& options) \
        : options(options) {}                                                                 \
    void reset() override {}                                                                  \
    void pretty_print(std::ostream& os) const override;                                       \
    Tensor forward(const Tensor& input);                                                      \
    Ret;                                                                                      \
    Adaptive##Kind##Pool##D##dOptions options;                                                \
  };                                                                                          \
  TORCH_MODULE(Adaptive##Kind##Pool##D##d);
#define EMBER_NOTHING static constexpr bool kHasIndices = false
#define EMBER_INDICES std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input)
EMBER_ADAPTIVE(Avg, 1, EMBER_NOTHING)
EMBER_ADAPTIVE(Avg, 2, EMBER_NOTHING)
EMBER_ADAPTIVE(Avg, 3, EMBER_NOTHING)
EMBER_ADAPTIVE(Max, 1, EMBER_INDICES)
EMBER_ADAPTIVE(Max, 2, EMBER_INDICES)
EMBER_ADAPTIVE(Max, 3, EMBER_INDICES)
#undef EMBER_ADAPTIVE
#undef EMBER_NOTHING
#undef EMBER_INDICES

#define EMBER_PAD(Name, D, Options)                                                           \
  class Name##Impl : public Cloneable<Name##Impl> {                                           \
   public:                                                                                    \
    template <class... A, class = std::enable_if_t<std::is_constructible_v<Options, A&&...>>> \
    explicit Name##Impl(A&&... a) : options(std::forward<A>(a)...) {}                         \
    void reset() override {}                                                                  \
    void pretty_print(std::ostream& os) const override;                                       \
    Tensor forward(const Tensor& input);                                                      \
    Options options;                                                                          \
  };                                                                                          \
  TORCH_MODULE(Name);
EMBER_PAD(ReflectionPad1d, 1, ReflectionPad1dOptions)
EMBER_PAD(ReflectionPad2d, 2, ReflectionPad2dOptions)
EMBER_PAD(ReflectionPad3d, 3, ReflectionPad3dOptions)
EMBER_PAD(ReplicationPad1d, 1, ReplicationPad1dOptions)
EMBER_PAD(ReplicationPad2d, 2, ReplicationPad2dOptions)
EMBER_PAD(ReplicationPad3d, 3, ReplicationPad3dOptions)
EMBER_PAD(ConstantPad1d, 1, ConstantPad1dOptions)
EMBER_PAD(ConstantPad2d, 2, ConstantPad2dOptions)
EMBER_PAD(ConstantPad3d, 3, ConstantPad3dOptions)
EMBER_PAD(ZeroPad2d, 2, ZeroPad2dOptions)
EMBER_PAD(PixelShuffle, 0, PixelShuffleOptions)
EMBER_PAD(PixelUnshuffle, 0, PixelUnshuffleOptions)
#undef EMBER_PAD

}  // namespace nn
}  // namespace ember
