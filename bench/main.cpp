// ember vs libtorch, side by side in one process. Each row runs the same workload in both,
// alternating, several repetitions, and reports medians at 1 and 2 threads, the ratio
// libtorch / ember of each library's better setting (> 1: ember is faster), and GB/s or GFLOP/s
// against the machine's memcpy bandwidth and FMA peak measured in the same run. Once per row both
// results are compared, so a broken kernel can't look fast.
//
//   bench_ops [reps] [FILTER...] [--epoch] [--md FILE] [--extra FILE] [--blis LIB] [--data DIR]
//
// FILTER: run only rows whose name contains one of them (case-insensitive).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "machine.h"
#include "row.h"

namespace bench {

std::vector<float> uniform(size_t n, uint64_t seed, float lo, float hi) {
  std::vector<float> v(n);
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
  for (auto& x : v) {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    x = lo + (hi - lo) * static_cast<float>(z >> 40) * (1.f / 16777216.f);
  }
  return v;
}

}  // namespace bench

namespace {

using bench::Row;
using bench::Side;
using bench::Unit;
using Clock = std::chrono::steady_clock;

struct Args {
  int reps = 7;
  std::vector<std::string> filters;
  bool epoch = false;
  std::string md = "bench_results.md";
  std::string extra;
  std::string blis;
  std::string data = "/usr/share/datasets/fashion-mnist";
  std::string child_row, child_lib;  // --child-mem ROW LIB
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool selected(const Args& a, const std::string& name) {
  if (a.filters.empty()) return true;
  for (const auto& f : a.filters) {
    if (lower(name).find(lower(f)) != std::string::npos) return true;
  }
  return false;
}

double seconds(const std::function<void()>& f, int iters) {
  auto t0 = Clock::now();
  for (int i = 0; i < iters; ++i) f();
  return std::chrono::duration<double>(Clock::now() - t0).count() / iters;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string fmt(const char* f, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

std::string human(double s) {
  if (!(s > 0)) return "-";
  if (s < 1e-6) return fmt("%.0f ns", s * 1e9);
  if (s < 1e-3) return fmt("%.2f us", s * 1e6);
  if (s < 1) return fmt("%.2f ms", s * 1e3);
  return fmt("%.2f s", s);
}

// Compares two results elementwise: |a - b| <= atol + rtol * |b|, NaNs only where NaNs are.
std::string compare(const std::vector<double>& a, const std::vector<double>& b, double rtol,
                    double atol) {
  if (a.size() != b.size()) {
    return "MISMATCH: " + std::to_string(a.size()) + " vs " + std::to_string(b.size()) + " values";
  }
  double worst = 0;
  size_t bad = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i])) {
      if (std::isnan(a[i]) != std::isnan(b[i])) ++bad;
      continue;
    }
    double d = std::fabs(a[i] - b[i]);
    if (d > atol + rtol * std::fabs(b[i])) ++bad;
    worst = std::max(worst, d);
  }
  if (bad) return "MISMATCH: " + std::to_string(bad) + " values, max diff " + fmt("%.3g", worst);
  return "ok";
}

struct Result {
  std::string name;
  double e[2] = {0, 0}, o[2] = {0, 0};  // median seconds per run at 1 and 2 threads; 0: not run
  std::string check = "-";
  std::string other_name = "libtorch";
  Unit unit = Unit::None;
  double work = 0;
  // Rows that are not times (peak memory, build): values with their unit.
  bool value_row = false;
  double ev = 0, ov = 0;
  std::string value_unit;
};

double best(const double* v) {
  double b = 0;
  for (int i = 0; i < 2; ++i) {
    if (v[i] > 0 && (b == 0 || v[i] < b)) b = v[i];
  }
  return b;
}

