// einsum: parses the equation, takes diagonals for repeated subscripts, sums subscripts nobody
// needs, then contracts operands left to right with one bmm each (or a broadcast multiply when
// nothing is contracted). Gradients come from the ops it is built of.
#include <algorithm>
#include <string>

#include "ember/ops/binary.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "src/amp/autocast_hook.h"

namespace ember {

namespace {
constexpr int kLetters = 52;  // A-Z then a-z, PyTorch's order for the implicit output

int label_id(char c) { return c >= 'A' && c <= 'Z' ? c - 'A' : c - 'a' + 26; }
char label_char(int id) {
  return id < 26 ? static_cast<char>('A' + id) : static_cast<char>('a' + id - 26);
}
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

struct Spec {
  std::vector<int> labels;
  int ellipsis_pos = -1;  // index into labels where the ellipsis dims go
};

// Parses one side's subscripts; `offset` is the position of `s` in the equation (for errors).
Spec parse_spec(std::string_view s, size_t offset, const std::string& who) {
  Spec sp;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ' ') continue;
    if (c == '.') {
      EMBER_CHECK(sp.ellipsis_pos < 0, "[einsum] einsum(): found more than one ellipsis for ", who);
      EMBER_CHECK(i + 2 < s.size() + 0 && s[i + 1] == '.' && s[i + 2] == '.',
                  "[einsum] einsum(): found '.' for ", who, " that is not part of any ellipsis");
      sp.ellipsis_pos = static_cast<int>(sp.labels.size());
      i += 2;
      continue;
    }
    EMBER_CHECK(is_letter(c), "[einsum] einsum(): invalid subscript given at index ", offset + i,
                " in the equation string, subscripts must be in [a-zA-Z]");
    sp.labels.push_back(label_id(c));
  }
  return sp;
}

struct Operand {
  Tensor t;
  std::vector<int> labels;  // one id per dim; ids >= kLetters are ellipsis dims
};

int64_t index_of(const std::vector<int>& v, int x) {
  auto it = std::find(v.begin(), v.end(), x);
  return it == v.end() ? -1 : static_cast<int64_t>(it - v.begin());
}
bool contains(const std::vector<int>& v, int x) { return index_of(v, x) >= 0; }

// Sums away the labels of `op` for which keep(label) is false.
void sum_unneeded(Operand& op, const std::function<bool(int)>& keep) {
  std::vector<int64_t> dims;
  std::vector<int> rest;
  for (size_t i = 0; i < op.labels.size(); ++i) {
    if (keep(op.labels[i])) {
      rest.push_back(op.labels[i]);
    } else {
      dims.push_back(static_cast<int64_t>(i));
    }
  }
  if (dims.empty()) return;
  op.t = op.t.sum(dims);
  op.labels = rest;
}

// Permutes op so that its labels follow `order` (every label of op must be in `order`).
Tensor arrange(const Operand& op, const std::vector<int>& order) {
  std::vector<int64_t> perm;
  for (int l : order) perm.push_back(index_of(op.labels, l));
  return op.t.permute(perm);
}
}  // namespace

