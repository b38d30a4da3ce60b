//===- TensorIndexOps.cpp - gathers, scatters, OneHot, Trilu --------------===//
//
// Index-driven TensorOps. Every index read from data is bounds-checked
// (negative indices count from the end) and a bad one is an Error naming
// the index, never an out-of-bounds access.
//
//===----------------------------------------------------------------------===//
#include "ir/ops/TensorOpsParts.h"

#include <cmath>
#include <cstring>

namespace onntc {
namespace {

llvm::Error success() { return llvm::Error::success(); }

constexpr unsigned kIndexMask = dtBit(DType::I32) | dtBit(DType::I64);

llvm::Error checkIndices(const Node &n, unsigned i) {
  return checkInputDType(n, i, kIndexMask);
}

/// Normalises index v for an axis of extent dim; error if out of range.
llvm::Expected<int64_t> fixIndex(int64_t v, int64_t dim) {
  int64_t i = v < 0 ? v + dim : v;
  if (i < 0 || i >= dim)
    return makeError("index " + llvm::Twine(v) +
                     " is out of range for an axis of extent " +
                     llvm::Twine(dim));
  return i;
}

/// All indices of `t` (i32 or i64), normalised against `dim`.
llvm::Expected<std::vector<int64_t>> readIndices(const Tensor &t, int64_t dim) {
  if (t.dtype() != DType::I32 && t.dtype() != DType::I64)
    return makeError("indices must be i32 or i64, got " + dtypeName(t.dtype()));
  std::vector<int64_t> v = t.toInts();
  for (int64_t &x : v) {
    auto f = fixIndex(x, dim);
    if (!f)
      return f.takeError();
    x = *f;
  }
  return v;
}

//===----------------------------------------------------------------------===//
// Gather
//===----------------------------------------------------------------------===//

llvm::Error inferGather(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 2))
    return e;
  if (llvm::Error e = checkIndices(n, 1))
    return e;
  const Shape &x = n.input(0)->shape();
  auto axis = normalizeAxis(n.getInt("axis"), int64_t(x.rank()));
  if (!axis)
    return axis.takeError();
  if (auto idx = constantInts(n, 1); idx && x[size_t(*axis)] >= 0)
    for (int64_t v : *idx)
      if (auto f = fixIndex(v, x[size_t(*axis)]); !f)
        return f.takeError();
  Shape out;
  for (int64_t d = 0; d < *axis; ++d)
    out.mutableDims().push_back(x[size_t(d)]);
  for (int64_t d : n.input(1)->shape().dims())
    out.mutableDims().push_back(d);
  for (size_t d = size_t(*axis) + 1; d < x.rank(); ++d)
    out.mutableDims().push_back(x[d]);
  setOutput(n, 0, n.input(0)->dtype(), out);
  return success();
}

llvm::Error computeGather(const Node &n, llvm::ArrayRef<Tensor> in,
                          std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = requireInputs(in, 2))
    return e;
  const Tensor &x = in[0];
  const Shape &xs = x.shape();
  auto axis = normalizeAxis(n.getInt("axis"), int64_t(xs.rank()));
  if (!axis)
    return axis.takeError();
  int64_t dim = xs[size_t(*axis)];
  auto idx = readIndices(in[1], dim);
  if (!idx)
    return idx.takeError();
  Shape os;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < *axis; ++d) {
    os.mutableDims().push_back(xs[size_t(d)]);
    outer *= xs[size_t(d)];
  }
  for (int64_t d : in[1].shape().dims())
    os.mutableDims().push_back(d);
  for (size_t d = size_t(*axis) + 1; d < xs.rank(); ++d) {
    os.mutableDims().push_back(xs[d]);
    inner *= xs[d];
  }
  auto yt = allocTensor(x.dtype(), os);
  if (!yt)
    return yt.takeError();
  Tensor &y = *yt;
  size_t chunk = size_t(inner) * dtypeSize(x.dtype());
  uint8_t *dst = y.raw();
  for (int64_t o = 0; o < outer && chunk; ++o)
    for (int64_t i : *idx) {
      std::memcpy(dst, x.raw() + (size_t(o * dim + i)) * chunk, chunk);
      dst += chunk;
    }
  out = {std::move(y)};
  return success();
}