// Note [OpenBLAS threads for libtorch]: both libraries call the process's one OpenBLAS.
// ember runs it single-threaded (it splits large GEMMs on its own pool) and sets its thread
// count to 1 when ember's pool is made, which silently made libtorch's GEMMs single-threaded
// too (its 2-thread sgemm then equalled its 1-thread one). Torch::threads(n) sets OpenBLAS to n
// threads again, after Ember::threads; ember's GEMM sets 1 around each of its own calls.
//
// Note [Settle between libraries]: after a parallel region, idle worker threads spin for a while
// before they sleep (libtorch's OpenMP workers for milliseconds, ember's briefly). On 2 cores a
// spinning worker of the library that just ran takes a core from the other library's next
// sample, and 2-thread timings came out up to 1.5x slower than when run alone. Each sample
// therefore starts after a short pause in which the other library's workers go to sleep.
void settle() {
  static const int ms = [] {
    const char* e = std::getenv("BENCH_SETTLE_MS");
    return e ? std::atoi(e) : 15;
  }();
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

Result measure(const Row& r, int reps) {
  Result res;
  res.name = r.name;
  res.other_name = r.other_name;
  res.unit = r.unit;
  res.work = r.work;
  try {
    Side e = r.ember();
    Side o = r.other();
    e.threads(2);
    o.threads(2);
    try {
      res.check = compare(e.check(), o.check(), r.rtol, r.atol);
    } catch (const std::exception& ex) {
      res.check = std::string("ERROR in check: ") + ex.what();
    }
    for (int th = 1; th <= 2; ++th) {
      if (r.only_threads && r.only_threads != th) continue;
      e.threads(th);
      o.threads(th);
      // Warm up (a second time only for short runs), then size a sample to ~20 ms (at least one
      // run) for each library.
      double te = 1e30, to = 1e30;
      if (r.warmups == 0) te = to = 1;  // long rows: one run per sample
      for (int i = 0; i < r.warmups && (i == 0 || std::max(te, to) <= 0.3); ++i) {
        te = std::min(te, seconds(e.run, 1));
        to = std::min(to, seconds(o.run, 1));
      }
      int ie = static_cast<int>(std::clamp(0.02 / te, 1.0, 1e6));
      int io = static_cast<int>(std::clamp(0.02 / to, 1.0, 1e6));
      int n = reps;
      if (r.max_reps) n = std::min(n, r.max_reps);
      if (std::max(te, to) > 0.3) n = std::min(n, 3);
      std::vector<double> se, so;
      for (int i = 0; i < n; ++i) {
        settle();
        se.push_back(seconds(e.run, ie));
        settle();
        so.push_back(seconds(o.run, io));
      }
      res.e[th - 1] = median(se);
      res.o[th - 1] = median(so);
    }
  } catch (const std::exception& ex) {
    res.check = std::string("ERROR: ") + ex.what();
  }
  for (auto& c : res.check) {
    if (c == '\n' || c == '|') c = ' ';
  }
  if (res.check.size() > 120) res.check = res.check.substr(0, 117) + "...";
  return res;
}

long status_kb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  size_t n = std::strlen(key);
  while (std::getline(f, line)) {
    if (line.compare(0, n, key) == 0) return std::atol(line.c_str() + n + 1);
  }
  return 0;
}

// Child mode: builds one library's side of a row, runs it mem_runs times, prints its peak RSS
// (VmHWM) and the resident size before the row was built (both libraries' code is loaded in either
// case).
int child_mem(const std::vector<Row>& rows, const Args& a) {
  for (const auto& r : rows) {
    if (r.name != a.child_row) continue;
    long base = status_kb("VmRSS:");
    Side s = a.child_lib == "ember" ? r.ember() : r.other();
    s.threads(2);
    for (int i = 0; i < r.mem_runs; ++i) s.run();
    long hwm = status_kb("VmHWM:");
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("PEAK %ld %ld %ld\n", hwm, base, ru.ru_maxrss);
    return 0;
  }
  std::fprintf(stderr, "no row named '%s'\n", a.child_row.c_str());
  return 2;
}

// Peak RSS above the pre-row baseline, in MB, of one library's side run in a child process.
double peak_mb(const char* self, const Args& a, const Row& r, const char* lib) {
  std::string cmd = std::string("'") + self + "' --child-mem '" + r.name + "' " + lib +
                    " --data '" + a.data + "'" + (a.epoch ? " --epoch" : "");
  if (!a.blis.empty()) cmd += " --blis '" + a.blis + "'";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return 0;
  long hwm = 0, base = 0, maxrss = 0;
  char line[256];
  while (std::fgets(line, sizeof line, p)) {
    std::sscanf(line, "PEAK %ld %ld %ld", &hwm, &base, &maxrss);
  }
  pclose(p);
  return hwm > 0 ? (hwm - base) / 1024.0 : 0;
}

