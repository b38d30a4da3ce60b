//===- StridedCopy.cpp - strided view to contiguous copy ------------------===//
#include "ir/ops/StridedCopy.h"

#include "llvm/ADT/SmallVector.h"

#include <algorithm>
#include <cstring>

namespace onntc {
namespace {

using Dims = llvm::SmallVector<int64_t, 8>;

/// Walks the index space `dims` row-major from a start index, keeping the
/// source and destination offsets that `src`/`dst` strides give.
struct Walker {
  const Dims &dims, &srcSt, &dstSt;
  Dims idx;
  int64_t srcOff = 0, dstOff = 0;

  Walker(const Dims &d, const Dims &s, const Dims &o, int64_t start)
      : dims(d), srcSt(s), dstSt(o), idx(d.size(), 0) {
    for (size_t k = dims.size(); k-- > 0;) {
      idx[k] = start % dims[k];
      start /= dims[k];
      srcOff += idx[k] * srcSt[k];
      dstOff += idx[k] * dstSt[k];
    }
  }
  void next() {
    for (size_t k = dims.size(); k-- > 0;) {
      srcOff += srcSt[k];
      dstOff += dstSt[k];
      if (++idx[k] < dims[k])
        return;
      srcOff -= idx[k] * srcSt[k];
      dstOff -= idx[k] * dstSt[k];
      idx[k] = 0;
    }
  }
};

constexpr int64_t kParallelBytes = 1 << 18;
constexpr int64_t kTile = 32;

template <typename U>
void copyTyped(KernelContext &ctx, const Dims &dims, const Dims &st,
               const U *src, U *dst) {
  size_t r = dims.size();
  Dims dstSt(r);
  int64_t total = 1;
  for (size_t k = r; k-- > 0;) {
    dstSt[k] = total;
    total *= dims[k];
  }
  bool parallel = total * int64_t(sizeof(U)) >= kParallelBytes;
  int64_t inner = dims[r - 1], is = st[r - 1];

  // A dimension other than the innermost that is contiguous in the source:
  // copy (that dim x innermost) planes in tiles, like a 2-D transpose.
  size_t j = r;
  if (is != 1 && is != 0)
    for (size_t k = 0; k + 1 < r; ++k)
      if (st[k] == 1 && dims[k] >= 8 && inner >= 8)
        j = k;
  if (j < r) {
    Dims odims, ost, odst;
    for (size_t k = 0; k + 1 < r; ++k)
      if (k != j) {
        odims.push_back(dims[k]);
        ost.push_back(st[k]);
        odst.push_back(dstSt[k]);
      }
    int64_t outer = 1;
    for (int64_t d : odims)
      outer *= d;
    int64_t A = dims[j], B = inner, dA = dstSt[j];
    int64_t tilesA = (A + kTile - 1) / kTile;
    auto run = [&](int64_t wb, int64_t we) {
      for (int64_t w = wb; w < we; ++w) {
        int64_t o = w / tilesA, a0 = (w % tilesA) * kTile;
        int64_t a1 = std::min(A, a0 + kTile);
        Walker walk(odims, ost, odst, o);
        const U *s = src + walk.srcOff;
        U *d = dst + walk.dstOff;
        for (int64_t b0 = 0; b0 < B; b0 += kTile) {
          int64_t b1 = std::min(B, b0 + kTile);
          // Keep the larger of the two strides on the outer loop: the inner
          // loop then walks one side contiguously and the other with the
          // small stride, and a tile's lines do not collide in the cache.
          if (is > dA) {
            for (int64_t b = b0; b < b1; ++b)
              for (int64_t a = a0; a < a1; ++a)
                d[a * dA + b] = s[a + b * is];
          } else {
            for (int64_t a = a0; a < a1; ++a)
              for (int64_t b = b0; b < b1; ++b)
                d[a * dA + b] = s[a + b * is];
          }
        }
      }
    };
    if (parallel)
      ctx.parallelFor(outer * tilesA, 1, run);
    else
      run(0, outer * tilesA);
    return;
  }

  // Rows along the innermost dimension.
  Dims rdims(dims.begin(), dims.end() - 1), rst(st.begin(), st.end() - 1),
      rdst(dstSt.begin(), dstSt.end() - 1);
  int64_t rows = total / inner;
  auto runRows = [&](int64_t rb, int64_t re) {
    Walker walk(rdims, rst, rdst, rb);
    for (int64_t row = rb; row < re; ++row, walk.next()) {
      const U *s = src + walk.srcOff;
      U *d = dst + row * inner;
      if (is == 1) {
        std::memcpy(d, s, size_t(inner) * sizeof(U));
      } else if (is == 0) {
        std::fill(d, d + inner, *s);
      } else {
        for (int64_t i = 0; i < inner; ++i)
          d[i] = s[i * is];
      }
    }
  };
  if (parallel && rows > 1)
    ctx.parallelFor(
        rows,
        std::max<int64_t>(1, kParallelBytes / 4 / (inner * int64_t(sizeof(U)))),
        runRows);
  else
    runRows(0, rows);
}

} // namespace

void stridedCopy(KernelContext &ctx, size_t elemBytes,
                 llvm::ArrayRef<int64_t> dims,
                 llvm::ArrayRef<int64_t> srcStrides, const uint8_t *src,
                 uint8_t *dst) {
  Dims d, s;
  for (size_t k = 0; k < dims.size(); ++k) {
    if (dims[k] == 0)
      return;
    if (dims[k] == 1)
      continue;
    if (!d.empty() && s.back() == srcStrides[k] * dims[k]) {
      d.back() *= dims[k];
      s.back() = srcStrides[k];
      continue;
    }
    d.push_back(dims[k]);
    s.push_back(srcStrides[k]);
  }
  if (d.empty()) {
    d.push_back(1);
    s.push_back(1);
  }
  switch (elemBytes) {
  case 1:
    copyTyped(ctx, d, s, src, dst);
    return;
  case 2:
    copyTyped(ctx, d, s, reinterpret_cast<const uint16_t *>(src),
              reinterpret_cast<uint16_t *>(dst));
    return;
  case 4:
    copyTyped(ctx, d, s, reinterpret_cast<const uint32_t *>(src),
              reinterpret_cast<uint32_t *>(dst));
    return;
  default:
    copyTyped(ctx, d, s, reinterpret_cast<const uint64_t *>(src),
              reinterpret_cast<uint64_t *>(dst));
    return;
  }
}

} // namespace onntc