//===----------------------------------------------------------------------===//
// GatherElements, ScatterElements
//===----------------------------------------------------------------------===//

llvm::Error inferGatherElements(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 2))
    return e;
  if (llvm::Error e = checkIndices(n, 1))
    return e;
  const Shape &x = n.input(0)->shape(), &ix = n.input(1)->shape();
  if (x.rank() != ix.rank())
    return makeError("indices " + ix.str() + " must have the rank of data " +
                     x.str());
  if (auto a = normalizeAxis(n.getInt("axis"), int64_t(x.rank())); !a)
    return a.takeError();
  setOutput(n, 0, n.input(0)->dtype(), ix);
  return success();
}

/// For each element of `idxShape` (row-major), calls f(elementNo,
/// dataOffset) where dataOffset addresses the data element with the same
/// coordinates except along `axis`, where the index is taken.
template <typename F>
llvm::Error forEachElementIndex(const Shape &dataShape, const Shape &idxShape,
                                const std::vector<int64_t> &idx, int64_t axis,
                                F f) {
  size_t r = dataShape.rank();
  for (size_t d = 0; d < r; ++d)
    if (d != size_t(axis) && idxShape[d] > dataShape[d])
      return makeError("indices shape " + idxShape.str() +
                       " exceeds data shape " + dataShape.str() +
                       " outside the axis");
  auto st = rowStrides(dataShape);
  llvm::SmallVector<int64_t, 6> c(r, 0);
  int64_t total = idxShape.numElements();
  for (int64_t e = 0; e < total; ++e) {
    int64_t off = 0;
    for (size_t d = 0; d < r; ++d)
      off += (d == size_t(axis) ? idx[size_t(e)] : c[d]) * st[d];
    f(e, off);
    for (size_t d = r; d-- > 0;) {
      if (++c[d] < idxShape[d])
        break;
      c[d] = 0;
    }
  }
  return success();
}

llvm::Error computeGatherElements(const Node &n, llvm::ArrayRef<Tensor> in,
                                  std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = requireInputs(in, 2))
    return e;
  const Tensor &x = in[0];
  if (in[1].shape().rank() != x.shape().rank())
    return makeError("indices must have the rank of data");
  auto axis = normalizeAxis(n.getInt("axis"), int64_t(x.shape().rank()));
  if (!axis)
    return axis.takeError();
  auto idx = readIndices(in[1], x.shape()[size_t(*axis)]);
  if (!idx)
    return idx.takeError();
  Tensor y(x.dtype(), in[1].shape());
  size_t es = dtypeSize(x.dtype());
  if (llvm::Error e = forEachElementIndex(
          x.shape(), in[1].shape(), *idx, *axis, [&](int64_t i, int64_t off) {
            std::memcpy(y.raw() + size_t(i) * es, x.raw() + size_t(off) * es,
                        es);
          }))
    return e;
  out = {std::move(y)};
  return success();
}

enum class Reduction { None, Add, Mul, Max, Min };

llvm::Expected<Reduction> reduction(const Node &n) {
  const std::string &r = n.getString("reduction");
  if (r == "none")
    return Reduction::None;
  if (r == "add")
    return Reduction::Add;
  if (r == "mul")
    return Reduction::Mul;
  if (r == "max")
    return Reduction::Max;
  if (r == "min")
    return Reduction::Min;
  return makeError("reduction \"" + r +
                   "\" is not one of none, add, mul, max, min");
}

