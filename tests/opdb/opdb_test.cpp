// Replays tests/golden/*.json (written by tools/gen_golden.py from PyTorch) against ember: one
// test per op and sample, comparing output dtype/shape/values (and strides and aliasing for
// views), the gradients of sum(out * w), and running gradcheck + gradgradcheck in double.
// OpDbCuda replays the same samples with the inputs on the GPU (skipped without a device):
// values and gradients against the same PyTorch numbers; ops without a CUDA kernel are skipped
// with the op's error, so the skip list is the CUDA backend's to-do list.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "ember/core/context.h"
#include "ember/cuda.h"
#include "opdb/opdb.h"
#include "support/cuda_autocast_lists.h"
#include "support/gradcheck.h"

namespace ember {
namespace opdb {
namespace {

struct Case {
  std::string name;  // "<op>__<sample id>": the GoogleTest parameter name
  std::string key;   // "<op>/<sample id>": the key of known_failures()
  std::string op;
  const Json* op_entry;
  const Json* sample;
};

struct Golden {
  std::vector<std::unique_ptr<Json>> files;
  std::vector<Case> cases;
  std::set<std::string> ops;
  std::string error;  // why loading failed, reported by GoldenFiles.Load
};

const Golden& golden() {
  static const Golden g = [] {
    Golden g;
    try {
      std::vector<std::filesystem::path> paths;
      for (const auto& e : std::filesystem::directory_iterator(EMBER_GOLDEN_DIR))
        if (e.path().extension() == ".json") paths.push_back(e.path());
      std::sort(paths.begin(), paths.end());
      for (const auto& p : paths) {
        std::ifstream in(p);
        std::stringstream text;
        text << in.rdbuf();
        try {
          g.files.push_back(std::make_unique<Json>(Json::parse(text.str())));
        } catch (const std::exception& e) {
          throw std::runtime_error(p.string() + ": " + e.what());
        }
        for (const Json& op : (*g.files.back())["ops"].items()) {
          std::string name = op["name"].string();
          g.ops.insert(name);
          for (const Json& s : op["samples"].items()) {
            std::string id = s["id"].string();
            g.cases.push_back({name + "__" + id, name + "/" + id, name, &op, &s});
          }
        }
      }
      if (g.cases.empty()) g.error = "no samples found in " EMBER_GOLDEN_DIR;
    } catch (const std::exception& e) {
      g.error = e.what();
      g.cases.clear();
    }
    return g;
  }();
  return g;
}

// An op of op_table() or nn_op_table(), or null.
const OpFn* find_op(const std::string& name) {
  for (const auto* table : {&op_table(), &nn_op_table()})
    if (auto it = table->find(name); it != table->end()) return &it->second;
  return nullptr;
}

// Why ember knowingly differs on a sample, or null.
const std::string* find_known(const std::string& key) {
  for (const auto* list : {&known_failures(), &nn_known_failures()})
    if (auto it = list->find(key); it != list->end()) return &it->second;
  return nullptr;
}

// Per-dtype tolerances of torch.testing.assert_close; integers and bool must match exactly.
std::pair<double, double> tolerance(ScalarType t) {
  switch (t) {
    case kDouble:
      return {1e-7, 1e-7};
    case kFloat:
      return {1.3e-6, 1e-5};
    case kHalf:
      return {1e-3, 1e-5};
    case kBFloat16:
      return {1.6e-2, 1e-5};
    default:
      return {0, 0};
  }
}

// Rebuilds a golden input: storage values, then a view with the recorded sizes/strides/offset
// (absent for contiguous inputs).
Tensor make_input(const Json& spec, Device device = kCPU) {
  std::vector<double> values = spec["storage"].numbers();
  Tensor base = empty({static_cast<int64_t>(values.size())}, kDouble);
  std::copy(values.begin(), values.end(), base.data_ptr<double>());
  base = base.to(parse_dtype(spec["dtype"].string())).to(device);
  std::vector<int64_t> sizes = spec["sizes"].ints();
  if (!spec.find("strides")) return base.view(sizes).detach();  // contiguous, offset 0
  return make_view(base, sizes, spec["strides"].ints(), spec["offset"].integer()).detach();
}

// Empty when `actual` (dtype `dt`) matches the flat list `expected` within dt's tolerance.
std::string compare_values(const Tensor& actual, const Json& expected, ScalarType dt,
                           const std::string& what) {
  Tensor a = actual.detach().cpu().to(kDouble).contiguous();
  std::vector<double> e = expected.numbers();
  if (static_cast<size_t>(a.numel()) != e.size()) {
    return what + ": " + std::to_string(a.numel()) + " values, expected " +
           std::to_string(e.size()) + "\n";
  }
  auto [rtol, atol] = tolerance(dt);
  const double* pa = a.data_ptr<double>();
  std::ostringstream err;
  err.precision(10);
  int shown = 0;
  for (size_t i = 0; i < e.size(); ++i) {
    bool ok = std::isnan(e[i])   ? std::isnan(pa[i])
              : std::isinf(e[i]) ? pa[i] == e[i]
                                 : std::fabs(pa[i] - e[i]) <= atol + rtol * std::fabs(e[i]);
    if (!ok && shown++ < 4)
      err << what << "[" << i << "] = " << pa[i] << ", expected " << e[i] << "\n";
  }
  return err.str();
}

std::string dims(IntArrayRef s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

// Python wraps a scalar operand into a tensor (x + 2 records AddBackward0), libtorch's C++ calls
// the Scalar overload (AddBackward1); ember follows libtorch, so both names are accepted.
std::string libtorch_scalar_node(const std::string& python_name) {
  for (const char* op : {"AddBackward", "SubBackward", "MulBackward", "DivBackward"}) {
    std::string base = op;
    if (python_name == base + "0") return base + "1";
  }
  return python_name;
}

// Output dtype, shape, values, autograd node name, and for views strides and aliasing.
std::string check_output(const Tensor& out, const Json& expected, const Tensor& input0,
                         bool check_strides) {
  std::ostringstream err;
  ScalarType dt = parse_dtype(expected["dtype"].string());
  if (out.dtype() != dt)
    err << "dtype " << dtype_name(out.dtype()) << ", expected " << dtype_name(dt) << "\n";
  if (out.sizes() != IntArrayRef(expected["sizes"].ints())) {
    err << "sizes " << out.sizes() << ", expected " << dims(expected["sizes"].ints()) << "\n";
    return err.str();
  }
  err << compare_values(out, expected["values"], dt, "out");
  if (const Json* node = expected.find("grad_fn")) {
    std::string want = node->is_null() ? "null" : node->string();
    std::string got = out.grad_fn() ? out.grad_fn()->name() : "null";
    if (got != want && got != libtorch_scalar_node(want))
      err << "grad_fn " << got << ", expected " << want << "\n";
  }
  if (check_strides) {
    if (out.strides() != IntArrayRef(expected["strides"].ints()))
      err << "strides " << out.strides() << ", expected " << dims(expected["strides"].ints())
          << "\n";
    const Json& alias = expected["alias"];
    if (!alias.is_null() && out.is_alias_of(input0) != alias.boolean())
      err << (alias.boolean() ? "copies, but PyTorch returns a view\n"
                              : "returns a view, but PyTorch copies\n");
  }
  return err.str();
}

// Gradients of sum(out * w) with respect to the inputs that require grad.
std::string check_grads(const Tensor& out, const variable_list& inputs, const Json& sample) {
  Tensor w = empty(out.sizes(), kDouble);
  std::vector<double> wv = sample["weight"].numbers();
  std::copy(wv.begin(), wv.end(), w.data_ptr<double>());
  variable_list diff;
  for (const Tensor& x : inputs)
    if (x.requires_grad()) diff.push_back(x);
  variable_list g;
  try {
    g = autograd::grad({out}, diff, {w.to(out.dtype()).to(out.device())}, std::nullopt, false,
                       true);
  } catch (const std::exception& e) {
    return std::string("backward threw: ") + e.what() + "\n";
  }
  std::ostringstream err;
  size_t k = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].requires_grad()) continue;
    Tensor gi = g[k++];
    std::string what = "grad[" + std::to_string(i) + "]";
    const Json& expected = sample["grads"][i];
    if (expected.is_null()) {
      if (gi.defined() && gi.cpu().ne(0).any().item<bool>()) err << what << " should be zero\n";
    } else if (!gi.defined()) {
      err << what << " is undefined\n";
    } else if (gi.sizes() != inputs[i].sizes()) {
      err << what << " sizes " << gi.sizes() << ", expected " << inputs[i].sizes() << "\n";
    } else {
      if (gi.device() != inputs[i].device()) err << what << " is on " << gi.device() << "\n";
      if (gi.dtype() != inputs[i].dtype())
        err << what << " dtype " << dtype_name(gi.dtype()) << "\n";
      err << compare_values(gi, expected, inputs[i].dtype(), what);
    }
  }
  return err.str();
}

// Whether input x (of golden input `spec`) requires grad: a float input of a differentiable op,
// unless the file marks it "requires_grad": false (an input PyTorch does not differentiate).
bool differentiated(const Case& c, const Json& spec, const Tensor& x) {
  const Json* rg = spec.find("requires_grad");
  return (*c.op_entry)["grad"].boolean() && x.is_floating_point() && !(rg && !rg->boolean());
}

// Everything that differs between ember and the golden sample, or empty. On CUDA the inputs
// live on the GPU and gradcheck (a CPU double-precision check of the formulas) is left out.
std::string check(const Case& c, Device device = kCPU) {
  const Json& s = *c.sample;
  const OpFn* found = find_op(c.op);
  if (!found) return "op '" + c.op + "' has golden data but no op_table() entry";
  const OpFn& fn = *found;
  const Args args(s.find("kwargs"));

  // Float inputs require grad exactly when they did in tools/gen_golden.py ("requires_grad":
  // false marks an input PyTorch does not differentiate, such as nll_loss's class weights).
  variable_list inputs;
  std::vector<bool> differentiable;
  for (const Json& spec : s["inputs"].items()) {
    Tensor x = make_input(spec, device);
    bool diff = differentiated(c, spec, x);
    if (diff) x.requires_grad_(true);
    differentiable.push_back(diff);
    inputs.push_back(x);
  }

  if (const Json* error = s.find("error")) {
    try {
      fn(inputs, args);
      // Kernels may report bad input at the next synchronisation (Note [Deferred kernel errors]).
      if (device.is_cuda()) cuda::synchronize();
    } catch (const Error&) {
      return "";
    } catch (const std::exception& e) {
      return std::string("threw a non-ember exception: ") + e.what();
    }
    return "expected an ember::Error like PyTorch's: " + error->string();
  }

  Tensor out;
  try {
    out = fn(inputs, args);
  } catch (const std::exception& e) {
    return std::string("threw: ") + e.what();
  }
  Tensor input0 = inputs.empty() ? Tensor() : inputs[0];  // factories take no tensor
  std::string err =
      check_output(out, s["output"], input0, (*c.op_entry)["check_strides"].boolean());
  if (!err.empty()) return err;
  if (out.device() != device) return "result is on " + out.device().str() + "\n";
  if (s.find("grads")) err += check_grads(out, inputs, s);
  if (device != kCPU) return err;

  if (const Json* gc = s.find("gradcheck"); gc && gc->boolean()) {
    // Only the differentiable inputs are perturbed; the others are passed through as they are.
    variable_list fixed, xs;
    for (size_t i = 0; i < inputs.size(); ++i) {
      fixed.push_back(make_input(s["inputs"][i]));
      if (differentiable[i]) xs.push_back(fixed.back());
    }
    auto f = [&fn, &args, &fixed, &differentiable](const variable_list& x) {
      variable_list all = fixed;
      size_t k = 0;
      for (size_t i = 0; i < all.size(); ++i)
        if (differentiable[i]) all[i] = x[k++];
      return fn(all, args);
    };
    const Json* ggc = s.find("gradgradcheck");
    try {
      if (auto r = testing::gradcheck(f, xs); !r)
        err += "gradcheck: " + std::string(r.message()) + "\n";
      if (ggc && !ggc->boolean()) return err;  // not twice differentiable in PyTorch
      if (auto r = testing::gradgradcheck(f, xs); !r)
        err += "gradgradcheck: " + std::string(r.message()) + "\n";
    } catch (const std::exception& e) {
      err += std::string("gradcheck threw: ") + e.what();
    }
  }
  return err;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.key; }

class OpDb : public ::testing::TestWithParam<Case> {};

TEST_P(OpDb, MatchesPyTorch) {
  const Case& c = GetParam();
  std::string problems = check(c);
  if (const std::string* known = find_known(c.key)) {
    if (problems.empty()) FAIL() << c.key << " passes now: remove it from known_failures()";
    GTEST_SKIP() << "known failure (" << *known << "):\n" << problems;
  }
  EXPECT_TRUE(problems.empty()) << c.key << " (tests/golden, tools/gen_golden.py):\n" << problems;
}

INSTANTIATE_TEST_SUITE_P(Golden, OpDb, ::testing::ValuesIn(golden().cases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

// Why a CUDA replay of sample c is skipped rather than failed (empty: it is not).
std::string cuda_skip_reason(const Case& c, const std::string& problems) {
  if (problems.find("no kernel registered for device cuda") != std::string::npos)
    return "no CUDA kernel yet: " + problems;
  // PyTorch's CUDA backend refuses these too (integer matmul: "addmm_cuda" not implemented).
  if (problems.find("_cuda\" not implemented for") != std::string::npos)
    return "not supported by PyTorch on CUDA either: " + problems;
  // As PyTorch's flash kernel: 16-bit inputs and head sizes 64/128 only (the samples here are
  // smaller; tests/cuda/attention_test.cpp covers the kernel against the CPU op).
  if (problems.find("the CUDA kernel supports") != std::string::npos)
    return "outside the fused CUDA kernel's inputs: " + problems;
  if (const std::string* known = find_known(c.key))
    return "known failure on the CPU too (" + *known + "):\n" + problems;
  return "";
}

class OpDbCuda : public ::testing::TestWithParam<Case> {};

TEST_P(OpDbCuda, MatchesPyTorch) {
  if (!cuda::is_available())
    GTEST_SKIP() << "no CUDA device (ember built with CUDA: " << (cuda::is_built() ? "yes" : "no")
                 << ")";
  const Case& c = GetParam();
  if ((*c.sample)["inputs"].items().empty()) GTEST_SKIP() << "factory: no input to move";
  // PyTorch's float32 values are exact float products: cuDNN without TF32 (its default has it).
  const bool tf32 = globalContext().allowTF32CuDNN();
  globalContext().setAllowTF32CuDNN(false);
  std::string problems = check(c, Device(kCUDA, 0));
  globalContext().setAllowTF32CuDNN(tf32);
  if (std::string why = cuda_skip_reason(c, problems); !why.empty()) GTEST_SKIP() << why;
  EXPECT_TRUE(problems.empty()) << c.key << " on CUDA:\n" << problems;
}

INSTANTIATE_TEST_SUITE_P(Golden, OpDbCuda, ::testing::ValuesIn(golden().cases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

// ---- 16-bit floats on the GPU against the CPU ----
// The golden files hold float32/float64 samples; the 16-bit dtypes are checked device against
// device: each sample with float32 inputs is replayed with them in float16 and in bfloat16, on
// the CPU and on `device`, comparing dtype, shape, values and the gradients of sum(out * w)
// within two units in the last place of the dtype (the kernels on both sides compute in float
// and round once, but may add in another order).
std::string check_16bit(const Case& c, ScalarType dt, Device device, bool* compared = nullptr) {
  const Json& s = *c.sample;
  const OpFn* fn = find_op(c.op);
  if (!fn || s.find("error") || s["inputs"].items().empty()) return "";
  const Args args(s.find("kwargs"));
  variable_list h, d;
  bool any = false;
  for (const Json& spec : s["inputs"].items()) {
    Tensor x = make_input(spec);
    if (x.dtype() == kFloat) {
      any = true;
      x = x.to(dt);
    }
    bool diff = differentiated(c, spec, x);
    h.push_back(diff ? x.detach().clone().requires_grad_() : x);
    d.push_back(diff ? x.detach().to(device).requires_grad_() : x.to(device));
  }
  if (!any) return "";
  Tensor ref;
  try {
    ref = (*fn)(h, args);
  } catch (const std::exception&) {
    return "";  // no 16-bit CPU kernel for this sample: nothing to compare with
  }
  if (compared) *compared = true;
  Tensor out;
  try {
    out = (*fn)(d, args);
  } catch (const std::exception& e) {
    return std::string(toString(dt)) + ": threw on " + device.str() +
           " but not on the CPU: " + e.what() + "\n";
  }
  std::ostringstream err;
  err << toString(dt) << ": ";
  const std::string head = err.str();
  if (out.dtype() != ref.dtype())
    err << "dtype " << dtype_name(out.dtype()) << ", CPU " << dtype_name(ref.dtype()) << "\n";
  if (out.sizes() != ref.sizes()) {
    err << "sizes " << out.sizes() << ", CPU " << ref.sizes() << "\n";
    return err.str();
  }
  const double ulp2 = dt == kHalf ? 2e-3 : 1.6e-2;
  auto close = [&](const Tensor& a, const Tensor& b, double scale, const std::string& what) {
    auto r = testing::all_close(a.detach().cpu().to(kDouble), b.detach().to(kDouble), ulp2 * scale,
                                ulp2 * scale);
    if (!r) err << what << ": " << r.message() << "\n";
  };
  if (ref.is_floating_point()) {
    close(out, ref, 1, "out");
  } else if (!out.cpu().equal(ref)) {
    err << "out differs\n";
  }
  if (s.find("grads") && ref.requires_grad() && ref.is_floating_point()) {
    Tensor w = randn_like(ref, TensorOptions().dtype(kFloat).device(kCPU)).to(dt);
    variable_list hd, dd;
    for (size_t i = 0; i < h.size(); ++i) {
      if (h[i].requires_grad()) {
        hd.push_back(h[i]);
        dd.push_back(d[i]);
      }
    }
    try {
      auto gh = autograd::grad({ref}, hd, {w}, std::nullopt, false, true);
      auto gd = autograd::grad({out}, dd, {w.to(device)}, std::nullopt, false, true);
      for (size_t i = 0; i < gh.size(); ++i) {
        if (gh[i].defined() != gd[i].defined()) {
          err << "grad[" << i << "] defined on one side only\n";
        } else if (gh[i].defined()) {
          close(gd[i], gh[i], 4, "grad[" + std::to_string(i) + "]");
        }
      }
    } catch (const std::exception& e) {
      err << "backward threw: " << e.what() << "\n";
    }
  }
  std::string r = err.str();
  return r == head ? "" : r;
}

class OpDbCuda16 : public ::testing::TestWithParam<Case> {};

TEST_P(OpDbCuda16, MatchesCpu) {
  if (!cuda::is_available())
    GTEST_SKIP() << "no CUDA device (ember built with CUDA: " << (cuda::is_built() ? "yes" : "no")
                 << ")";
  const Case& c = GetParam();
  manual_seed(0);
  std::string problems = check_16bit(c, kHalf, Device(kCUDA, 0));
  manual_seed(0);
  problems += check_16bit(c, kBFloat16, Device(kCUDA, 0));
  if (std::string why = cuda_skip_reason(c, problems); !why.empty()) GTEST_SKIP() << why;
  EXPECT_TRUE(problems.empty()) << c.key << " in 16 bits, CUDA against the CPU:\n" << problems;
}

INSTANTIATE_TEST_SUITE_P(Golden, OpDbCuda16, ::testing::ValuesIn(golden().cases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

// Without a device the 16-bit replay runs CPU against CPU: every sample goes through the
// harness in CI (a second run of the same kernels must give the same bits).
TEST(OpDb16, ReplayRunsOnCpu) {
  int compared = 0;
  std::ostringstream problems;
  for (const Case& c : golden().cases) {
    for (ScalarType dt : {kHalf, kBFloat16}) {
      manual_seed(0);
      bool ran = false;
      std::string p = check_16bit(c, dt, kCPU, &ran);
      if (!p.empty() && !find_known(c.key)) problems << c.key << ": " << p;
      compared += ran;
    }
  }
  EXPECT_GT(compared, 1500);
  EXPECT_EQ(problems.str(), "");
}

// ---- CUDA autocast's lists over the whole database ----
// Every sample with float32 inputs is replayed with them in bfloat16, once plainly and once with
// CUDA autocast's lists applied to CPU tensors (support/cuda_autocast_lists.h). PyTorch 1.13's
// CUDA autocast turns a 16-bit input's result into float32 for the ops below - those on its fp32,
// fp32_set_opt_dtype and fp32_append_dtype lists, and PyTorch composites (Python functions or
// CompositeImplicitAutograd ops) built from them - and leaves every other op's dtype alone
// (lower/promote ops see only bfloat16 inputs here). An ember op that PyTorch runs as one kernel
// but ember builds from exp/pow/sum/... would change dtype under autocast: this audit finds it.
const std::set<std::string>& cuda_autocast_float_ops() {
  static const std::set<std::string> ops = {
      // fp32 list (functional forms only: exp_ and exp_out keep their dtype)
      "acos", "asin", "cosh", "erfinv", "exp", "expm1", "log", "log10", "log2", "log1p",
      "reciprocal", "rsqrt", "sinh", "tan", "pow", "softplus", "softplus_args", "layer_norm",
      "group_norm", "cosine_similarity", "logsumexp", "mse_loss", "l1_loss", "smooth_l1_loss",
      "huber_loss", "soft_margin_loss", "binary_cross_entropy_with_logits", "kl_div",
      "poisson_nll_loss", "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss",
      "triplet_margin_loss", "multi_margin_loss", "multilabel_margin_loss", "nll_loss",
      // fp32_set_opt_dtype without dtype= (sum_dtype, softmax_dtype, ... keep theirs)
      "sum", "sum_dim", "prod", "cumsum", "cumprod", "softmax", "log_softmax",
      // fp32_append_dtype
      "norm", "norm_dim",
      // composites: cross_entropy (log_softmax + nll_loss), pairwise_distance and normalize
      // (norm: fp32_append_dtype), gaussian_nll_loss (log, pow), multilabel_soft_margin_loss
      // (sum), triplet_margin_with_distance_loss (pairwise_distance), local_response_norm and
      // lp_pool (pow); the ctc_loss entry, whose input is log_softmax(x) (rms_norm is not here:
      // PyTorch 2.x's composite computes in float32 but returns type_as(input))
      "cross_entropy", "pairwise_distance", "normalize", "gaussian_nll_loss",
      "multilabel_soft_margin_loss", "triplet_margin_with_distance_loss", "local_response_norm",
      "lp_pool1d", "lp_pool2d", "ctc_loss"};
  return ops;
}

TEST(OpDbAutocast, CudaListsChangeOnlyTheirOps) {
  const std::set<std::string> banned = {"binary_cross_entropy"};
  std::ostringstream problems;
  int checked = 0;
  for (const Case& c : golden().cases) {
    const Json& s = *c.sample;
    const OpFn* fn = find_op(c.op);
    if (!fn || s.find("error")) continue;
    const Args args(s.find("kwargs"));
    variable_list low, up;  // float32 inputs in bfloat16, and those back in float32
    bool any = false;
    for (const Json& spec : s["inputs"].items()) {
      Tensor x = make_input(spec);
      any = any || x.dtype() == kFloat;
      low.push_back(x.dtype() == kFloat ? x.to(kBFloat16) : x);
      up.push_back(low.back().dtype() == kBFloat16 ? low.back().to(kFloat) : x);
    }
    if (!any) continue;
    Tensor plain;
    try {
      plain = (*fn)(low, args);
    } catch (const std::exception&) {
      continue;  // no bfloat16 kernel for this sample, or not valid in bfloat16
    }
    ScalarType want = plain.dtype();
    if (cuda_autocast_float_ops().count(c.op)) want = (*fn)(up, args).dtype();
    Tensor out;
    try {
      testing::CudaAutocastListsOnCpu lists;
      out = (*fn)(low, args);
    } catch (const std::exception& e) {
      if (!banned.count(c.op)) problems << c.key << ": threw under autocast: " << e.what() << "\n";
      continue;
    }
    ++checked;
    if (banned.count(c.op)) problems << c.key << ": should refuse to run under autocast\n";
    if (out.dtype() != want)
      problems << c.key << ": " << dtype_name(out.dtype()) << ", PyTorch gives " << dtype_name(want)
               << "\n";
    if (out.sizes() != plain.sizes()) problems << c.key << ": sizes " << out.sizes() << "\n";
  }
  EXPECT_GT(checked, 800);  // 919 on 2026-11-28: samples without a bfloat16 CPU kernel drop out
  EXPECT_EQ(problems.str(), "");
}

TEST(GoldenFiles, Load) { EXPECT_EQ(golden().error, ""); }

// The database cannot shrink silently: both sides must list the same ops.
TEST(GoldenFiles, EveryTableOpHasGoldenData) {
  for (const auto* table : {&op_table(), &nn_op_table()})
    for (const auto& [name, fn] : *table)
      EXPECT_TRUE(golden().ops.count(name))
          << "op_table() has '" << name << "' but tools/gen_golden.py does not";
  for (const auto& [name, fn] : nn_op_table())
    EXPECT_FALSE(op_table().count(name)) << "'" << name << "' is in both op tables";
}

TEST(GoldenFiles, EveryGoldenOpIsInTable) {
  for (const std::string& name : golden().ops)
    EXPECT_TRUE(find_op(name)) << "golden op '" << name << "' is missing from op_table()";
}

TEST(GoldenFiles, KnownFailuresNameExistingSamples) {
  std::set<std::string> keys;
  for (const Case& c : golden().cases) keys.insert(c.key);
  for (const auto* list : {&known_failures(), &nn_known_failures()})
    for (const auto& [key, why] : *list)
      EXPECT_TRUE(keys.count(key)) << "known_failures() lists '" << key << "', not a golden sample";
}

}  // namespace
}  // namespace opdb
}  // namespace ember
