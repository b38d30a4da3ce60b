#include "ir/ops/OpUtils.h"

namespace onntc {

llvm::Expected<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    return makeError("axis " + llvm::Twine(axis) + " is out of range for rank " +
                     llvm::Twine(rank));
  return a;
}

llvm::Expected<Shape> broadcastShapes(const Shape &a, const Shape &b) {
  size_t r = std::max(a.rank(), b.rank());
  Shape out;
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.rank() ? 1 : a[i - (r - a.rank())];
    int64_t db = i < r - b.rank() ? 1 : b[i - (r - b.rank())];
    int64_t d;
    if (da == 1)
      d = db;
    else if (db == 1)
      d = da;
    else if (da < 0)
      d = db;
    else if (db < 0)
      d = da;
    else if (da == db)
      d = da;
    else
      return makeError("shapes " + a.str() + " and " + b.str() +
                       " cannot be broadcast together");
    out.mutableDims().push_back(d);
  }
  return out;
}

std::optional<std::vector<int64_t>> constantInts(const Node &n, unsigned i) {
  Value *v = n.input(i);
  if (!v)
    return std::nullopt;
  if (const Tensor *t = v->constantValue())
    return t->toInts();
  return std::nullopt;
}

std::vector<int64_t> stridesOf(const Shape &s) {
  std::vector<int64_t> st(s.rank());
  int64_t acc = 1;
  for (size_t i = s.rank(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

} // namespace onntc