std::string rate(const Result& r, const double* t, const bench::Machine& m) {
  double s = best(t);
  if (!(s > 0) || r.work <= 0 || r.unit == Unit::None) return "";
  double per_s = r.work / s / 1e9;
  if (r.unit == Unit::Bytes) {
    double ref = std::max(m.memcpy_gbs[0], m.memcpy_gbs[1]);
    return fmt("%.1f GB/s", per_s) + fmt(" (%.0f%%)", 100 * per_s / ref);
  }
  double ref = r.unit == Unit::Flops32 ? std::max(m.peak32[0], m.peak32[1])
                                       : std::max(m.peak64[0], m.peak64[1]);
  return fmt("%.1f GFLOP/s", per_s) + fmt(" (%.0f%%)", 100 * per_s / ref);
}

std::vector<std::string> cells(const Result& r, const bench::Machine& m) {
  if (r.value_row) {
    auto v = [&](double x) { return x > 0 ? fmt("%.2f ", x) + r.value_unit : std::string("-"); };
    std::string ratio = r.ev > 0 && r.ov > 0 ? fmt("%.2fx", r.ov / r.ev) : "-";
    return {r.name, "", v(r.ev), "", v(r.ov), ratio, "", "", r.check};
  }
  double be = best(r.e), bo = best(r.o);
  std::string ratio = be > 0 && bo > 0 ? fmt("%.2fx", bo / be) : "-";
  std::string name = r.name;
  return {name,  human(r.e[0]),   human(r.e[1]),   human(r.o[0]), human(r.o[1]),
          ratio, rate(r, r.e, m), rate(r, r.o, m), r.check};
}

const std::vector<std::string> kHeader = {"row",         "ember 1t",      "ember 2t",
                                          "libtorch 1t", "libtorch 2t",   "libtorch/ember",
                                          "ember rate",  "libtorch rate", "check"};

void print_table(FILE* f, const std::vector<std::vector<std::string>>& t) {
  std::vector<size_t> w(kHeader.size(), 0);
  for (const auto& row : t) {
    for (size_t i = 0; i < row.size(); ++i) w[i] = std::max(w[i], row[i].size());
  }
  for (const auto& row : t) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i == 0 || i + 1 == row.size()) {
        std::fprintf(f, "%-*s  ", static_cast<int>(w[i]), row[i].c_str());
      } else {
        std::fprintf(f, "%*s  ", static_cast<int>(w[i]), row[i].c_str());
      }
    }
    std::fprintf(f, "\n");
  }
}

void write_markdown(const std::string& path, const std::string& preamble,
                    const std::vector<std::vector<std::string>>& t) {
  std::ofstream f(path);
  for (char c : preamble) f << (c == '\n' ? std::string("\n\n") : std::string(1, c));
  for (size_t r = 0; r < t.size(); ++r) {
    f << "|";
    for (const auto& c : t[r]) f << " " << c << " |";
    f << "\n";
    if (r == 0) {
      f << "|";
      for (size_t i = 0; i < t[r].size(); ++i)
        f << (i == 0 || i + 1 == t[r].size() ? "---|" : "---:|");
      f << "\n";
    }
  }
}