/// dst = dst (op) src for one element of dtype `t`.
void combine(DType t, Reduction red, uint8_t *dst, const uint8_t *src) {
  if (red == Reduction::None) {
    std::memcpy(dst, src, dtypeSize(t));
    return;
  }
  auto apply = [red](auto a, auto b) {
    using T = decltype(a);
    switch (red) {
    case Reduction::Add:
      return T(a + b);
    case Reduction::Mul:
      return T(a * b);
    case Reduction::Max:
      return a > b ? a : b;
    case Reduction::Min:
      return a < b ? a : b;
    case Reduction::None:
      break;
    }
    return b;
  };
  if (dispatchDType<kMaskArith | kMaskBool>(t, [&](auto tag) {
        using T = typename Storage<decltype(tag)::value>::type;
        T a, b;
        std::memcpy(&a, dst, sizeof(T));
        std::memcpy(&b, src, sizeof(T));
        T v = apply(a, b);
        std::memcpy(dst, &v, sizeof(T));
      }))
    return;
  // Halves: through float.
  uint16_t a, b;
  std::memcpy(&a, dst, 2);
  std::memcpy(&b, src, 2);
  bool bf = t == DType::BF16;
  float fa = bf ? bf16ToFloat(a) : halfToFloat(a);
  float fb = bf ? bf16ToFloat(b) : halfToFloat(b);
  float v = apply(fa, fb);
  uint16_t h = bf ? floatToBF16(v) : floatToHalf(v);
  std::memcpy(dst, &h, 2);
}

llvm::Error inferScatterCommon(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 3))
    return e;
  if (llvm::Error e = checkIndices(n, 1))
    return e;
  if (auto r = reduction(n); !r)
    return r.takeError();
  if (n.input(2)->dtype() != n.input(0)->dtype())
    return makeError("updates have dtype " + dtypeName(n.input(2)->dtype()) +
                     " but data is " + dtypeName(n.input(0)->dtype()));
  setOutput(n, 0, n.input(0)->dtype(), n.input(0)->shape());
  return success();
}

llvm::Error inferScatterElements(Node &n) {
  if (llvm::Error e = inferScatterCommon(n))
    return e;
  const Shape &x = n.input(0)->shape(), &ix = n.input(1)->shape(),
              &u = n.input(2)->shape();
  if (ix.rank() != x.rank() || u.rank() != x.rank())
    return makeError("indices and updates must have the rank of data");
  for (size_t d = 0; d < ix.rank(); ++d)
    if (ix[d] >= 0 && u[d] >= 0 && ix[d] != u[d])
      return makeError("indices " + ix.str() + " and updates " + u.str() +
                       " must have the same shape");
  if (auto a = normalizeAxis(n.getInt("axis"), int64_t(x.rank())); !a)
    return a.takeError();
  return success();
}

llvm::Error computeScatterElements(const Node &n, llvm::ArrayRef<Tensor> in,
                                   std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = requireInputs(in, 3))
    return e;
  const Tensor &x = in[0], &u = in[2];
  auto red = reduction(n);
  if (!red)
    return red.takeError();
  if (in[1].shape() != u.shape() || u.shape().rank() != x.shape().rank() ||
      u.dtype() != x.dtype())
    return makeError("indices and updates must have one shape, the rank and "
                     "dtype of data");
  auto axis = normalizeAxis(n.getInt("axis"), int64_t(x.shape().rank()));
  if (!axis)
    return axis.takeError();
  auto idx = readIndices(in[1], x.shape()[size_t(*axis)]);
  if (!idx)
    return idx.takeError();
  Tensor y = x.clone();
  size_t es = dtypeSize(x.dtype());
  if (llvm::Error e = forEachElementIndex(
          x.shape(), u.shape(), *idx, *axis, [&](int64_t i, int64_t off) {
            combine(x.dtype(), *red, y.raw() + size_t(off) * es,
                    u.raw() + size_t(i) * es);
          }))
    return e;
  out = {std::move(y)};
  return success();
}

//===----------------------------------------------------------------------===//
// GatherND, ScatterND
//===----------------------------------------------------------------------===//

