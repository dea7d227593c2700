#pragma once
// torch::nn::init: in-place initialisers (no autograd recorded), PyTorch's formulas and draw order.
#include <variant>

#include "ember/core/tensor.h"

namespace ember {

namespace enumtype {
struct kLinear {};
struct kConv1D {};
struct kConv2D {};
struct kConv3D {};
struct kConvTranspose1D {};
struct kConvTranspose2D {};
struct kConvTranspose3D {};
struct kSigmoid {};
struct kTanh {};
struct kReLU {};
struct kLeakyReLU {};
struct kSELU {};
struct kFanIn {};
struct kFanOut {};
}  // namespace enumtype

constexpr enumtype::kLinear kLinear{};
constexpr enumtype::kConv1D kConv1D{};
constexpr enumtype::kConv2D kConv2D{};
constexpr enumtype::kConv3D kConv3D{};
constexpr enumtype::kConvTranspose1D kConvTranspose1D{};
constexpr enumtype::kConvTranspose2D kConvTranspose2D{};
constexpr enumtype::kConvTranspose3D kConvTranspose3D{};
constexpr enumtype::kSigmoid kSigmoid{};
constexpr enumtype::kTanh kTanh{};
constexpr enumtype::kReLU kReLU{};
constexpr enumtype::kLeakyReLU kLeakyReLU{};
constexpr enumtype::kSELU kSELU{};
constexpr enumtype::kFanIn kFanIn{};
constexpr enumtype::kFanOut kFanOut{};

namespace nn {
namespace init {

using NonlinearityType =
    std::variant<enumtype::kLinear, enumtype::kConv1D, enumtype::kConv2D, enumtype::kConv3D,
                 enumtype::kConvTranspose1D, enumtype::kConvTranspose2D,
                 enumtype::kConvTranspose3D, enumtype::kSigmoid, enumtype::kTanh,
                 enumtype::kReLU, enumtype::kLeakyReLU, enumtype::kSELU>;
using FanModeType = std::variant<enumtype::kFanIn, enumtype::kFanOut>;

double calculate_gain(NonlinearityType nonlinearity, double param = 0.01);
// (fan_in, fan_out) of a weight: dims 1 and 0 times the receptive field size.
std::tuple<int64_t, int64_t> _calculate_fan_in_and_fan_out(const Tensor& tensor);

Tensor constant_(Tensor tensor, Scalar value);
Tensor ones_(Tensor tensor);
Tensor zeros_(Tensor tensor);
Tensor eye_(Tensor matrix);
Tensor dirac_(Tensor tensor, int64_t groups = 1);
Tensor uniform_(Tensor tensor, double low = 0, double high = 1);
Tensor normal_(Tensor tensor, double mean = 0, double std = 1);
// Normal truncated to [a, b] by inverse-CDF sampling, as Python's trunc_normal_.
Tensor trunc_normal_(Tensor tensor, double mean = 0, double std = 1, double a = -2, double b = 2);
Tensor xavier_uniform_(Tensor tensor, double gain = 1.0);
Tensor xavier_normal_(Tensor tensor, double gain = 1.0);
Tensor kaiming_uniform_(Tensor tensor, double a = 0, FanModeType mode = kFanIn,
                        NonlinearityType nonlinearity = kLeakyReLU);
Tensor kaiming_normal_(Tensor tensor, double a = 0, FanModeType mode = kFanIn,
                       NonlinearityType nonlinearity = kLeakyReLU);
// (Semi-)orthogonal matrix from the QR decomposition of a normal sample (modified Gram-Schmidt).
Tensor orthogonal_(Tensor tensor, double gain = 1.0);

}  // namespace init
}  // namespace nn
}  // namespace ember