// Rows measured outside this binary (tools/bench_build.sh): NAME \t EMBER \t LIBTORCH \t UNIT.
void read_extra(const std::string& path, std::vector<Result>& out) {
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream s(line);
    Result r;
    std::string ev, ov;
    if (!std::getline(s, r.name, '\t') || !std::getline(s, ev, '\t') ||
        !std::getline(s, ov, '\t') || !std::getline(s, r.value_unit, '\t')) {
      continue;
    }
    r.value_row = true;
    r.ev = std::atof(ev.c_str());
    r.ov = std::atof(ov.c_str());
    out.push_back(r);
  }
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", k.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (k == "--epoch") {
      a.epoch = true;
    } else if (k == "--md") {
      a.md = value();
    } else if (k == "--extra") {
      a.extra = value();
    } else if (k == "--blis") {
      a.blis = value();
    } else if (k == "--data") {
      a.data = value();
    } else if (k == "--child-mem") {
      a.child_row = value();
      a.child_lib = value();
    } else if (k.size() > 1 && k[0] == '-') {
      std::fprintf(stderr,
                   "usage: %s [reps] [FILTER...] [--epoch] [--md FILE] [--extra FILE] "
                   "[--blis LIB] [--data DIR]\n",
                   argv[0]);
      std::exit(2);
    } else if (!k.empty() && std::all_of(k.begin(), k.end(), ::isdigit)) {
      a.reps = std::max(1, std::atoi(k.c_str()));
    } else {
      a.filters.push_back(k);
    }
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  std::vector<Row> rows;
  bench::add_overhead_rows(rows);
  bench::add_bandwidth_rows(rows);
  bench::add_compute_rows(rows);
  bench::add_blas_rows(rows, a.blis);
  bench::add_transformer_rows(rows);
  bench::add_training_rows(rows, a.epoch, a.data);
  if (!a.child_row.empty()) return child_mem(rows, a);

  std::fprintf(stderr, "measuring the machine (memcpy bandwidth, FMA peak)...\n");
  bench::Machine m = bench::measure_machine();
  auto preamble = [&] {
    std::time_t now = std::time(nullptr);
    char date[64];
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
    std::string pre;
    pre += "ember vs libtorch, " + std::string(date) + ", " + std::to_string(a.reps) +
           " repetitions, medians (best of 1 and 2 threads for each library).\n";
    pre += "Machine: " + std::to_string(m.cores) + " hardware threads; memcpy " +
           fmt("%.1f", m.memcpy_gbs[0]) + " GB/s (1 thread) / " + fmt("%.1f", m.memcpy_gbs[1]) +
           " GB/s (2 threads), read + write bytes; FMA peak (" + m.isa + ") float32 " +
           fmt("%.1f", m.peak32[0]) + " / " + fmt("%.1f", m.peak32[1]) + " GFLOP/s, float64 " +
           fmt("%.1f", m.peak64[0]) + " / " + fmt("%.1f", m.peak64[1]) +
           " GFLOP/s (1 / 2 threads).\n";
    pre +=
        "libtorch/ember > 1: ember is faster (or smaller). Rates: GB/s as % of the best memcpy, "
        "GFLOP/s as % of the best FMA peak. Rows named 'vs X' hold library X in the libtorch "
        "columns.\n";
    return pre;
  };
  std::vector<Result> results, extra;
  if (!a.extra.empty()) read_extra(a.extra, extra);
  // The markdown file is rewritten after every row, so an interrupted run keeps what it measured.
  auto table = [&] {
    std::vector<std::vector<std::string>> t = {kHeader};
    for (const auto& r : results) t.push_back(cells(r, m));
    for (const auto& r : extra) t.push_back(cells(r, m));
    return t;
  };
  auto progress = [&](const Result& r) {
    auto c = cells(r, m);
    std::string line = "   ";
    for (size_t i = 1; i < c.size(); ++i) {
      if (!c[i].empty()) line += " " + kHeader[i] + " " + c[i] + ";";
    }
    std::fprintf(stderr, "%s\n", line.c_str());
    write_markdown(a.md, preamble(), table());
  };
  size_t n_sel = 0, i_row = 0;
  for (const auto& r : rows) n_sel += selected(a, r.name);
  for (const auto& r : rows) {
    if (!selected(a, r.name)) continue;
    std::fprintf(stderr, "[%zu/%zu] %s\n", ++i_row, n_sel, r.name.c_str());
    results.push_back(measure(r, a.reps));
    progress(results.back());
    if (r.peak_memory) {
      Result pm;
      pm.name = "peak RSS: " + r.name;
      pm.value_row = true;
      pm.value_unit = "MB";
      pm.ev = peak_mb(argv[0], a, r, "ember");
      pm.ov = peak_mb(argv[0], a, r, "libtorch");
      results.push_back(pm);
      progress(results.back());
    }
  }

  std::string pre = preamble();
  auto t = table();
  std::printf("\n%s\n", pre.c_str());
  print_table(stdout, t);
  write_markdown(a.md, pre, t);
  std::printf("\nmarkdown table: %s\n", a.md.c_str());
  return 0;
}