llvm::Error inferGatherND(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 2))
    return e;
  if (llvm::Error e = checkIndices(n, 1))
    return e;
  const Shape &x = n.input(0)->shape(), &ix = n.input(1)->shape();
  int64_t b = n.getInt("batch_dims");
  int64_t r = int64_t(x.rank()), q = int64_t(ix.rank());
  if (b < 0 || b >= std::min(r, q))
    return makeError("batch_dims " + llvm::Twine(b) +
                     " must be in [0, min(rank(data), rank(indices)))");
  int64_t k = ix[size_t(q - 1)];
  if (k < 0)
    return makeError("the last dimension of indices must be static");
  if (k > r - b)
    return makeError("indices address " + llvm::Twine(k) +
                     " dimensions but data " + x.str() + " has only " +
                     llvm::Twine(r - b) + " after the batch dims");
  Shape out;
  for (int64_t d = 0; d < q - 1; ++d)
    out.mutableDims().push_back(ix[size_t(d)]);
  for (int64_t d = b + k; d < r; ++d)
    out.mutableDims().push_back(x[size_t(d)]);
  setOutput(n, 0, n.input(0)->dtype(), out);
  return success();
}

/// The geometry shared by GatherND and ScatterND (batch_dims b).
struct NDPlan {
  int64_t batch = 1;      ///< product of the batch dims
  int64_t tuples = 1;     ///< index tuples per batch
  int64_t k = 0;          ///< tuple length
  int64_t slice = 1;      ///< elements per addressed slice
  int64_t batchElems = 1; ///< data elements per batch
  std::vector<int64_t>
      offsets; ///< per tuple (all batches), element offset in its batch
};

llvm::Expected<NDPlan> ndPlan(const Shape &x, const Tensor &indices,
                              int64_t b) {
  const Shape &ix = indices.shape();
  int64_t r = int64_t(x.rank()), q = int64_t(ix.rank());
  if (b < 0 || q == 0 || b >= std::min(r, q))
    return makeError("batch_dims or the ranks of data and indices are invalid");
  NDPlan p;
  p.k = ix[size_t(q - 1)];
  if (p.k > r - b)
    return makeError("index tuples are longer than the data rank allows");
  for (int64_t d = 0; d < b; ++d) {
    if (ix[size_t(d)] != x[size_t(d)])
      return makeError("batch dims of indices " + ix.str() + " and data " +
                       x.str() + " differ");
    p.batch *= x[size_t(d)];
  }
  for (int64_t d = b; d < q - 1; ++d)
    p.tuples *= ix[size_t(d)];
  for (int64_t d = b + p.k; d < r; ++d)
    p.slice *= x[size_t(d)];
  for (int64_t d = b; d < r; ++d)
    p.batchElems *= x[size_t(d)];
  if (indices.dtype() != DType::I32 && indices.dtype() != DType::I64)
    return makeError("indices must be i32 or i64");
  std::vector<int64_t> raw = indices.toInts();
  p.offsets.resize(size_t(p.batch * p.tuples));
  for (int64_t t = 0; t < p.batch * p.tuples; ++t) {
    int64_t off = 0;
    for (int64_t j = 0; j < p.k; ++j) {
      int64_t dim = x[size_t(b + j)];
      auto i = fixIndex(raw[size_t(t * p.k + j)], dim);
      if (!i)
        return i.takeError();
      off = off * dim + *i;
    }
    p.offsets[size_t(t)] = off * p.slice;
  }
  return p;
}

llvm::Error computeGatherND(const Node &n, llvm::ArrayRef<Tensor> in,
                            std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = requireInputs(in, 2))
    return e;
  const Tensor &x = in[0];
  int64_t b = n.getInt("batch_dims");
  auto p = ndPlan(x.shape(), in[1], b);
  if (!p)
    return p.takeError();
  Shape os;
  const Shape &ix = in[1].shape();
  for (size_t d = 0; d + 1 < ix.rank(); ++d)
    os.mutableDims().push_back(ix[d]);
  for (size_t d = size_t(b + p->k); d < x.shape().rank(); ++d)
    os.mutableDims().push_back(x.shape()[d]);
  auto yt = allocTensor(x.dtype(), os);
  if (!yt)
    return yt.takeError();
  Tensor &y = *yt;
  size_t es = dtypeSize(x.dtype()), chunk = size_t(p->slice) * es;
  for (int64_t bt = 0; bt < p->batch; ++bt)
    for (int64_t t = 0; t < p->tuples; ++t) {
      int64_t at = bt * p->tuples + t;
      std::memcpy(y.raw() + size_t(at) * chunk,
                  x.raw() +
                      size_t(bt * p->batchElems + p->offsets[size_t(at)]) * es,
                  chunk);
    }
  out = {std::move(y)};
  return success();
}

