// einsum's planner: parse the equation into integer labels, take diagonals for repeated labels, sum a label out
// as soon as no later operand and not the output needs it, and contract each pair with one bmm after a
// permute/reshape to (batch, rows, inner) x (batch, inner, cols). Views stay views (e.g. 'ij->ji').
#include "ops/einsum.h"

#include <algorithm>
#include <array>
#include <optional>

#include "core/error.h"
#include "ops/common.h"
#include "ops/elementwise.h"
#include "ops/linalg.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace pynn {

namespace {

constexpr int kLetters = 52;  // A-Z -> 0..25, a-z -> 26..51 (torch's order); ellipsis dims follow

int letter_label(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  return -1;
}

std::string label_name(int l) {
  if (l >= kLetters) return "...";
  return std::string(1, l < 26 ? static_cast<char>('A' + l) : static_cast<char>('a' + l - 26));
}

// One term of the equation: its letters, and where '...' stands (-1: none).
struct Term {
  std::vector<int> labels;
  int ellipsis_at = -1;
};

Term parse_term(const std::string& eq, size_t begin, size_t end) {
  Term t;
  for (size_t i = begin; i < end; ++i) {
    char c = eq[i];
    if (c == ' ') continue;
    if (c == '.') {
      PYNN_CHECK(t.ellipsis_at < 0 && i + 3 <= end && eq.compare(i, 3, "...") == 0, "einsum",
                 "einsum(): found '.' for operand that is not part of any ellipsis");
      t.ellipsis_at = static_cast<int>(t.labels.size());
      i += 2;
      continue;
    }
    int l = letter_label(c);
    PYNN_CHECK(l >= 0, "einsum", "einsum(): invalid subscript given at index ", i,
               " in the equation string, subscripts must be in [a-zA-Z]");
    t.labels.push_back(l);
  }
  return t;
}

struct Labeled {
  Tensor t;
  std::vector<int> labels;  // one per dim of t
};

// Dims of x whose label is not kept, summed away.
Labeled sum_out(Labeled x, const std::vector<bool>& keep) {
  std::vector<int64_t> dims;
  std::vector<int> rest;
  for (size_t i = 0; i < x.labels.size(); ++i) {
    if (keep[x.labels[i]]) rest.push_back(x.labels[i]);
    else dims.push_back(static_cast<int64_t>(i));
  }
  if (dims.empty()) return x;
  return Labeled{sum(x.t, dims, false), rest};
}

int position(const std::vector<int>& v, int l) {
  auto it = std::find(v.begin(), v.end(), l);
  return it == v.end() ? -1 : static_cast<int>(it - v.begin());
}

// a and b share `labels` of size 1 on one side only: sum the other side over them (sum_k a_k * b_1 = b_1 sum_k a_k).
Tensor sum_keep(const Tensor& t, int64_t dim) { return sum(t, {dim}, true); }

Labeled contract(Labeled a, Labeled b, const std::vector<bool>& keep) {
  std::vector<int> batch, inner, rows, cols;
  for (int l : a.labels) {
    if (position(b.labels, l) >= 0) (keep[l] ? batch : inner).push_back(l);
    else rows.push_back(l);
  }
  for (int l : b.labels)
    if (position(a.labels, l) < 0) cols.push_back(l);
  // Shared labels broadcast a size-1 side (as torch does for every label).
  for (int l : batch) {
    int pa = position(a.labels, l), pb = position(b.labels, l);
    int64_t sa = a.t->sizes()[pa], sb = b.t->sizes()[pb];
    if (sa == sb) continue;
    PYNN_CHECK(sa == 1 || sb == 1, "einsum", "einsum(): operands do not broadcast with remapped shapes: subscript ",
               label_name(l), " has sizes ", sa, " and ", sb);
    Dims target = (sa == 1 ? a : b).t->sizes();
    target[sa == 1 ? pa : pb] = sa == 1 ? sb : sa;
    Labeled& small = sa == 1 ? a : b;
    small.t = expand(small.t, std::vector<int64_t>(target.begin(), target.end()));
  }
  for (int l : inner) {
    int pa = position(a.labels, l), pb = position(b.labels, l);
    int64_t sa = a.t->sizes()[pa], sb = b.t->sizes()[pb];
    if (sa == sb) continue;
    PYNN_CHECK(sa == 1 || sb == 1, "einsum", "einsum(): operands do not broadcast with remapped shapes: subscript ",
               label_name(l), " has sizes ", sa, " and ", sb);
    if (sa == 1) b.t = sum_keep(b.t, pb);
    else a.t = sum_keep(a.t, pa);
  }
  auto order = [](const Labeled& x, std::initializer_list<const std::vector<int>*> groups) {
    std::vector<int64_t> perm;
    for (const auto* g : groups)
      for (int l : *g) perm.push_back(position(x.labels, l));
    return perm;
  };
  auto size_of = [](const Labeled& x, const std::vector<int>& g) {
    int64_t n = 1;
    for (int l : g) n *= x.t->sizes()[position(x.labels, l)];
    return n;
  };
  const int64_t B = size_of(a, batch), M = size_of(a, rows), K = size_of(a, inner), N = size_of(b, cols);
  std::vector<int64_t> out_shape;
  for (int l : batch) out_shape.push_back(a.t->sizes()[position(a.labels, l)]);
  for (int l : rows) out_shape.push_back(a.t->sizes()[position(a.labels, l)]);
  for (int l : cols) out_shape.push_back(b.t->sizes()[position(b.labels, l)]);
  Tensor a3 = reshape(permute(a.t, order(a, {&batch, &rows, &inner})), {B, M, K});
  Tensor b3 = reshape(permute(b.t, order(b, {&batch, &inner, &cols})), {B, K, N});
  Labeled r;
  r.t = reshape(bmm(a3, b3), out_shape);
  r.labels = batch;
  r.labels.insert(r.labels.end(), rows.begin(), rows.end());
  r.labels.insert(r.labels.end(), cols.begin(), cols.end());
  return r;
}

// Repeated labels within one operand ('ii->i'): their diagonal, moved to the end by diagonal() itself.
Labeled take_diagonals(Labeled x, int operand) {
  for (;;) {
    int p = -1, q = -1;
    for (size_t i = 0; i < x.labels.size() && p < 0; ++i)
      for (size_t j = i + 1; j < x.labels.size(); ++j)
        if (x.labels[i] == x.labels[j]) {
          p = static_cast<int>(i);
          q = static_cast<int>(j);
          break;
        }
    if (p < 0) return x;
    const int64_t sp = x.t->sizes()[p], sq = x.t->sizes()[q];
    PYNN_CHECK(sp == sq, "einsum", "einsum(): subscript ", label_name(x.labels[p]),
               " is repeated for operand ", operand, " but the sizes don't match, ", sp, " != ", sq);
    const int l = x.labels[p];
    x.t = diagonal(x.t, 0, p, q);
    x.labels.erase(x.labels.begin() + q);
    x.labels.erase(x.labels.begin() + p);
    x.labels.push_back(l);
  }
}

// The equation's labels for operands of the given ranks: one label per dim of each operand (ellipsis dims are
// right-aligned across operands and labelled kLetters..), the output's labels, and how many ellipsis dims there are.
struct EquationLabels {
  std::vector<std::vector<int>> operands;
  std::vector<int> out;
  int ell_dims = 0;
};

EquationLabels label_equation(const std::string& equation, const std::vector<int64_t>& ranks) {
  const size_t arrow = equation.find("->");
  const std::string lhs = equation.substr(0, arrow);
  std::vector<Term> terms;
  size_t start = 0;
  for (;;) {
    size_t comma = lhs.find(',', start);
    terms.push_back(parse_term(lhs, start, comma == std::string::npos ? lhs.size() : comma));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  PYNN_CHECK(terms.size() <= ranks.size(), "einsum",
             "einsum(): fewer operands were provided than specified in the equation");
  PYNN_CHECK(terms.size() >= ranks.size(), "einsum",
             "einsum(): more operands were provided than specified in the equation");

  EquationLabels r;
  for (size_t i = 0; i < terms.size(); ++i) {
    const int n = static_cast<int>(terms[i].labels.size()), d = static_cast<int>(ranks[i]);
    if (terms[i].ellipsis_at < 0) {
      PYNN_CHECK(n == d, "einsum", "einsum(): the number of subscripts in the equation (", n,
                 ") does not match the number of dimensions (", d, ") for operand ", i, " and no ellipsis was given");
    } else {
      PYNN_CHECK(n <= d, "einsum", "einsum(): the number of subscripts in the equation (", n,
                 ") is more than the number of dimensions (", d, ") for operand ", i);
      r.ell_dims = std::max(r.ell_dims, d - n);
    }
  }
  std::array<int, kLetters> count{};
  for (size_t i = 0; i < terms.size(); ++i) {
    const Term& tm = terms[i];
    std::vector<int> labels;
    const int e = static_cast<int>(ranks[i]) - static_cast<int>(tm.labels.size());
    for (size_t j = 0; j <= tm.labels.size(); ++j) {
      if (static_cast<int>(j) == tm.ellipsis_at)
        for (int k = 0; k < e; ++k) labels.push_back(kLetters + r.ell_dims - e + k);
      if (j < tm.labels.size()) {
        labels.push_back(tm.labels[j]);
        ++count[tm.labels[j]];
      }
    }
    r.operands.push_back(std::move(labels));
  }

  if (arrow == std::string::npos) {
    for (int k = 0; k < r.ell_dims; ++k) r.out.push_back(kLetters + k);
    for (int l = 0; l < kLetters; ++l)
      if (count[l] == 1) r.out.push_back(l);
  } else {
    Term o = parse_term(equation, arrow + 2, equation.size());
    std::array<bool, kLetters> seen{};
    for (size_t j = 0; j <= o.labels.size(); ++j) {
      if (static_cast<int>(j) == o.ellipsis_at)
        for (int k = 0; k < r.ell_dims; ++k) r.out.push_back(kLetters + k);
      if (j == o.labels.size()) break;
      const int l = o.labels[j];
      PYNN_CHECK(!seen[l], "einsum", "einsum(): output subscript ", label_name(l), " appears more than once in the output");
      PYNN_CHECK(count[l] > 0, "einsum", "einsum(): output subscript ", label_name(l),
                 " does not appear in the equation for any input operand");
      seen[l] = true;
      r.out.push_back(l);
    }
  }
  return r;
}

}  // namespace

std::optional<std::vector<int64_t>> einsum_permutation(const std::string& equation, int64_t rank) {
  const EquationLabels el = label_equation(equation, {rank});
  const std::vector<int>& in = el.operands[0];
  // The output's labels are distinct and all in the input, so as many of them as the input has dims means the
  // input's are distinct too: nothing is summed and no diagonal taken.
  if (el.out.size() != in.size()) return std::nullopt;
  std::vector<int64_t> perm;
  for (int l : el.out) perm.push_back(position(in, l));
  return perm;
}

Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands) {
  PYNN_CHECK(!operands.empty(), "einsum", "einsum(): must provide at least one operand");
  for (const Tensor& t : operands) require_defined("einsum", t, "operand");
  same_device("einsum", operands);
  std::vector<int64_t> ranks;
  for (const Tensor& t : operands) ranks.push_back(t->dim());
  EquationLabels el = label_equation(equation, ranks);
  std::vector<Labeled> ops;
  for (size_t i = 0; i < operands.size(); ++i)
    ops.push_back(take_diagonals(Labeled{operands[i], std::move(el.operands[i])}, static_cast<int>(i)));
  const std::vector<int>& out = el.out;
  const int ell_dims = el.ell_dims;

  const int nlabels = kLetters + ell_dims;
  // needed_after[i]: labels used by operands i.. (and the output)
  std::vector<std::vector<bool>> needed_after(ops.size() + 1, std::vector<bool>(nlabels, false));
  for (int l : out) needed_after[ops.size()][l] = true;
  for (size_t i = ops.size(); i-- > 0;) {
    needed_after[i] = needed_after[i + 1];
    for (int l : ops[i].labels) needed_after[i][l] = true;
  }
  auto keep_for = [&](size_t next, const Labeled& other) {
    std::vector<bool> k = needed_after[next];
    for (int l : other.labels) k[l] = true;
    return k;
  };
  Labeled cur = sum_out(ops[0], needed_after[1]);
  for (size_t i = 1; i < ops.size(); ++i) {
    Labeled next = sum_out(ops[i], keep_for(i + 1, cur));
    cur = contract(std::move(cur), std::move(next), needed_after[i + 1]);
  }
  std::vector<int64_t> perm;
  for (int l : out) perm.push_back(position(cur.labels, l));
  return permute(cur.t, perm);
}

