// operator<< for tensors, in libtorch's format (c10's Formatting.cpp rules: a shared scale and
// width per matrix, integers without decimals, 4 decimals otherwise, scientific when the range
// of magnitudes is too wide).
#include <cmath>
#include <iomanip>
#include <iostream>
#include <tuple>

#include "ember/autograd/grad_mode.h"
#include "ember/core/tensor.h"

namespace ember {

namespace {

struct FormatGuard {
  explicit FormatGuard(std::ostream& os) : os_(os), saved_(nullptr) { saved_.copyfmt(os); }
  ~FormatGuard() { os_.copyfmt(saved_); }
  std::ostream& os_;
  std::ios saved_;
};

std::tuple<double, int64_t> print_format(std::ostream& os, const double* p, int64_t size) {
  if (size == 0) return {1., 0};
  bool int_mode = true;
  for (int64_t i = 0; i < size; ++i) {
    if (std::isfinite(p[i]) && p[i] != std::ceil(p[i])) {
      int_mode = false;
      break;
    }
  }
  int64_t offset = 0;
  while (offset < size && !std::isfinite(p[offset])) ++offset;
  double exp_min = 1, exp_max = 1;
  if (offset != size) {
    exp_min = std::fabs(p[offset]);
    exp_max = std::fabs(p[offset]);
    for (int64_t i = offset; i < size; ++i) {
      double z = std::fabs(p[i]);
      if (std::isfinite(z)) {
        if (z < exp_min) exp_min = z;
        if (p[i] > exp_max) exp_max = z;  // signed comparison, as libtorch
      }
    }
    exp_min = exp_min != 0 ? std::floor(std::log10(exp_min)) + 1 : 1;
    exp_max = exp_max != 0 ? std::floor(std::log10(exp_max)) + 1 : 1;
  }
  double scale = 1;
  int64_t sz;
  if (int_mode) {
    if (exp_max > 9) {
      sz = 11;
      os << std::scientific << std::setprecision(4);
    } else {
      sz = static_cast<int64_t>(exp_max) + 1;
      os << std::defaultfloat;
    }
  } else {
    if (exp_max - exp_min > 4) {
      sz = 11;
      if (std::fabs(exp_max) > 99 || std::fabs(exp_min) > 99) sz = sz + 1;
      os << std::scientific << std::setprecision(4);
    } else {
      if (exp_max > 5 || exp_max < 0) {
        sz = 7;
        scale = std::pow(10, exp_max - 1);
        os << std::fixed << std::setprecision(4);
      } else {
        sz = exp_max == 0 ? 7 : static_cast<int64_t>(exp_max) + 6;
        os << std::fixed << std::setprecision(4);
      }
    }
  }
  return {scale, sz};
}

void print_indent(std::ostream& os, int64_t indent) {
  for (int64_t i = 0; i < indent; ++i) os << " ";
}

void print_scale(std::ostream& os, double scale) {
  FormatGuard g(os);
  os << std::defaultfloat << scale << " *" << std::endl;
}

// `t` is a contiguous double matrix.
void print_matrix(std::ostream& os, const Tensor& t, int64_t linesize, int64_t indent) {
  const double* p = t.data_ptr<double>();
  auto [scale, sz] = print_format(os, p, t.numel());
  print_indent(os, indent);
  int64_t rows = t.size(0), cols = t.size(1);
  int64_t per_line = (linesize - indent) / (sz + 1);
  int64_t first = 0, last = -1;
  while (first < cols) {
    last = first + per_line <= cols ? first + per_line - 1 : cols - 1;
    if (per_line < cols) {
      if (first != 0) os << std::endl;
      os << "Columns " << first + 1 << " to " << last + 1;
      print_indent(os, indent);
    }
    if (scale != 1) {
      print_scale(os, scale);
      print_indent(os, indent);
    }
    for (int64_t l = 0; l < rows; ++l) {
      const double* row = p + l * cols;
      for (int64_t c = first; c < last + 1; ++c) {
        os << std::setw(sz) << row[c] / scale;
        if (c == last) {
          os << std::endl;
          if (l != rows - 1) {
            if (scale != 1) {
              print_indent(os, indent);
              os << " ";
            } else {
              print_indent(os, indent);
            }
          }
        } else {
          os << " ";
        }
      }
    }
    first = last + 1;
  }
}

void print_tensor(std::ostream& os, const Tensor& t, int64_t linesize) {
  int64_t nd = t.dim();
  std::vector<int64_t> counter(nd - 2, 0);
  counter[0] = -1;
  bool start = true;
  for (;;) {
    bool finished = false;
    for (int64_t i = 0; i < nd - 2; ++i) {
      counter[i] += 1;
      if (counter[i] >= t.size(i)) {
        if (i == nd - 3) {
          finished = true;
          break;
        }
        counter[i] = 0;
      } else {
        break;
      }
    }
    if (finished) break;
    if (start) {
      start = false;
    } else {
      os << std::endl;
    }
    os << "(";
    Tensor sub = t;
    for (int64_t i = 0; i < nd - 2; ++i) {
      sub = sub.select(0, counter[i]);
      os << counter[i] + 1 << ",";
    }
    os << ".,.) = " << std::endl;
    print_matrix(os, sub.contiguous(), linesize, 1);
  }
}

}  // namespace

std::ostream& print(std::ostream& os, const Tensor& t_, int64_t linesize) {
  FormatGuard guard(os);
  if (!t_.defined()) {
    os << "[ Tensor (undefined) ]";
    return os;
  }
  NoGradGuard ng;
  // A CUDA tensor prints from a host copy, labelled with its own type (CUDAFloatType).
  Tensor t = t_.detach().to(TensorOptions().device(kCPU).dtype(kDouble)).contiguous();
  if (t.dim() == 0) {
    os << std::defaultfloat << t.data_ptr<double>()[0] << std::endl;
    os << "[ " << t_.toString() << "{}";
  } else if (t.dim() == 1) {
    if (t.numel() > 0) {
      const double* p = t.data_ptr<double>();
      auto [scale, sz] = print_format(os, p, t.numel());
      if (scale != 1) print_scale(os, scale);
      for (int64_t i = 0; i < t.size(0); ++i) os << std::setw(sz) << p[i] / scale << std::endl;
    }
    os << "[ " << t_.toString() << "{" << t.size(0) << "}";
  } else if (t.dim() == 2) {
    if (t.numel() > 0) print_matrix(os, t, linesize, 0);
    os << "[ " << t_.toString() << "{" << t.size(0) << "," << t.size(1) << "}";
  } else {
    if (t.numel() > 0) print_tensor(os, t, linesize);
    os << "[ " << t_.toString() << "{" << t.size(0);
    for (int64_t i = 1; i < t.dim(); ++i) os << "," << t.size(i);
    os << "}";
  }
  os << " ]";
  return os;
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return print(os, t, 80); }

void Tensor::print() const {
  if (!defined()) {
    std::cerr << "[UndefinedTensor]" << std::endl;  // as libtorch's TensorBase::print()
    return;
  }
  std::cerr << "[" << toString() << " " << sizes() << "]" << std::endl;
}

}  // namespace ember