llvm::Error inferScatterND(Node &n) {
  if (llvm::Error e = inferScatterCommon(n))
    return e;
  const Shape &x = n.input(0)->shape(), &ix = n.input(1)->shape(),
              &u = n.input(2)->shape();
  if (ix.rank() == 0)
    return makeError("indices must have rank >= 1");
  int64_t k = ix[ix.rank() - 1];
  if (k >= 0 && k > int64_t(x.rank()))
    return makeError("index tuples are longer than the data rank");
  if (k >= 0 && u.rank() != ix.rank() - 1 + x.rank() - size_t(k))
    return makeError("updates " + u.str() + " do not match indices " +
                     ix.str() + " and data " + x.str());
  return success();
}

llvm::Error computeScatterND(const Node &n, llvm::ArrayRef<Tensor> in,
                             std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = requireInputs(in, 3))
    return e;
  const Tensor &x = in[0], &u = in[2];
  auto red = reduction(n);
  if (!red)
    return red.takeError();
  if (in[1].shape().rank() == 0 || u.dtype() != x.dtype())
    return makeError(
        "indices must have rank >= 1 and updates the data's dtype");
  // ScatterND has no batch dims: view data as one batch.
  Shape xs1;
  xs1.mutableDims().push_back(1);
  for (int64_t d : x.shape().dims())
    xs1.mutableDims().push_back(d);
  Shape ixs1;
  ixs1.mutableDims().push_back(1);
  for (int64_t d : in[1].shape().dims())
    ixs1.mutableDims().push_back(d);
  auto p = ndPlan(xs1, in[1].reshaped(ixs1), 1);
  if (!p)
    return p.takeError();
  if (u.numElements() != p->tuples * p->slice)
    return makeError("updates " + u.shape().str() + " do not match indices " +
                     in[1].shape().str() + " and data " + x.shape().str());
  Tensor y = x.clone();
  size_t es = dtypeSize(x.dtype());
  for (int64_t t = 0; t < p->tuples; ++t)
    for (int64_t j = 0; j < p->slice; ++j)
      combine(x.dtype(), *red, y.raw() + size_t(p->offsets[size_t(t)] + j) * es,
              u.raw() + size_t(t * p->slice + j) * es);
  out = {std::move(y)};
  return success();
}

//===----------------------------------------------------------------------===//
// OneHot, Trilu
//===----------------------------------------------------------------------===//

llvm::Error inferOneHot(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 3))
    return e;
  if (llvm::Error e = checkInputDType(n, 0, kMaskArith))
    return e;
  if (llvm::Error e = checkInputDType(n, 1, kMaskArith))
    return e;
  const Shape &ix = n.input(0)->shape();
  int64_t r = int64_t(ix.rank()) + 1;
  auto axis = normalizeAxis(n.getInt("axis"), r);
  if (!axis)
    return axis.takeError();
  if (n.input(2)->shape().numElements() >= 0 &&
      n.input(2)->shape().numElements() != 2)
    return makeError("values must hold two elements [off, on]");
  int64_t depth = kDynamicDim;
  if (const Tensor *d = n.input(1)->constantValue()) {
    if (d->numElements() != 1)
      return makeError("depth must be a scalar");
    double v = d->getDouble(0);
    if (!(v >= 1) || v > double(kMaxElements))
      return makeError("depth " + std::to_string(v) + " is invalid");
    depth = int64_t(v);
  }
  Shape out;
  for (int64_t d = 0, k = 0; d < r; ++d)
    out.mutableDims().push_back(d == *axis ? depth : ix[size_t(k++)]);
  setOutput(n, 0, n.input(2)->dtype(), out);
  return success();
}

