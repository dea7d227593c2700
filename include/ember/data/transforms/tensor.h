#pragma once
// Transforms of the data tensor of Example<Tensor, Target>: TensorTransform, TensorLambda and
// Normalize.
#include <functional>
#include <typeinfo>
#include <utility>

#include "ember/core/array_ref.h"
#include "ember/data/example.h"
#include "ember/data/transforms/base.h"
#include "ember/ops/factory.h"
#include "ember/ops/shape.h"

namespace ember {
namespace data {
namespace transforms {

template <typename Target = Tensor>
class TensorTransform : public Transform<Example<Tensor, Target>, Example<Tensor, Target>> {
 public:
  using E = Example<Tensor, Target>;
  using typename Transform<E, E>::InputType;
  using typename Transform<E, E>::OutputType;

  virtual Tensor operator()(Tensor input) = 0;

  OutputType apply(InputType input) override {
    input.data = (*this)(std::move(input.data));
    return input;
  }
};

template <typename Target = Tensor>
class TensorLambda : public TensorTransform<Target> {
 public:
  using FunctionType = std::function<Tensor(Tensor)>;

  explicit TensorLambda(FunctionType function) : function_(std::move(function)) {}
  Tensor operator()(Tensor input) override { return function_(std::move(input)); }

 private:
  FunctionType function_;
};

// (input - mean) / stddev, with mean and stddev per channel (shape [C, 1, 1]; one value
// broadcasts over all channels).
template <typename Target = Tensor>
struct Normalize : public TensorTransform<Target> {
  Normalize(ArrayRef<double> mean, ArrayRef<double> stddev)
      : mean(ember::tensor(mean, kFloat).unsqueeze(1).unsqueeze(2)),
        stddev(ember::tensor(stddev, kFloat).unsqueeze(1).unsqueeze(2)) {}

  Tensor operator()(Tensor input) override { return input.sub(mean).div(stddev); }

  // See Note [Stacked batches]: one sub/div over a stacked [B, ...] batch gives what stacking the
  // per-example results gives, when each example has at least the 3 dims of mean (so broadcasting
  // never touches the batch dim) and operator() is this class's own.
  bool can_apply_stacked() const { return typeid(*this) == typeid(Normalize); }
  Example<Tensor, Target> apply_stacked(Example<Tensor, Target> batch) {
    if (batch.data.dim() >= 4) {
      batch.data = batch.data.sub(mean).div(stddev);
      return batch;
    }
    std::vector<Tensor> rows = batch.data.unbind(0);
    for (auto& row : rows) row = (*this)(std::move(row));
    batch.data = ember::stack(rows);
    return batch;
  }

  Tensor mean, stddev;
};

}  // namespace transforms
}  // namespace data
}  // namespace ember
