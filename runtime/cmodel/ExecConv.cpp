//===- ExecConv.cpp - convolution, matrix multiply, pooling
//----------------===//
//
// The heavy BDC commands. FP32 paths accumulate whole output planes in
// float with unit-stride inner loops so the compiler vectorizes them; INT8
// paths accumulate in 64-bit integers and requantize (isa/Requant.h).
//
//===----------------------------------------------------------------------===//
#include "runtime/cmodel/Access.h"
#include "runtime/cmodel/Exec.h"

#include "isa/Requant.h"

#include <algorithm>
#include <cmath>
#include <vector>

using llvm::Error;
using namespace onntc::isa;

namespace onntc {
namespace cmodel {

Error checkRequantTable(ExecContext &x, const RequantParams &rq,
                        uint32_t channels, unsigned startLane) {
  if (rq.mode != RequantMode::PerChannel)
    return Error::success();
  if (localLane(x.t, rq.tableAddr) != startLane)
    return execError("requant table must start on the output's lane " +
                     llvm::Twine(startLane));
  Strides4 st{0, 2, 0, 1};
  auto v = LocalView::make(x.t, x.lmem, rq.tableAddr, st, {1, channels, 1, 2},
                           DType::I32, "requant table", LaneRule::Normal, 0);
  return v.takeError();
}

void requantPair(ExecContext &x, const RequantParams &rq, uint32_t c,
                 unsigned startLane, int32_t &mult, int &shift) {
  if (rq.mode != RequantMode::PerChannel) {
    mult = rq.multiplier;
    shift = rq.shift;
    return;
  }
  unsigned lx = startLane + c;
  const uint8_t *p = x.lmem.data() + size_t(lx % x.t.npuNum) * x.t.lmemBytes +
                     localOffset(x.t, rq.tableAddr) +
                     size_t(lx / x.t.npuNum) * 8;
  mult = int32_t(loadInt(p, DType::I32));
  shift = int(loadInt(p + 4, DType::I32));
}

namespace {

/// Applies the INT8 epilogue to an accumulator.
int64_t intEpilogue(int64_t acc, const RequantParams &rq, int32_t mult,
                    int shift, bool relu, DType outType) {
  int64_t y = acc;
  int32_t zp = 0;
  if (rq.mode != RequantMode::None) {
    zp = rq.outZp;
    y = requantValue(acc, mult, shift, zp);
  }
  if (relu)
    y = std::max<int64_t>(y, zp);
  return saturate(y, outType);
}

bool isInt8(DType t) { return t == DType::I8 || t == DType::U8; }

/// A per-channel parameter tensor (weights, bias) addressed like an NCHW
/// tensor of `channels` channels with one group of `perChannel` elements.
llvm::Expected<LocalView> perChannelView(ExecContext &x, uint32_t addr,
                                         uint32_t channels, uint64_t perChannel,
                                         DType dt, unsigned outLane,
                                         const char *what) {
  if (localLane(x.t, addr) != outLane)
    return execError(llvm::Twine(what) + " must start on the output's lane " +
                     llvm::Twine(outLane) + ", not lane " +
                     llvm::Twine(localLane(x.t, addr)));
  Strides4 st{0, int64_t(perChannel), 0, 1};
  return LocalView::make(x.t, x.lmem, addr, st,
                         {1, channels, 1, uint32_t(perChannel)}, dt, what,
                         LaneRule::Normal, 0);
}

} // namespace

Error execConv(ExecContext &x, const ConvCmd &c) {
  const TargetInfo &t = x.t;
  if (c.groups == 0 || c.in.c % c.groups || c.oc % c.groups)
    return execError("groups " + llvm::Twine(c.groups) +
                     " must divide input channels " + llvm::Twine(c.in.c) +
                     " and output channels " + llvm::Twine(c.oc));
  if (!c.kh || !c.kw || !c.strideH || !c.strideW || !c.dilH || !c.dilW)
    return execError("kernel, stride and dilation must be non-zero");
  if (c.oh != slidingOutSize(c.in.h, c.kh, c.strideH, c.padT, c.padB, c.dilH) ||
      c.ow != slidingOutSize(c.in.w, c.kw, c.strideW, c.padL, c.padR, c.dilW))
    return execError("output size " + llvm::Twine(c.oh) + "x" +
                     llvm::Twine(c.ow) +
                     " does not match input, kernel, stride, padding and "
                     "dilation");
  bool f32 = c.inType == DType::F32 && c.weightType == DType::F32 &&
             c.outType == DType::F32 &&
             (!c.hasBias || c.biasType == DType::F32);
  // FP16/BF16: operands of one half type, f32 accumulation, output half or
  // f32, bias half or f32.
  bool half =
      isHalfDType(c.inType) && c.weightType == c.inType &&
      (c.outType == c.inType || c.outType == DType::F32) &&
      (!c.hasBias || c.biasType == c.inType || c.biasType == DType::F32);
  bool fp = f32 || half;
  bool q =
      isInt8(c.inType) && c.weightType == DType::I8 &&
      (!c.hasBias || c.biasType == DType::I32) &&
      (isInt8(c.outType) || c.outType == DType::I32 || c.outType == DType::I16);
  if (!fp && !q)
    return execError("unsupported dtypes in=" + dtypeName(c.inType) +
                     " w=" + dtypeName(c.weightType) + " bias=" +
                     dtypeName(c.biasType) + " out=" + dtypeName(c.outType) +
                     " (FP32, FP16/BF16, or INT8 with i32 bias)");
  if (half && !t.hasHalfFloat)
    return execError(t.name + " has no FP16/BF16 arithmetic");
  unsigned inLane = localLane(t, c.inAddr) % t.npuNum;
  unsigned outLane = localLane(t, c.outAddr) % t.npuNum;
  Shape4 os{c.in.n, c.oc, c.oh, c.ow};
  auto in = LocalView::make(t, x.lmem, c.inAddr,
                            localStrides(t, c.in, c.inType, c.inLayout, inLane),
                            c.in, c.inType, "input", LaneRule::Normal, 0);
  if (!in)
    return in.takeError();
  auto out =
      LocalView::make(t, x.lmem, c.outAddr,
                      localStrides(t, os, c.outType, c.outLayout, outLane), os,
                      c.outType, "output", LaneRule::Normal, 0);
  if (!out)
    return out.takeError();
  uint32_t icg = c.in.c / c.groups, ocg = c.oc / c.groups;
  uint64_t kSize = uint64_t(icg) * c.kh * c.kw;
  auto wv = perChannelView(x, c.weightAddr, c.oc, kSize, c.weightType, outLane,
                           "weights");
  if (!wv)
    return wv.takeError();
  LocalView bias;
  if (c.hasBias) {
    auto b =
        perChannelView(x, c.biasAddr, c.oc, 1, c.biasType, outLane, "bias");
    if (!b)
      return b.takeError();
    bias = *b;
  }
  if (q)
    if (Error e = checkRequantTable(x, c.rq, c.oc, outLane))
      return e;

  const uint32_t IH = c.in.h, IW = c.in.w, OH = c.oh, OW = c.ow;
  const int64_t inH = in->st.h, outH = out->st.h;
  std::vector<float> accF(fp ? size_t(OH) * OW : 0);
  std::vector<int64_t> accI(q ? size_t(OH) * OW : 0);
  // FP16/BF16 operands are widened once into f32 scratch buffers (dense
  // NCHW input, [oc][k] weights) so the f32 inner loops serve both.
  std::vector<float> inF, wF;
  if (half) {
    inF.resize(size_t(c.in.numElements()));
    size_t i = 0;
    for (uint32_t n = 0; n < c.in.n; ++n)
      for (uint32_t ic = 0; ic < c.in.c; ++ic)
        for (uint32_t h = 0; h < IH; ++h)
          for (uint32_t w = 0; w < IW; ++w)
            inF[i++] = float(loadElement(in->at(n, ic, h, w), c.inType));
    wF.resize(size_t(c.oc) * kSize);
    for (uint32_t oc = 0; oc < c.oc; ++oc)
      for (uint64_t k = 0; k < kSize; ++k)
        wF[oc * kSize + k] =
            float(loadElement(wv->channel(oc) + k * wv->eb, c.weightType));
  }
  const int64_t inRowF = half ? int64_t(IW) : inH;
  auto planeF = [&](uint32_t n, uint32_t ic) -> const float * {
    if (half)
      return inF.data() + (size_t(n) * c.in.c + ic) * IH * IW;
    return reinterpret_cast<const float *>(in->at(n, ic, 0, 0));
  };
  for (uint32_t n = 0; n < c.in.n; ++n) {
    for (uint32_t oc = 0; oc < c.oc; ++oc) {
      uint32_t g = oc / ocg;
      const uint8_t *wBase = wv->channel(oc);
      const float *wRowF = half ? wF.data() + oc * kSize
                                : reinterpret_cast<const float *>(wBase);
      if (fp) {
        float b0 =
            c.hasBias ? float(loadElement(bias.channel(oc), c.biasType)) : 0.0f;
        std::fill(accF.begin(), accF.end(), b0);
      } else {
        int64_t b0 = c.hasBias ? loadInt(bias.channel(oc), DType::I32) : 0;
        std::fill(accI.begin(), accI.end(), b0);
      }
      for (uint32_t icl = 0; icl < icg; ++icl) {
        uint32_t ic = g * icg + icl;
        const uint8_t *plane = in->at(n, ic, 0, 0);
        const float *planeFp = fp ? planeF(n, ic) : nullptr;
        for (uint32_t ky = 0; ky < c.kh; ++ky) {
          for (uint32_t kx = 0; kx < c.kw; ++kx) {
            uint64_t widx = (uint64_t(icl) * c.kh + ky) * c.kw + kx;
            int64_t offX = int64_t(kx) * c.dilW - c.padL;
            // Valid ow: 0 <= ow*sw + offX < IW.
            int64_t owLo = offX >= 0 ? 0 : (-offX + c.strideW - 1) / c.strideW;
            int64_t owHi = int64_t(IW) - offX <= 0
                               ? 0
                               : (int64_t(IW) - offX - 1) / c.strideW + 1;
            owHi = std::min<int64_t>(owHi, OW);
            if (owLo >= owHi)
              continue;
            for (uint32_t oy = 0; oy < OH; ++oy) {
              int64_t iy =
                  int64_t(oy) * c.strideH + int64_t(ky) * c.dilH - c.padT;
              if (iy < 0 || iy >= int64_t(IH))
                continue;
              if (fp) {
                float wgt = wRowF[widx];
                const float *row = planeFp + iy * inRowF + offX;
                float *acc = accF.data() + size_t(oy) * OW;
                if (c.strideW == 1) {
                  for (int64_t ox = owLo; ox < owHi; ++ox)
                    acc[ox] += wgt * row[ox];
                } else {
                  const int64_t sw = c.strideW;
                  for (int64_t ox = owLo; ox < owHi; ++ox)
                    acc[ox] += wgt * row[ox * sw];
                }
              } else {
                int64_t wgt = int8_t(wBase[widx]);
                const uint8_t *row = plane + (iy * inH + offX);
                int64_t *acc = accI.data() + size_t(oy) * OW;
                const int64_t sw = c.strideW;
                if (c.inType == DType::I8) {
                  for (int64_t ox = owLo; ox < owHi; ++ox)
                    acc[ox] += wgt * (int8_t(row[ox * sw]) - c.inZp);
                } else {
                  for (int64_t ox = owLo; ox < owHi; ++ox)
                    acc[ox] += wgt * (int64_t(row[ox * sw]) - c.inZp);
                }
              }
            }
          }
        }
      }
      uint8_t *dst = out->at(n, oc, 0, 0);
      if (fp) {
        float hi = c.reluMax > 0 ? float(c.reluMax) : INFINITY;
        if (c.relu)
          for (float &v : accF)
            v = std::min(std::max(v, 0.0f), hi);
        for (uint32_t oy = 0; oy < OH; ++oy) {
          const float *a = accF.data() + size_t(oy) * OW;
          if (c.outType == DType::F32) {
            std::copy(a, a + OW, reinterpret_cast<float *>(dst) + oy * outH);
            continue;
          }
          for (uint32_t ox = 0; ox < OW; ++ox)
            storeElement(dst + (oy * outH + ox) * out->eb, c.outType, a[ox]);
        }
      } else {
        int32_t mult;
        int shift;
        requantPair(x, c.rq, oc, outLane, mult, shift);
        unsigned eb = out->eb;
        for (uint32_t oy = 0; oy < OH; ++oy)
          for (uint32_t ox = 0; ox < OW; ++ox)
            storeInt(dst + (oy * outH + ox) * eb, c.outType,
                     intEpilogue(accI[size_t(oy) * OW + ox], c.rq, mult, shift,
                                 c.relu, c.outType));
      }
    }
  }
  return Error::success();
}

Error execMatMul(ExecContext &x, const MatMulCmd &c) {
  const TargetInfo &t = x.t;
  bool f32 = c.lType == DType::F32 && c.rType == DType::F32 &&
             c.outType == DType::F32 &&
             (!c.hasBias || c.biasType == DType::F32);
  bool half = isHalfDType(c.lType) && c.rType == c.lType &&
              (c.outType == c.lType || c.outType == DType::F32) &&
              (!c.hasBias || c.biasType == c.lType || c.biasType == DType::F32);
  bool fp = f32 || half;
  bool q =
      isInt8(c.lType) && c.rType == DType::I8 &&
      (!c.hasBias || c.biasType == DType::I32) &&
      (isInt8(c.outType) || c.outType == DType::I32 || c.outType == DType::I16);
  if (!fp && !q)
    return execError("unsupported dtypes l=" + dtypeName(c.lType) + " r=" +
                     dtypeName(c.rType) + " out=" + dtypeName(c.outType));
  if (half && !t.hasHalfFloat)
    return execError(t.name + " has no FP16/BF16 arithmetic");
  unsigned lLane = localLane(t, c.lAddr) % t.npuNum;
  unsigned rLane = localLane(t, c.rAddr) % t.npuNum;
  unsigned oLane = localLane(t, c.outAddr) % t.npuNum;
  Shape4 ls{1, c.m, 1, c.k};
  Shape4 rs = c.rTrans ? Shape4{1, c.n, 1, c.k} : Shape4{1, c.k, 1, c.n};
  Shape4 ys{1, c.m, 1, c.n};
  auto L = LocalView::make(t, x.lmem, c.lAddr,
                           localStrides(t, ls, c.lType, c.lLayout, lLane), ls,
                           c.lType, "left matrix", LaneRule::Normal, 0);
  if (!L)
    return L.takeError();
  auto R = LocalView::make(t, x.lmem, c.rAddr,
                           localStrides(t, rs, c.rType, c.rLayout, rLane), rs,
                           c.rType, "right matrix", LaneRule::Normal, 0);
  if (!R)
    return R.takeError();
  auto Y = LocalView::make(t, x.lmem, c.outAddr,
                           localStrides(t, ys, c.outType, c.outLayout, oLane),
                           ys, c.outType, "output", LaneRule::Normal, 0);
  if (!Y)
    return Y.takeError();
  if (lLane != oLane)
    return execError("left matrix must start on the output's lane " +
                     llvm::Twine(oLane));
  LocalView B;
  if (c.hasBias) {
    // Lane-replicated: row m reads the bias in its own lane.
    auto b =
        LocalView::make(t, x.lmem, c.biasAddr, {0, 0, 0, 1}, {1, c.m, 1, c.n},
                        c.biasType, "bias", LaneRule::Replicated, oLane);
    if (!b)
      return b.takeError();
    B = *b;
  }
  if (q)
    if (Error e = checkRequantTable(x, c.rq, c.m, oLane))
      return e;
  if (fp) {
    // FP16/BF16 rows are widened into f32 scratch first.
    std::vector<float> lF, rF;
    uint32_t rRows = c.rTrans ? c.n : c.k, rCols = c.rTrans ? c.k : c.n;
    if (half) {
      lF.resize(size_t(c.m) * c.k);
      for (uint32_t i = 0; i < c.m; ++i)
        for (uint32_t j = 0; j < c.k; ++j)
          lF[size_t(i) * c.k + j] =
              float(loadElement(L->channel(i) + j * L->eb, c.lType));
      rF.resize(size_t(rRows) * rCols);
      for (uint32_t i = 0; i < rRows; ++i)
        for (uint32_t j = 0; j < rCols; ++j)
          rF[size_t(i) * rCols + j] =
              float(loadElement(R->channel(i) + j * R->eb, c.rType));
    }
    auto rRow = [&](uint32_t i) -> const float * {
      return half ? rF.data() + size_t(i) * rCols
                  : reinterpret_cast<const float *>(R->channel(i));
    };
    std::vector<float> acc(c.n);
    for (uint32_t m = 0; m < c.m; ++m) {
      const float *lrow = half ? lF.data() + size_t(m) * c.k
                               : reinterpret_cast<const float *>(L->channel(m));
      if (c.hasBias)
        for (uint32_t j = 0; j < c.n; ++j)
          acc[j] = float(loadElement(B.channel(m) + j * B.eb, c.biasType));
      else
        std::fill(acc.begin(), acc.end(), 0.0f);
      if (!c.rTrans) {
        for (uint32_t k = 0; k < c.k; ++k) {
          float a = lrow[k];
          const float *rrow = rRow(k);
          float *ac = acc.data();
          for (uint32_t j = 0; j < c.n; ++j)
            ac[j] += a * rrow[j];
        }
      } else {
        for (uint32_t j = 0; j < c.n; ++j) {
          const float *rrow = rRow(j);
          float s = 0;
          for (uint32_t k = 0; k < c.k; ++k)
            s += lrow[k] * rrow[k];
          acc[j] += s;
        }
      }
      uint8_t *y = Y->channel(m);
      for (uint32_t j = 0; j < c.n; ++j) {
        float v = c.relu ? std::max(acc[j], 0.0f) : acc[j];
        if (c.outType == DType::F32)
          reinterpret_cast<float *>(y)[j] = v;
        else
          storeElement(y + j * Y->eb, c.outType, v);
      }
    }
    return Error::success();
  }
  std::vector<int64_t> acc(c.n);
  for (uint32_t m = 0; m < c.m; ++m) {
    const uint8_t *lrow = L->channel(m);
    for (uint32_t j = 0; j < c.n; ++j)
      acc[j] = c.hasBias ? loadInt(B.channel(m) + 4 * j, DType::I32) : 0;
    for (uint32_t k = 0; k < c.k; ++k) {
      int64_t a = loadInt(lrow + k, c.lType) - c.lZp;
      for (uint32_t j = 0; j < c.n; ++j) {
        const uint8_t *r = c.rTrans ? R->channel(j) + k : R->channel(k) + j;
        acc[j] += a * int8_t(*r);
      }
    }
    int32_t mult;
    int shift;
    requantPair(x, c.rq, m, oLane, mult, shift);
    uint8_t *y = Y->channel(m);
    for (uint32_t j = 0; j < c.n; ++j)
      storeInt(y + j * Y->eb, c.outType,
               intEpilogue(acc[j], c.rq, mult, shift, c.relu, c.outType));
  }
  return Error::success();
}

Error execPool(ExecContext &x, const PoolCmd &c) {
  const TargetInfo &t = x.t;
  if (!c.kh || !c.kw || !c.strideH || !c.strideW)
    return execError("kernel and stride must be non-zero");
  if (c.oh != slidingOutSize(c.in.h, c.kh, c.strideH, c.padT, c.padB, 1) ||
      c.ow != slidingOutSize(c.in.w, c.kw, c.strideW, c.padL, c.padR, 1))
    return execError("output size " + llvm::Twine(c.oh) + "x" +
                     llvm::Twine(c.ow) +
                     " does not match input, kernel, stride and padding");
  unsigned inLane = localLane(t, c.inAddr) % t.npuNum;
  unsigned outLane = localLane(t, c.outAddr) % t.npuNum;
  if (inLane != outLane)
    return execError("pool input and output must start on the same lane");
  Shape4 os{c.in.n, c.in.c, c.oh, c.ow};
  auto in = LocalView::make(t, x.lmem, c.inAddr,
                            localStrides(t, c.in, c.dtype, c.inLayout, inLane),
                            c.in, c.dtype, "input", LaneRule::Normal, 0);
  if (!in)
    return in.takeError();
  auto out = LocalView::make(t, x.lmem, c.outAddr,
                             localStrides(t, os, c.dtype, c.outLayout, outLane),
                             os, c.dtype, "output", LaneRule::Normal, 0);
  if (!out)
    return out.takeError();
  bool isInt = !isFloatDType(c.dtype);
  if (isInt)
    if (Error e = checkRequantTable(x, c.rq, c.in.c, outLane))
      return e;
  bool isMax = c.mode == PoolMode::Max;
  for (uint32_t n = 0; n < c.in.n; ++n)
    for (uint32_t ch = 0; ch < c.in.c; ++ch) {
      int32_t mult = 1;
      int shift = 0;
      if (isInt)
        requantPair(x, c.rq, ch, outLane, mult, shift);
      for (uint32_t oy = 0; oy < c.oh; ++oy)
        for (uint32_t ox = 0; ox < c.ow; ++ox) {
          int64_t y0 = int64_t(oy) * c.strideH - c.padT;
          int64_t x0 = int64_t(ox) * c.strideW - c.padL;
          int64_t y1 = std::min<int64_t>(y0 + c.kh, c.in.h);
          int64_t x1 = std::min<int64_t>(x0 + c.kw, c.in.w);
          int64_t area =
              (std::min<int64_t>(y0 + c.kh, int64_t(c.in.h) + c.padB) - y0) *
              (std::min<int64_t>(x0 + c.kw, int64_t(c.in.w) + c.padR) - x0);
          int64_t ys = std::max<int64_t>(y0, 0), xs = std::max<int64_t>(x0, 0);
          double acc = isMax ? -INFINITY : 0;
          int64_t cnt = 0;
          for (int64_t iy = ys; iy < y1; ++iy)
            for (int64_t ix = xs; ix < x1; ++ix) {
              double v = loadElement(in->at(n, ch, uint32_t(iy), uint32_t(ix)),
                                     c.dtype);
              acc = isMax ? std::max(acc, v) : acc + v;
              ++cnt;
            }
          uint8_t *dst = out->at(n, ch, oy, ox);
          if (isMax) {
            storeElement(dst, c.dtype, cnt ? acc : 0);
            continue;
          }
          int64_t div = c.countIncludePad ? area : cnt;
          if (!isInt) {
            storeElement(dst, c.dtype, div ? acc / double(div) : 0);
          } else if (c.rq.mode != RequantMode::None) {
            // INT8 average: the sum is requantized; the multiplier folds in
            // the 1/area factor chosen by the compiler.
            storeInt(
                dst, c.dtype,
                saturate(requantValue(int64_t(acc), mult, shift, c.rq.outZp),
                         c.dtype));
          } else {
            storeElement(dst, c.dtype, div ? acc / double(div) : 0);
          }
        }
    }
  return Error::success();
}

} // namespace cmodel
} // namespace onntc
