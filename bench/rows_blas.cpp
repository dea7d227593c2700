// "Best BLAS" reference rows: ember's sgemm against the same product computed by OpenBLAS's cblas
// (the copy ember links), oneDNN's dnnl_sgemm (loaded by libtorch) and BLIS (if a libblis.so is
// given; tools/bench.sh unpacks Debian's libblis4-pthread next to the build). The BLAS libraries
// are opened with dlopen(RTLD_LOCAL) so their symbols can't replace the ones ember and libtorch
// use.
#include <dlfcn.h>

#include "harness.h"

namespace bench {
namespace {

using CblasSgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*,
                            int, float, float*, int);
using SetThreads = void (*)(int);
using DnnlSgemm = int (*)(char, char, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
using BliSgemm = void (*)(int, int, int64_t, int64_t, int64_t, const float*, const float*, int64_t,
                          int64_t, const float*, int64_t, int64_t, const float*, float*, int64_t,
                          int64_t);
using BliSetThreads = void (*)(int64_t);

void* sym(void* lib, const char* name) { return lib ? dlsym(lib, name) : nullptr; }

void* open_openblas() {
  void* h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  return h ? h : dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
}

struct Buffers {
  std::vector<float> a, b, c;
  int64_t n;
  explicit Buffers(int64_t n_)
      : a(uniform(static_cast<size_t>(n_ * n_), 41)),
        b(uniform(static_cast<size_t>(n_ * n_), 42)),
        c(static_cast<size_t>(n_ * n_)),
        n(n_) {}
};

// Same inputs as the sgemm rows of rows_compute.cpp.
Side ember_sgemm(int64_t n) {
  auto a = Ember::from(uniform(static_cast<size_t>(n * n), 41), {n, n});
  auto b = Ember::from(uniform(static_cast<size_t>(n * n), 42), {n, n});
  return {[=] { (void)a.mm(b); }, [=] { return Ember::values(a.mm(b)); }, Ember::threads};
}

std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

Side openblas_sgemm(int64_t n) {
  void* lib = open_openblas();
  auto gemm = reinterpret_cast<CblasSgemm>(sym(lib, "cblas_sgemm"));
  auto threads = reinterpret_cast<SetThreads>(sym(lib, "openblas_set_num_threads"));
  if (!gemm || !threads) throw std::runtime_error("libopenblas.so.0 not found");
  auto buf = std::make_shared<Buffers>(n);
  auto run = [=] {
    const int m = static_cast<int>(buf->n);
    gemm(101 /*row major*/, 111, 111 /*no trans*/, m, m, m, 1.f, buf->a.data(), m, buf->b.data(), m,
         0.f, buf->c.data(), m);
  };
  return {run,
          [=] {
            run();
            return to_double(buf->c);
          },
          threads};
}

Side onednn_sgemm(int64_t n) {
  auto gemm = reinterpret_cast<DnnlSgemm>(dlsym(RTLD_DEFAULT, "dnnl_sgemm"));
  if (!gemm) throw std::runtime_error("dnnl_sgemm not found");
  auto buf = std::make_shared<Buffers>(n);
  auto run = [=] {
    const int64_t m = buf->n;
    gemm('N', 'N', m, m, m, 1.f, buf->a.data(), m, buf->b.data(), m, 0.f, buf->c.data(), m);
  };
  // oneDNN runs on libtorch's OpenMP threads.
  return {run,
          [=] {
            run();
            return to_double(buf->c);
          },
          Torch::threads};
}

Side blis_sgemm(const std::string& path, int64_t n) {
  void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  auto gemm = reinterpret_cast<BliSgemm>(sym(lib, "bli_sgemm"));
  auto threads = reinterpret_cast<BliSetThreads>(sym(lib, "bli_thread_set_num_threads"));
  auto int_size = reinterpret_cast<int64_t (*)()>(sym(lib, "bli_info_get_int_type_size"));
  if (!gemm || !threads || !int_size) throw std::runtime_error("BLIS not loadable from " + path);
  if (int_size() != 64) throw std::runtime_error("BLIS built with non-64-bit dim_t");
  auto buf = std::make_shared<Buffers>(n);
  auto run = [=] {
    const int64_t m = buf->n;
    const float one = 1.f, zero = 0.f;
    gemm(0, 0 /*BLIS_NO_TRANSPOSE*/, m, m, m, &one, buf->a.data(), m, 1, buf->b.data(), m, 1, &zero,
         buf->c.data(), m, 1);
  };
  return {run,
          [=] {
            run();
            return to_double(buf->c);
          },
          [threads](int t) { threads(t); }};
}

}  // namespace

void add_blas_rows(std::vector<Row>& rows, const std::string& blis_path) {
  for (int64_t n : {1024, 4096}) {
    auto add = [&](const std::string& lib, std::function<Side()> other) {
      Row r{"sgemm " + std::to_string(n) + " vs " + lib, Unit::Flops32, 2.0 * n * n * n,
            [n] { return ember_sgemm(n); }, std::move(other)};
      r.rtol = 1e-3;
      r.atol = 1e-2;
      r.other_name = lib;
      r.only_threads = 2;  // the BLAS's best case; 1-thread sgemm is in the sgemm rows
      if (n == 4096) r.max_reps = 3;
      rows.push_back(r);
    };
    add("OpenBLAS cblas", [n] { return openblas_sgemm(n); });
    add("oneDNN", [n] { return onednn_sgemm(n); });
    if (!blis_path.empty()) add("BLIS", [n, blis_path] { return blis_sgemm(blis_path, n); });
  }
}

}  // namespace bench
