#pragma once
// Upsample, Fold, Unfold and F::interpolate / F::fold / F::unfold (ops in ember/ops/pooling.h).
#include "ember/nn/module.h"
#include "ember/nn/options/upsampling.h"
#include "ember/nn/pimpl.h"

namespace ember {
namespace nn {
namespace functional {
Tensor interpolate(const Tensor& input, const InterpolateFuncOptions& options = {});
Tensor fold(const Tensor& input, const FoldFuncOptions& options);
Tensor unfold(const Tensor& input, const UnfoldFuncOptions& options);
}  // namespace functional

class UpsampleImpl : public Cloneable<UpsampleImpl> {
 public:
  explicit UpsampleImpl(const UpsampleOptions& options = {}) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& os) const override;
  Tensor forward(const Tensor& input);
  UpsampleOptions options;
};
TORCH_MODULE(Upsample);

class FoldImpl : public Cloneable<FoldImpl> {
 public:
  FoldImpl(ExpandingArray<2> output_size, ExpandingArray<2> kernel_size)
      : options(output_size, kernel_size) {}
  explicit FoldImpl(const FoldOptions& options) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& os) const override;
  Tensor forward(const Tensor& input);
  FoldOptions options;
};
TORCH_MODULE(Fold);

class UnfoldImpl : public Cloneable<UnfoldImpl> {
 public:
  UnfoldImpl(ExpandingArray<2> kernel_size) : options(kernel_size) {}  // NOLINT
  explicit UnfoldImpl(const UnfoldOptions& options) : options(options) {}
  void reset() override {}
  void pretty_print(std::ostream& os) const override;
  Tensor forward(const Tensor& input);
  UnfoldOptions options;
};
TORCH_MODULE(Unfold);

}  // namespace nn
}  // namespace ember