namespace {
int64_t wrap_dim(int64_t d, int64_t n, const char* op) {
  PYNN_CHECK_INDEX(d >= -n && d < std::max<int64_t>(n, 1), op, "Dimension out of range (expected to be in range of [",
                   -std::max<int64_t>(n, 1), ", ", std::max<int64_t>(n, 1) - 1, "], but got ", d, ")");
  return d < 0 ? d + n : d;
}
}  // namespace

Tensor tensordot(const Tensor& a, const Tensor& b, const std::vector<int64_t>& dims_a,
                 const std::vector<int64_t>& dims_b) {
  const char* op = "tensordot";
  require_defined(op, a);
  require_defined(op, b, "other");
  PYNN_CHECK(dims_a.size() == dims_b.size(), op, "both dimension lists should have same length");
  PYNN_CHECK(a->dtype() == b->dtype(), op, "expected both tensors to have the same dtype, but got ", dtype_name(a->dtype()),
             " and ", dtype_name(b->dtype()));
  std::vector<bool> ca(a->dim(), false), cb(b->dim(), false);
  std::vector<int64_t> pa_inner, pb_inner;
  int64_t K = 1;
  for (size_t i = 0; i < dims_a.size(); ++i) {
    const int64_t da = wrap_dim(dims_a[i], a->dim(), op), db = wrap_dim(dims_b[i], b->dim(), op);
    PYNN_CHECK(a->sizes()[da] == b->sizes()[db], op, "contracted dimensions need to match, but first has size ",
               a->sizes()[da], " in dim ", da, " and second has size ", b->sizes()[db], " in dim ", db);
    PYNN_CHECK(!ca[da] && !cb[db], op, "dim ", ca[da] ? da : db, " appears multiple times in the list of dims");
    ca[da] = cb[db] = true;
    pa_inner.push_back(da);
    pb_inner.push_back(db);
    K *= a->sizes()[da];
  }
  std::vector<int64_t> pa, pb, shape;
  int64_t M = 1, N = 1;
  for (int64_t d = 0; d < a->dim(); ++d)
    if (!ca[d]) { pa.push_back(d); shape.push_back(a->sizes()[d]); M *= a->sizes()[d]; }
  pa.insert(pa.end(), pa_inner.begin(), pa_inner.end());
  pb = pb_inner;
  for (int64_t d = 0; d < b->dim(); ++d)
    if (!cb[d]) { pb.push_back(d); shape.push_back(b->sizes()[d]); N *= b->sizes()[d]; }
  Tensor am = reshape(permute(a, pa), {M, K});
  Tensor bm = reshape(permute(b, pb), {K, N});
  return reshape(mm(am, bm), shape);
}

Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims) {
  PYNN_CHECK(dims >= 0, "tensordot", "tensordot expects dims >= 0, but got dims=", dims);
  PYNN_CHECK(dims <= a->dim() && dims <= b->dim(), "tensordot", "tensordot expects dims < ndim_a or ndim_b, but got dims=",
             dims);
  std::vector<int64_t> da, db;
  for (int64_t i = 0; i < dims; ++i) {
    da.push_back(a->dim() - dims + i);
    db.push_back(i);
  }
  return tensordot(a, b, da, db);
}