llvm::Error computeOneHot(const Node &n, llvm::ArrayRef<Tensor> in,
                          std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = requireInputs(in, 3))
    return e;
  if (in[1].numElements() != 1 || in[2].numElements() != 2)
    return makeError("depth must be a scalar and values hold [off, on]");
  double dv = in[1].getDouble(0);
  if (!(dv >= 1) || dv > double(kMaxElements))
    return makeError("depth " + std::to_string(dv) + " is invalid");
  int64_t depth = int64_t(dv);
  const Shape &ix = in[0].shape();
  int64_t r = int64_t(ix.rank()) + 1;
  auto axis = normalizeAxis(n.getInt("axis"), r);
  if (!axis)
    return axis.takeError();
  Shape os;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0, k = 0; d < r; ++d) {
    int64_t e = d == *axis ? depth : ix[size_t(k++)];
    os.mutableDims().push_back(e);
    if (d < *axis)
      outer *= e;
    else if (d > *axis)
      inner *= e;
  }
  if (auto c = checkedProduct(os.dims()); !c)
    return c.takeError();
  const Tensor &vals = in[2];
  auto yt = allocTensor(vals.dtype(), os);
  if (!yt)
    return yt.takeError();
  Tensor &y = *yt;
  size_t es = dtypeSize(vals.dtype());
  for (int64_t i = 0; i < y.numElements(); ++i)
    std::memcpy(y.raw() + size_t(i) * es, vals.raw(), es);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double iv = in[0].getDouble(o * inner + i);
      int64_t v = int64_t(iv);
      if (v < 0)
        v += depth;
      if (v < 0 || v >= depth)
        continue; // out-of-range indices give an all-off row
      std::memcpy(y.raw() + size_t((o * depth + v) * inner + i) * es,
                  vals.raw() + es, es);
    }
  out = {std::move(y)};
  return success();
}

llvm::Error inferTrilu(Node &n) {
  if (llvm::Error e = requireNodeInputs(n, 1))
    return e;
  const Shape &x = n.input(0)->shape();
  if (x.rank() < 2)
    return makeError("input must have rank >= 2, got " + x.str());
  if (Value *k = n.input(1)) {
    if (k->shape().numElements() > 1)
      return makeError("k must be a scalar");
    if (llvm::Error e = checkInputDType(n, 1, kMaskInt))
      return e;
  }
  setOutput(n, 0, n.input(0)->dtype(), x);
  return success();
}

llvm::Error computeTrilu(const Node &n, llvm::ArrayRef<Tensor> in,
                         std::vector<Tensor> &out, KernelContext &) {
  if (llvm::Error e = requireInputs(in, 1))
    return e;
  const Tensor &x = in[0];
  const Shape &s = x.shape();
  if (s.rank() < 2)
    return makeError("input must have rank >= 2");
  int64_t k = 0;
  if (in.size() > 1 && in[1].isValid()) {
    if (in[1].numElements() != 1)
      return makeError("k must be a scalar");
    k = in[1].getInt(0);
  }
  bool upper = n.getInt("upper") != 0;
  int64_t rows = s[s.rank() - 2], cols = s[s.rank() - 1];
  int64_t mats = (rows > 0 && cols > 0) ? x.numElements() / (rows * cols) : 0;
  Tensor y(x.dtype(), s);
  size_t es = dtypeSize(x.dtype());
  for (int64_t m = 0; m < mats; ++m)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) {
        bool keep = upper ? (j - i >= k) : (j - i <= k);
        if (keep) {
          size_t off = size_t((m * rows + i) * cols + j) * es;
          std::memcpy(y.raw() + off, x.raw() + off, es);
        }
      }
  out = {std::move(y)};
  return success();
}

} // namespace

void registerTensorIndexOps(HookTable &t) {
  t[size_t(OpKind::Gather)] = {inferGather, computeGather};
  t[size_t(OpKind::GatherElements)] = {inferGatherElements,
                                       computeGatherElements};
  t[size_t(OpKind::GatherND)] = {inferGatherND, computeGatherND};
  t[size_t(OpKind::ScatterElements)] = {inferScatterElements,
                                        computeScatterElements};
  t[size_t(OpKind::ScatterND)] = {inferScatterND, computeScatterND};
  t[size_t(OpKind::OneHot)] = {inferOneHot, computeOneHot};
  t[size_t(OpKind::Trilu)] = {inferTrilu, computeTrilu};
}

} // namespace onntc
