//===- Misc.cpp - TopK, NonMaxSuppression and NonZero ---------------------===//
//
// Resize lives in Resize.cpp. NonMaxSuppression and NonZero have
// data-dependent output shapes: inference leaves the count dynamic.
//
//===----------------------------------------------------------------------===//
#include "ir/ops/NnCommon.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace onntc {

namespace {

llvm::Error inferTopK(Node &n) {
  if (llvm::Error e = expectDType(n, 0,
                                  {DType::F32, DType::I32, DType::I64,
                                   DType::I8, DType::U8, DType::I16,
                                   DType::U16}))
    return e;
  if (llvm::Error e = expectDType(n, 1, {DType::I64}))
    return e;
  const Shape &x = n.input(0)->shape();
  const Shape &ks = n.input(1)->shape();
  if (ks.rank() > 1 || (ks.rank() == 1 && ks[0] >= 0 && ks[0] != 1))
    return makeError("K must hold exactly one value, got shape " + ks.str());
  llvm::Expected<int64_t> ax = normalizeAxis(n.getInt("axis"), x.rank());
  if (!ax)
    return ax.takeError();
  Shape out = x;
  out[*ax] = kDynamicDim;
  if (std::optional<std::vector<int64_t>> k = constantInts(n, 1)) {
    int64_t kv = k->empty() ? -1 : (*k)[0];
    if (kv < 0 || (x[*ax] >= 0 && kv > x[*ax]))
      return makeError("K = " + llvm::Twine(kv) + " is outside [0, " +
                       llvm::Twine(x[*ax]) + "] for axis " +
                       llvm::Twine(*ax));
    out[*ax] = kv;
  }
  setOutput(n, 0, n.input(0)->dtype(), out);
  setOutput(n, 1, DType::I64, out);
  return llvm::Error::success();
}

llvm::Error computeTopK(const Node &n, llvm::ArrayRef<Tensor> in,
                        std::vector<Tensor> &out, KernelContext &ctx) {
  const Tensor &X = in[0];
  const Shape &xs = X.shape();
  llvm::Expected<int64_t> ax = normalizeAxis(n.getInt("axis"), xs.rank());
  if (!ax)
    return ax.takeError();
  if (in[1].numElements() != 1)
    return makeError("TopK K must hold one value");
  int64_t K = in[1].getInt(0), len = xs[*ax];
  if (K < 0 || K > len)
    return makeError("TopK K = " + llvm::Twine(K) + " is outside [0, " +
                     llvm::Twine(len) + "]");
  bool largest = n.getInt("largest") != 0;
  int64_t inner = 1;
  for (size_t i = *ax + 1; i < xs.rank(); ++i)
    inner *= xs[i];
  int64_t outer = len * inner == 0 ? 0 : X.numElements() / (len * inner);
  Shape ys = xs;
  ys[*ax] = K;
  return dispatchNumeric(X.dtype(), "TopK", [&](auto tag) {
    using T = decltype(tag);
    Tensor V(X.dtype(), ys), I(DType::I64, ys);
    const T *x = X.data<T>();
    T *v = V.data<T>();
    int64_t *idx = I.data<int64_t>();
    ctx.parallelFor(outer * inner, 64, [&](int64_t b, int64_t e) {
      std::vector<int64_t> order(static_cast<size_t>(len));
      for (int64_t l = b; l < e; ++l) {
        int64_t o = l / inner, i = l % inner;
        const T *p = x + o * len * inner + i;
        std::iota(order.begin(), order.end(), 0);
        // Ties keep the lower index first, so results are deterministic.
        auto cmp = [&](int64_t a, int64_t c) {
          T va = p[a * inner], vc = p[c * inner];
          if (va != vc)
            return largest ? va > vc : va < vc;
          return a < c;
        };
        std::partial_sort(order.begin(), order.begin() + K, order.end(), cmp);
        for (int64_t k = 0; k < K; ++k) {
          int64_t off = (o * K + k) * inner + i;
          v[off] = p[order[size_t(k)] * inner];
          idx[off] = order[size_t(k)];
        }
      }
    });
    out.push_back(std::move(V));
    out.push_back(std::move(I));
    return llvm::Error::success();
  });
}

llvm::Error inferNms(Node &n) {
  if (llvm::Error e = expectDType(n, 0, {DType::F32}))
    return e;
  if (llvm::Error e = expectDType(n, 1, {DType::F32}))
    return e;
  const Shape &b = n.input(0)->shape(), &s = n.input(1)->shape();
  if (b.rank() != 3 || (b[2] >= 0 && b[2] != 4))
    return makeError("boxes must have shape [batch, boxes, 4], got " + b.str());
  if (s.rank() != 3)
    return makeError("scores must have shape [batch, classes, boxes], got " +
                     s.str());
  if ((b[0] >= 0 && s[0] >= 0 && b[0] != s[0]) ||
      (b[1] >= 0 && s[2] >= 0 && b[1] != s[2]))
    return makeError("boxes " + b.str() + " and scores " + s.str() +
                     " disagree on batch or box count");
  if (Value *m = n.input(2))
    if (m->dtype() != DType::I64)
      return makeError("max_output_boxes_per_class must be i64");
  for (unsigned i = 3; i < 5; ++i)
    if (Value *t = n.input(i))
      if (t->dtype() != DType::F32)
        return makeError("input " + llvm::Twine(i) + " must be f32");
  int64_t cpb = n.getInt("center_point_box");
  if (cpb != 0 && cpb != 1)
    return makeError("center_point_box must be 0 or 1");
  setOutput(n, 0, DType::I64, Shape{kDynamicDim, 3});
  return llvm::Error::success();
}

struct Box {
  float y1, x1, y2, x2;
};

float iou(const Box &a, const Box &b) {
  float areaA = (a.y2 - a.y1) * (a.x2 - a.x1);
  float areaB = (b.y2 - b.y1) * (b.x2 - b.x1);
  if (areaA <= 0.0f || areaB <= 0.0f)
    return 0.0f;
  float ih = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  float iw = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  if (ih <= 0.0f || iw <= 0.0f)
    return 0.0f;
  float inter = ih * iw;
  return inter / (areaA + areaB - inter);
}

llvm::Error computeNms(const Node &n, llvm::ArrayRef<Tensor> in,
                       std::vector<Tensor> &out, KernelContext &ctx) {
  if (llvm::Error e = expectF32Inputs(in, {0, 1}, {3, 4}, "NonMaxSuppression"))
    return e;
  const Tensor &B = in[0], &S = in[1];
  if (B.shape().rank() != 3 || S.shape().rank() != 3 || B.shape()[2] != 4 ||
      B.shape()[0] != S.shape()[0] || B.shape()[1] != S.shape()[2])
    return makeError("NonMaxSuppression boxes/scores shapes disagree");
  auto optional = [&](unsigned i) -> const Tensor * {
    return in.size() > i && in[i].isValid() && in[i].numElements() > 0
               ? &in[i]
               : nullptr;
  };
  int64_t maxOut = optional(2) ? optional(2)->getInt(0) : 0;
  float iouTh = optional(3) ? float(optional(3)->getDouble(0)) : 0.0f;
  bool hasScoreTh = optional(4) != nullptr;
  float scoreTh = hasScoreTh ? float(optional(4)->getDouble(0)) : 0.0f;
  bool center = n.getInt("center_point_box") == 1;
  int64_t nb = B.shape()[0], nbox = B.shape()[1], ncls = S.shape()[1];
  const float *bp = B.data<float>(), *sp = S.data<float>();
  std::vector<int64_t> sel;
  std::vector<Box> boxes(static_cast<size_t>(nbox));
  for (int64_t b = 0; b < nb; ++b) {
    for (int64_t i = 0; i < nbox; ++i) {
      const float *q = bp + (b * nbox + i) * 4;
      Box &bx = boxes[size_t(i)];
      if (center) {
        bx = {q[1] - q[3] / 2, q[0] - q[2] / 2, q[1] + q[3] / 2,
              q[0] + q[2] / 2};
      } else {
        bx = {std::min(q[0], q[2]), std::min(q[1], q[3]),
              std::max(q[0], q[2]), std::max(q[1], q[3])};
      }
    }
    for (int64_t c = 0; c < ncls; ++c) {
      const float *sc = sp + (b * ncls + c) * nbox;
      std::vector<int64_t> cand;
      for (int64_t i = 0; i < nbox; ++i)
        if (!hasScoreTh || sc[i] > scoreTh)
          cand.push_back(i);
      std::stable_sort(cand.begin(), cand.end(),
                       [&](int64_t a, int64_t d) { return sc[a] > sc[d]; });
      std::vector<int64_t> kept;
      for (int64_t i : cand) {
        if (int64_t(kept.size()) >= maxOut)
          break;
        bool keep = true;
        for (int64_t k : kept)
          if (iou(boxes[size_t(i)], boxes[size_t(k)]) > iouTh) {
            keep = false;
            break;
          }
        if (keep)
          kept.push_back(i);
      }
      for (int64_t k : kept) {
        sel.push_back(b);
        sel.push_back(c);
        sel.push_back(k);
      }
    }
  }
  out.push_back(Tensor::fromInts(DType::I64,
                                 Shape{int64_t(sel.size() / 3), 3}, sel));
  return llvm::Error::success();
}

llvm::Error inferNonZero(Node &n) {
  setOutput(n, 0, DType::I64,
            Shape{int64_t(n.input(0)->shape().rank()), kDynamicDim});
  return llvm::Error::success();
}

llvm::Error computeNonZero(const Node &n, llvm::ArrayRef<Tensor> in,
                           std::vector<Tensor> &out, KernelContext &ctx) {
  const Tensor &X = in[0];
  const Shape &xs = X.shape();
  size_t r = xs.rank();
  std::vector<int64_t> hits;
  size_t es = dtypeSize(X.dtype());
  const uint8_t *raw = X.raw();
  bool isFloatT = isFloat(X.dtype());
  for (int64_t i = 0; i < X.numElements(); ++i) {
    bool nz;
    if (isFloatT) {
      nz = X.getDouble(i) != 0.0;
    } else {
      nz = false;
      for (size_t b = 0; b < es; ++b)
        nz = nz || raw[size_t(i) * es + b] != 0;
    }
    if (nz)
      hits.push_back(i);
  }
  int64_t cnt = int64_t(hits.size());
  Tensor Y(DType::I64, Shape{int64_t(r), cnt});
  int64_t *y = Y.data<int64_t>();
  for (int64_t h = 0; h < cnt; ++h) {
    int64_t rem = hits[size_t(h)];
    for (size_t d = r; d-- > 0;) {
      y[int64_t(d) * cnt + h] = rem % xs[d];
      rem /= xs[d];
    }
  }
  out.push_back(std::move(Y));
  return llvm::Error::success();
}

} // namespace

void registerMiscOps(HookTable &t) {
  t[size_t(OpKind::TopK)] = {inferTopK, computeTopK};
  t[size_t(OpKind::NonMaxSuppression)] = {inferNms, computeNms};
  t[size_t(OpKind::NonZero)] = {inferNonZero, computeNonZero};
  registerResizeOp(t);
}

} // namespace onntc