Tensor inner(const Tensor& a, const Tensor& b) {
  require_defined("inner", a);
  require_defined("inner", b, "other");
  if (a->dim() == 0 || b->dim() == 0) return binary(BinaryOp::Mul, a, b);
  const int64_t ka = a->sizes()[a->dim() - 1], kb = b->sizes()[b->dim() - 1];
  PYNN_CHECK(ka == kb, "inner", "inner() the last dimension must match on both input tensors but got shapes ",
             a->sizes().str(), " and ", b->sizes().str());
  return tensordot(a, b, {a->dim() - 1}, {b->dim() - 1});
}

Tensor kron(const Tensor& a, const Tensor& b) {
  require_defined("kron", a);
  require_defined("kron", b, "other");
  const int n = std::max(a->dim(), b->dim());
  // a as (a0, 1, a1, 1, ...) times b as (1, b0, 1, b1, ...): result dim i has size a_i * b_i.
  std::vector<int64_t> sa, sb, out;
  for (int i = 0; i < n; ++i) {
    const int ia = i - (n - a->dim()), ib = i - (n - b->dim());
    const int64_t x = ia >= 0 ? a->sizes()[ia] : 1, y = ib >= 0 ? b->sizes()[ib] : 1;
    sa.push_back(x); sa.push_back(1);
    sb.push_back(1); sb.push_back(y);
    out.push_back(x * y);
  }
  return reshape(binary(BinaryOp::Mul, reshape(a, sa), reshape(b, sb)), out);
}

}  // namespace pynn