Tensor einsum(std::string_view equation, TensorList tensors, OptionalIntArrayRef path) {
  EMBER_AUTOCAST(fallthrough, lower, einsum, equation, tensors, path);
  size_t arrow = equation.find("->");
  std::string_view lhs = equation.substr(0, arrow);
  std::vector<Spec> specs;
  size_t start = 0;
  for (size_t op = 0;; ++op) {
    size_t comma = lhs.find(',', start);
    std::string_view part =
        lhs.substr(start, comma == std::string_view::npos ? lhs.size() - start : comma - start);
    specs.push_back(parse_spec(part, start, "operand " + std::to_string(op)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  EMBER_CHECK(!tensors.empty(), "[einsum] einsum(): must provide at least one operand");
  EMBER_CHECK(specs.size() <= tensors.size(),
              "[einsum] einsum(): fewer operands were provided "
              "than specified in the equation");
  EMBER_CHECK(specs.size() >= tensors.size(),
              "[einsum] einsum(): more operands were provided "
              "than specified in the equation");

  // Ellipsis dims get ids kLetters.. aligned to the right, as broadcasting aligns them.
  int64_t ell_max = 0;
  std::vector<int64_t> ell(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    int64_t nl = static_cast<int64_t>(specs[i].labels.size());
    int64_t nd = tensors[i].dim();
    if (specs[i].ellipsis_pos < 0) {
      EMBER_CHECK(nl == nd, "[einsum] einsum(): the number of subscripts in the equation (", nl,
                  ") does not match the number of dimensions (", nd, ") for operand ", i,
                  " and no ellipsis was given");
    } else {
      EMBER_CHECK(nl <= nd, "[einsum] einsum(): the number of subscripts in the equation (", nl,
                  ") is more than the number of dimensions (", nd, ") for operand ", i);
      ell[i] = nd - nl;
      ell_max = std::max(ell_max, ell[i]);
    }
  }
  std::vector<int64_t> count(static_cast<size_t>(kLetters + ell_max), 0);
  std::vector<int64_t> size_of(count.size(), -1);
  std::vector<Operand> ops;
  for (size_t i = 0; i < specs.size(); ++i) {
    // Occurrences in the equation itself decide the implicit output ("ii" is a trace).
    for (int l : specs[i].labels) ++count[l];
    Operand op{tensors[i], {}};
    for (size_t j = 0; j <= specs[i].labels.size(); ++j) {
      if (static_cast<int>(j) == specs[i].ellipsis_pos) {
        for (int64_t e = 0; e < ell[i]; ++e) {
          op.labels.push_back(static_cast<int>(kLetters + ell_max - ell[i] + e));
          ++count[op.labels.back()];
        }
      }
      if (j < specs[i].labels.size()) op.labels.push_back(specs[i].labels[j]);
    }
    // A subscript repeated within an operand selects its diagonal.
    for (;;) {
      int64_t p = -1, q = -1;
      for (size_t a = 0; a < op.labels.size() && p < 0; ++a) {
        for (size_t b = a + 1; b < op.labels.size(); ++b) {
          if (op.labels[a] == op.labels[b]) {
            p = static_cast<int64_t>(a);
            q = static_cast<int64_t>(b);
            break;
          }
        }
      }
      if (p < 0) break;
      int l = op.labels[p];
      EMBER_CHECK(op.t.size(p) == op.t.size(q), "[einsum] einsum(): subscript ", label_char(l),
                  " is repeated for operand ", i, " but the sizes don't match, ", op.t.size(p),
                  " != ", op.t.size(q));
      op.t = op.t.diagonal(0, p, q);
      op.labels.erase(op.labels.begin() + q);
      op.labels.erase(op.labels.begin() + p);
      op.labels.push_back(l);
    }
    for (size_t d = 0; d < op.labels.size(); ++d) {
      int l = op.labels[d];
      int64_t s = op.t.size(static_cast<int64_t>(d));
      if (size_of[l] < 0 || size_of[l] == 1) {
        size_of[l] = s;
      } else {
        EMBER_CHECK(s == size_of[l] || s == 1, "[einsum] einsum(): subscript ",
                    l < kLetters ? std::string(1, label_char(l)) : std::string("..."), " has size ",
                    s, " for operand ", i, " which does not broadcast with previously seen size ",
                    size_of[l]);
      }
    }
    ops.push_back(std::move(op));
  }

  std::vector<int> out_labels;
  if (arrow != std::string_view::npos) {
    std::string_view rhs = equation.substr(arrow + 2);
    Spec o = parse_spec(rhs, arrow + 2, "the output");
    for (size_t j = 0; j <= o.labels.size(); ++j) {
      if (static_cast<int>(j) == o.ellipsis_pos) {
        for (int64_t e = 0; e < ell_max; ++e) out_labels.push_back(static_cast<int>(kLetters + e));
      }
      if (j == o.labels.size()) break;
      int l = o.labels[j];
      EMBER_CHECK(count[l] > 0, "[einsum] einsum(): output subscript ", label_char(l),
                  " does not appear in the equation for any input operand");
      EMBER_CHECK(!contains(out_labels, l), "[einsum] einsum(): output subscript ", label_char(l),
                  " appears more than once in the output");
      out_labels.push_back(l);
    }
  } else {
    for (int64_t e = 0; e < ell_max; ++e) out_labels.push_back(static_cast<int>(kLetters + e));
    for (int l = 0; l < kLetters; ++l)
      if (count[l] == 1) out_labels.push_back(l);
  }

  // Labels needed by the output or by operands after `k`.
  auto needed_after = [&](size_t k, int l) {
    if (contains(out_labels, l)) return true;
    for (size_t j = k + 1; j < ops.size(); ++j)
      if (contains(ops[j].labels, l)) return true;
    return false;
  };
  Operand cur = ops[0];
  for (size_t k = 1; k < ops.size(); ++k) {
    Operand& other = ops[k];
    sum_unneeded(cur, [&](int l) { return contains(other.labels, l) || needed_after(k, l); });
    sum_unneeded(other, [&](int l) { return contains(cur.labels, l) || needed_after(k, l); });
    std::vector<int> batch, contract, a_only, b_only;
    for (int l : cur.labels) {
      if (!contains(other.labels, l)) {
        a_only.push_back(l);
      } else if (needed_after(k, l)) {
        batch.push_back(l);
      } else {
        contract.push_back(l);
      }
    }
    for (int l : other.labels)
      if (!contains(cur.labels, l)) b_only.push_back(l);
    auto sz = [](const Operand& o, int l) { return o.t.size(index_of(o.labels, l)); };
    Operand next;
    if (contract.empty()) {
      // Nothing to sum: a broadcast multiply over [batch, a, b].
      std::vector<int> oa = batch, ob = batch;
      oa.insert(oa.end(), a_only.begin(), a_only.end());
      ob.insert(ob.end(), b_only.begin(), b_only.end());
      Tensor ta = arrange(cur, oa), tb = arrange(other, ob);
      DimVector sa(ta.sizes()), sb(tb.sizes().slice(0, batch.size()));
      for (size_t i = 0; i < b_only.size(); ++i) sa.push_back(1);
      for (size_t i = 0; i < a_only.size(); ++i) sb.push_back(1);
      for (int l : b_only) sb.push_back(sz(other, l));
      next.t = ta.reshape(sa) * tb.reshape(sb);
    } else {
      // [B, M, K] @ [B, K, N] with batch and contracted dims broadcast to a common size.
      DimVector ea, eb, bsz;
      int64_t nb = 1, m = 1, kk = 1, n = 1;
      for (int l : batch) {
        int64_t s = std::max(sz(cur, l), sz(other, l));
        if (sz(cur, l) == 0 || sz(other, l) == 0) s = 0;
        ea.push_back(s);
        eb.push_back(s);
        bsz.push_back(s);
        nb *= s;
      }
      for (int l : a_only) {
        ea.push_back(sz(cur, l));
        m *= sz(cur, l);
      }
      for (int l : contract) {
        int64_t s = std::max(sz(cur, l), sz(other, l));
        if (sz(cur, l) == 0 || sz(other, l) == 0) s = 0;
        ea.push_back(s);
        kk *= s;
      }
      for (int l : contract) {
        int64_t s = std::max(sz(cur, l), sz(other, l));
        if (sz(cur, l) == 0 || sz(other, l) == 0) s = 0;
        eb.push_back(s);
      }
      for (int l : b_only) {
        eb.push_back(sz(other, l));
        n *= sz(other, l);
      }
      std::vector<int> oa = batch, ob = batch;
      oa.insert(oa.end(), a_only.begin(), a_only.end());
      oa.insert(oa.end(), contract.begin(), contract.end());
      ob.insert(ob.end(), contract.begin(), contract.end());
      ob.insert(ob.end(), b_only.begin(), b_only.end());
      Tensor ta = arrange(cur, oa).expand(ea).reshape({nb, m, kk});
      Tensor tb = arrange(other, ob).expand(eb).reshape({nb, kk, n});
      DimVector rs(bsz);
      for (int l : a_only) rs.push_back(sz(cur, l));
      for (int l : b_only) rs.push_back(sz(other, l));
      next.t = ta.bmm(tb).reshape(rs);
    }
    next.labels = batch;
    next.labels.insert(next.labels.end(), a_only.begin(), a_only.end());
    next.labels.insert(next.labels.end(), b_only.begin(), b_only.end());
    cur = std::move(next);
  }
  sum_unneeded(cur, [&](int l) { return contains(out_labels, l); });
  // Output ellipsis dims that no operand had (ell[i] < ell_max everywhere) cannot occur: ell_max
  // comes from some operand, and that operand's ids all survive to here.
  return arrange(cur, out_labels);
}

}  // namespace ember
