//===- ConvTest.cpp - conv, matmul and pooling against scalar references
//---===//
#include "TestUtil.h"

#include <chrono>

using namespace testutil;

namespace {

struct ConvCase {
  const char *name;
  Shape4 in;
  uint32_t oc, kh, kw, sh, sw, dh, dw, pt, pb, pl, pr, groups;
  bool bias, relu;
  unsigned inLane, outLane;
};

/// Plain NCHW reference convolution.
std::vector<double> refConv(const ConvCase &k, const std::vector<double> &x,
                            const std::vector<double> &w,
                            const std::vector<double> &b, uint32_t oh,
                            uint32_t ow) {
  uint32_t icg = k.in.c / k.groups, ocg = k.oc / k.groups;
  std::vector<double> y(size_t(k.in.n) * k.oc * oh * ow);
  size_t i = 0;
  for (uint32_t n = 0; n < k.in.n; ++n)
    for (uint32_t o = 0; o < k.oc; ++o)
      for (uint32_t yy = 0; yy < oh; ++yy)
        for (uint32_t xx = 0; xx < ow; ++xx) {
          double s = k.bias ? b[o] : 0;
          uint32_t g = o / ocg;
          for (uint32_t c = 0; c < icg; ++c)
            for (uint32_t ky = 0; ky < k.kh; ++ky)
              for (uint32_t kx = 0; kx < k.kw; ++kx) {
                int64_t iy = int64_t(yy) * k.sh - k.pt + int64_t(ky) * k.dh;
                int64_t ix = int64_t(xx) * k.sw - k.pl + int64_t(kx) * k.dw;
                if (iy < 0 || ix < 0 || iy >= k.in.h || ix >= k.in.w)
                  continue;
                uint32_t ic = g * icg + c;
                s +=
                    x[((size_t(n) * k.in.c + ic) * k.in.h + iy) * k.in.w + ix] *
                    w[((size_t(o) * icg + c) * k.kh + ky) * k.kw + kx];
              }
          if (k.relu && s < 0)
            s = 0;
          y[i++] = s;
        }
  return y;
}

void runConvCase(const TargetInfo &t, const ConvCase &k) {
  INFO(t.name.str() << " " << k.name);
  CModel m(t);
  ConvCmd c;
  c.in = k.in;
  c.oc = k.oc;
  c.kh = k.kh;
  c.kw = k.kw;
  c.strideH = k.sh;
  c.strideW = k.sw;
  c.dilH = k.dh;
  c.dilW = k.dw;
  c.padT = k.pt;
  c.padB = k.pb;
  c.padL = k.pl;
  c.padR = k.pr;
  c.groups = k.groups;
  c.hasBias = k.bias;
  c.relu = k.relu;
  c.oh = slidingOutSize(k.in.h, k.kh, k.sh, k.pt, k.pb, k.dh);
  c.ow = slidingOutSize(k.in.w, k.kw, k.sw, k.pl, k.pr, k.dw);
  Shape4 os{k.in.n, k.oc, c.oh, c.ow};
  uint32_t icg = k.in.c / k.groups;
  uint64_t inBytes =
      localBytesPerLane(t, k.in, DType::F32, LocalLayout::AlignEU, k.inLane);
  uint64_t outBytes =
      localBytesPerLane(t, os, DType::F32, LocalLayout::AlignEU, k.outLane);
  uint64_t wBytes =
      convWeightBytesPerLane(t, k.oc, icg, k.kh, k.kw, DType::F32, k.outLane);
  uint32_t off = 0;
  c.inAddr = makeLocalAddr(t, k.inLane, off);
  off += uint32_t(alignUp(inBytes, 64));
  c.outAddr = makeLocalAddr(t, k.outLane, off);
  off += uint32_t(alignUp(outBytes, 64));
  c.weightAddr = makeLocalAddr(t, k.outLane, off);
  off += uint32_t(alignUp(wBytes, 64));
  c.biasAddr = makeLocalAddr(t, k.outLane, off);
  REQUIRE(off + 1024 < t.lmemBytes);

  auto x = randomValues(k.in.numElements(), 1);
  auto w = randomValues(size_t(k.oc) * icg * k.kh * k.kw, 2);
  auto b = randomValues(k.oc, 3);
  put(m, c.inAddr, k.in, DType::F32, LocalLayout::AlignEU, x);
  uint32_t ks = icg * k.kh * k.kw;
  requireOk(onntc::cmodel::writeLocalTensor(t, m.local(), c.weightAddr,
                                            {1, k.oc, 1, ks}, {0, ks, 0, 1},
                                            DType::F32, w));
  requireOk(onntc::cmodel::writeLocalTensor(
      t, m.local(), c.biasAddr, {1, k.oc, 1, 1}, {0, 1, 0, 1}, DType::F32, b));
  // The command goes through its descriptor form, like a real stream.
  auto bytes = requireOk(encodeStream({bdc(c)}));
  auto prof = requireOk(m.run(bytes, 1, {}, 0));
  CHECK(prof.bdcCommands == 1);
  CHECK(prof.macs == uint64_t(k.in.n) * k.oc * c.oh * c.ow * ks);
  auto y = get(m, c.outAddr, os, DType::F32, LocalLayout::AlignEU);
  checkClose(y, refConv(k, x, w, b, c.oh, c.ow), 1e-5);
}

} // namespace

TEST_CASE("conv matches the reference", "[cmodel][conv]") {
  const ConvCase cases[] = {
      // name           in               oc kh kw sh sw dh dw pt pb pl pr g bias
      // relu lanes
      {"3x3 pad1",
       {1, 8, 9, 10},
       16,
       3,
       3,
       1,
       1,
       1,
       1,
       1,
       1,
       1,
       1,
       1,
       true,
       false,
       0,
       0},
      {"stride2 7x7",
       {2, 3, 23, 21},
       10,
       7,
       7,
       2,
       2,
       1,
       1,
       3,
       3,
       3,
       3,
       1,
       true,
       true,
       0,
       0},
      {"asym pad",
       {1, 5, 8, 8},
       4,
       3,
       2,
       2,
       1,
       1,
       1,
       0,
       2,
       1,
       0,
       1,
       false,
       false,
       0,
       0},
      {"dilation",
       {1, 4, 12, 11},
       6,
       3,
       3,
       1,
       1,
       2,
       3,
       2,
       2,
       3,
       3,
       1,
       true,
       false,
       0,
       0},
      {"groups",
       {1, 12, 7, 7},
       18,
       3,
       3,
       1,
       1,
       1,
       1,
       1,
       1,
       1,
       1,
       3,
       true,
       true,
       0,
       0},
      {"depthwise",
       {1, 70, 9, 9},
       70,
       3,
       3,
       2,
       2,
       1,
       1,
       1,
       1,
       1,
       1,
       70,
       true,
       false,
       0,
       0},
      {"130 channels",
       {1, 130, 5, 6},
       67,
       1,
       1,
       1,
       1,
       1,
       1,
       0,
       0,
       0,
       0,
       1,
       true,
       true,
       0,
       0},
      {"lane offsets",
       {2, 66, 6, 5},
       75,
       3,
       3,
       1,
       2,
       1,
       1,
       1,
       1,
       0,
       1,
       1,
       true,
       false,
       3,
       61},
  };
  for (const TargetInfo *t : allTargets())
    for (const ConvCase &k : cases)
      runConvCase(*t, k);
}

TEST_CASE("conv rejects inconsistent parameters", "[cmodel][conv]") {
  const TargetInfo &t = getBM1684XTarget();
  CModel m(t);
  ConvCmd c;
  c.in = {1, 6, 8, 8};
  c.oc = 4;
  c.oh = c.ow = 8;
  c.kh = c.kw = 1;
  c.groups = 4; // does not divide 6
  c.outAddr = 0x1000;
  c.weightAddr = 0x2000;
  requireError(m.execute(bdc(c)), "groups 4");
  c.groups = 1;
  c.oh = 7;
  requireError(m.execute(bdc(c)), "output size");
  c.oh = 8;
  c.weightAddr = makeLocalAddr(t, 2, 0x2000);
  requireError(m.execute(bdc(c)), "weights must start on the output's lane");
  c.weightAddr = 0x2000;
  c.outAddr = t.lmemBytes - 64; // the output runs off the end of the lane
  requireError(m.execute(bdc(c)), "outside the");
  c.outAddr = 0x1002;
  requireError(m.execute(bdc(c)), "not aligned");
  c.outAddr = uint32_t(t.totalLmemBytes());
  requireError(m.execute(bdc(c)), "beyond local memory");
}

TEST_CASE("int8 conv accumulates in i32 and requantizes per channel",
          "[cmodel][conv][int8]") {
  const TargetInfo &t = getBM1684XTarget();
  CModel m(t);
  ConvCmd c;
  c.in = {1, 5, 6, 7};
  c.oc = 3;
  c.kh = c.kw = 3;
  c.padT = c.padB = c.padL = c.padR = 1;
  c.oh = 6;
  c.ow = 7;
  c.inType = DType::I8;
  c.weightType = DType::I8;
  c.biasType = DType::I32;
  c.outType = DType::I8;
  c.hasBias = true;
  c.relu = true;
  c.inZp = 2;
  c.rq.mode = RequantMode::PerChannel;
  c.rq.outZp = -5;
  c.inAddr = 0;
  c.outAddr = 0x1000;
  c.weightAddr = 0x2000;
  c.biasAddr = 0x3000;
  c.rq.tableAddr = 0x3100;
  auto x = randomInts(c.in.numElements(), 4, -128, 127);
  auto w = randomInts(3 * 45, 5, -128, 127);
  std::vector<double> b = {1000, -20000, 7};
  std::vector<double> table = {1 << 14, 13, 3 << 13, 14, 1 << 15, 20};
  put(m, c.inAddr, c.in, DType::I8, LocalLayout::AlignEU, x);
  requireOk(onntc::cmodel::writeLocalTensor(
      t, m.local(), c.weightAddr, {1, 3, 1, 45}, {0, 45, 0, 1}, DType::I8, w));
  requireOk(onntc::cmodel::writeLocalTensor(
      t, m.local(), c.biasAddr, {1, 3, 1, 1}, {0, 1, 0, 1}, DType::I32, b));
  requireOk(onntc::cmodel::writeLocalTensor(t, m.local(), c.rq.tableAddr,
                                            {1, 3, 1, 2}, {0, 2, 0, 1},
                                            DType::I32, table));
  requireOk(m.execute(bdc(c)));
  auto y = get(m, c.outAddr, {1, 3, 6, 7}, DType::I8, LocalLayout::AlignEU);
  size_t i = 0;
  for (int o = 0; o < 3; ++o)
    for (int yy = 0; yy < 6; ++yy)
      for (int xx = 0; xx < 7; ++xx) {
        int64_t acc = int64_t(b[o]);
        for (int ic = 0; ic < 5; ++ic)
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
              int iy = yy - 1 + ky, ix = xx - 1 + kx;
              if (iy < 0 || ix < 0 || iy >= 6 || ix >= 7)
                continue;
              acc += int64_t(w[(o * 5 + ic) * 9 + ky * 3 + kx]) *
                     (int64_t(x[(ic * 6 + iy) * 7 + ix]) - 2);
            }
        int64_t mult = int64_t(table[2 * o]), sh = int64_t(table[2 * o + 1]);
        int64_t v = ((acc * mult + (int64_t(1) << (sh - 1))) >> sh) - 5;
        v = std::max<int64_t>(v, -5);
        v = std::min<int64_t>(std::max<int64_t>(v, -128), 127);
        INFO("o=" << o << " y=" << yy << " x=" << xx << " acc=" << acc);
        CHECK(y[i++] == double(v));
      }
}

TEST_CASE("matmul matches the reference", "[cmodel][matmul]") {
  for (const TargetInfo *tp : allTargets())
    for (bool trans : {false, true}) {
      const TargetInfo &t = *tp;
      INFO(t.name.str() << " rTrans=" << trans);
      CModel m(t);
      MatMulCmd c;
      c.m = 70;
      c.k = 37;
      c.n = 45;
      c.rTrans = trans;
      c.hasBias = true;
      c.relu = true;
      c.lAddr = makeLocalAddr(t, 2, 0);
      c.outAddr = makeLocalAddr(t, 2, 0x2000);
      c.rAddr = makeLocalAddr(t, 9, 0x4000);
      c.biasAddr = makeLocalAddr(t, 0, 0x8000);
      auto L = randomValues(70 * 37, 6), R = randomValues(37 * 45, 7),
           B = randomValues(45, 8);
      put(m, c.lAddr, {1, 70, 1, 37}, DType::F32, LocalLayout::AlignEU, L);
      std::vector<double> Rs = R;
      if (trans)
        for (int k = 0; k < 37; ++k)
          for (int n = 0; n < 45; ++n)
            Rs[n * 37 + k] = R[k * 45 + n];
      put(m, c.rAddr, trans ? Shape4{1, 45, 1, 37} : Shape4{1, 37, 1, 45},
          DType::F32, LocalLayout::AlignEU, Rs);
      // The bias is lane-replicated: write it into every lane.
      for (unsigned lane = 0; lane < t.npuNum; ++lane)
        requireOk(onntc::cmodel::writeLocalTensor(
            t, m.local(), makeLocalAddr(t, lane, 0x8000), {1, 1, 1, 45},
            {0, 0, 0, 1}, DType::F32, B));
      requireOk(m.execute(bdc(c)));
      auto y =
          get(m, c.outAddr, {1, 70, 1, 45}, DType::F32, LocalLayout::AlignEU);
      std::vector<double> want(70 * 45);
      for (int i = 0; i < 70; ++i)
        for (int j = 0; j < 45; ++j) {
          double s = B[j];
          for (int k = 0; k < 37; ++k)
            s += L[i * 37 + k] * R[k * 45 + j];
          want[i * 45 + j] = std::max(s, 0.0);
        }
      checkClose(y, want, 1e-5);
    }
}

TEST_CASE("int8 matmul with per-tensor requant", "[cmodel][matmul][int8]") {
  const TargetInfo &t = getBM1684Target();
  CModel m(t);
  MatMulCmd c;
  c.m = 3;
  c.k = 10;
  c.n = 4;
  c.lType = DType::U8;
  c.rType = DType::I8;
  c.outType = DType::I8;
  c.lZp = 128;
  c.rq.mode = RequantMode::PerTensor;
  c.rq.multiplier = 19000;
  c.rq.shift = 16;
  c.rq.outZp = 3;
  c.rAddr = 0x1000;
  c.outAddr = 0x2000;
  auto L = randomInts(30, 9, 0, 255), R = randomInts(40, 10, -128, 127);
  put(m, c.lAddr, {1, 3, 1, 10}, DType::U8, LocalLayout::AlignEU, L);
  put(m, c.rAddr, {1, 10, 1, 4}, DType::I8, LocalLayout::AlignEU, R);
  requireOk(m.execute(bdc(c)));
  auto y = get(m, c.outAddr, {1, 3, 1, 4}, DType::I8, LocalLayout::AlignEU);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) {
      int64_t acc = 0;
      for (int k = 0; k < 10; ++k)
        acc += (int64_t(L[i * 10 + k]) - 128) * int64_t(R[k * 4 + j]);
      int64_t v = ((acc * 19000 + (1 << 15)) >> 16) + 3;
      v = std::min<int64_t>(std::max<int64_t>(v, -128), 127);
      CHECK(y[i * 4 + j] == double(v));
    }
}

TEST_CASE("max and average pooling match the reference", "[cmodel][pool]") {
  const TargetInfo &t = getBM1684XTarget();
  for (PoolMode mode : {PoolMode::Max, PoolMode::Avg})
    for (bool countPad : {false, true}) {
      CModel m(t);
      PoolCmd p;
      p.in = {2, 67, 9, 8};
      p.kh = 3;
      p.kw = 2;
      p.strideH = 2;
      p.strideW = 2;
      p.padT = 1;
      p.padB = 1;
      p.padL = 1;
      p.padR = 0;
      p.mode = mode;
      p.countIncludePad = countPad;
      p.oh = slidingOutSize(9, 3, 2, 1, 1, 1);
      p.ow = slidingOutSize(8, 2, 2, 1, 0, 1);
      p.inAddr = makeLocalAddr(t, 7, 0);
      p.outAddr = makeLocalAddr(t, 7, 0x4000);
      auto x = randomValues(p.in.numElements(), 11);
      put(m, p.inAddr, p.in, DType::F32, LocalLayout::AlignEU, x);
      requireOk(m.execute(bdc(p)));
      Shape4 os{2, 67, p.oh, p.ow};
      auto y = get(m, p.outAddr, os, DType::F32, LocalLayout::AlignEU);
      std::vector<double> want;
      for (uint32_t n = 0; n < 2; ++n)
        for (uint32_t c = 0; c < 67; ++c)
          for (uint32_t oy = 0; oy < p.oh; ++oy)
            for (uint32_t ox = 0; ox < p.ow; ++ox) {
              double acc = mode == PoolMode::Max ? -1e30 : 0;
              int cnt = 0;
              for (int ky = 0; ky < 3; ++ky)
                for (int kx = 0; kx < 2; ++kx) {
                  int iy = int(oy) * 2 - 1 + ky, ix = int(ox) * 2 - 1 + kx;
                  if (iy < 0 || ix < 0 || iy >= 9 || ix >= 8)
                    continue;
                  double v = x[((n * 67 + c) * 9 + iy) * 8 + ix];
                  acc = mode == PoolMode::Max ? std::max(acc, v) : acc + v;
                  ++cnt;
                }
              // Windows never extend past the padded input here, so the
              // padded area is always 3 * 2.
              if (mode == PoolMode::Avg)
                acc /= countPad ? 6 : cnt;
              want.push_back(acc);
            }
      INFO("mode " << int(mode) << " countPad " << countPad);
      checkClose(y, want, 1e-6);
    }
}

TEST_CASE("a ResNet-sized conv runs fast", "[cmodel][conv][perf]") {
  // 64->64 3x3 on 56x56: 115.6 M MACs, as in every ResNet-18 stage-1 conv.
  const TargetInfo &t = getBM1684XTarget();
  CModel m(t);
  ConvCmd c;
  c.in = {1, 64, 56, 56};
  c.oc = 64;
  c.oh = c.ow = 56;
  c.kh = c.kw = 3;
  c.padT = c.padB = c.padL = c.padR = 1;
  c.outAddr = 0x4000;
  c.weightAddr = 0x8000;
  auto start = std::chrono::steady_clock::now();
  requireOk(m.execute(bdc(c)));
  double sec =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  WARN("64x56x56 3x3 conv: " << sec * 1000 << " ms, " << 115.6e6 / sec / 1e9
                             << " GMAC/s");
  CHECK(sec < 2.0);
}

TEST_CASE("fp16 and bf16 conv accumulate in f32 on chips that have them",
          "[cmodel][conv][half]") {
  for (DType dt : {DType::F16, DType::BF16}) {
    const TargetInfo &t = getBM1684XTarget();
    INFO(dtypeName(dt).str());
    CModel m(t);
    ConvCmd c;
    c.in = {1, 5, 6, 7};
    c.oc = 4;
    c.kh = c.kw = 3;
    c.padT = c.padB = c.padL = c.padR = 1;
    c.oh = 6;
    c.ow = 7;
    c.inType = c.weightType = c.outType = dt;
    c.biasType = DType::F32;
    c.hasBias = true;
    c.relu = true;
    c.outAddr = 0x1000;
    c.weightAddr = 0x2000;
    c.biasAddr = 0x3000;
    auto x = randomValues(c.in.numElements(), 50);
    auto w = randomValues(4 * 45, 51);
    std::vector<double> b = {0.5, -0.25, 0, 1};
    put(m, 0, c.in, dt, LocalLayout::AlignEU, x);
    requireOk(onntc::cmodel::writeLocalTensor(
        t, m.local(), c.weightAddr, {1, 4, 1, 45}, {0, 45, 0, 1}, dt, w));
    requireOk(onntc::cmodel::writeLocalTensor(
        t, m.local(), c.biasAddr, {1, 4, 1, 1}, {0, 1, 0, 1}, DType::F32, b));
    // The reference sees the same rounded inputs the chip sees.
    x = get(m, 0, c.in, dt, LocalLayout::AlignEU);
    w = requireOk(onntc::cmodel::readLocalTensor(
        t, m.local(), c.weightAddr, {1, 4, 1, 45}, {0, 45, 0, 1}, dt));
    requireOk(m.execute(bdc(c)));
    auto y = get(m, c.outAddr, {1, 4, 6, 7}, dt, LocalLayout::AlignEU);
    ConvCase k{"half", c.in, 4, 3, 3, 1,    1,    1, 1,
               1,      1,    1, 1, 1, true, true, 0, 0};
    checkClose(y, refConv(k, x, w, b, 6, 7), dt == DType::F16 ? 2e-3 : 1e-2);
  }
  CModel old(getBM1684Target());
  ConvCmd c;
  c.in = {1, 1, 2, 2};
  c.oc = 1;
  c.oh = c.ow = 2;
  c.inType = c.weightType = c.outType = DType::F16;
  c.outAddr = 0x100;
  c.weightAddr = 0x200;
  requireError(old.execute(bdc(c)), "BM1684 has no FP16/BF16 arithmetic");
}

TEST_CASE("fp16 matmul accumulates in f32", "[cmodel][matmul][half]") {
  const TargetInfo &t = getBM1684XTarget();
  CModel m(t);
  MatMulCmd c;
  c.m = 3;
  c.k = 33;
  c.n = 20;
  c.lType = c.rType = DType::F16;
  c.outType = DType::F32;
  c.biasType = DType::F16;
  c.hasBias = true;
  c.rAddr = 0x1000;
  c.outAddr = 0x2000;
  c.biasAddr = 0x3000;
  put(m, 0, {1, 3, 1, 33}, DType::F16, LocalLayout::AlignEU,
      randomValues(99, 60));
  put(m, c.rAddr, {1, 33, 1, 20}, DType::F16, LocalLayout::AlignEU,
      randomValues(660, 61));
  auto B = randomValues(20, 62);
  for (unsigned lane = 0; lane < 3; ++lane)
    requireOk(onntc::cmodel::writeLocalTensor(
        t, m.local(), makeLocalAddr(t, lane, 0x3000), {1, 1, 1, 20},
        {0, 0, 0, 1}, DType::F16, B));
  auto L = get(m, 0, {1, 3, 1, 33}, DType::F16, LocalLayout::AlignEU);
  auto R = get(m, c.rAddr, {1, 33, 1, 20}, DType::F16, LocalLayout::AlignEU);
  B = requireOk(onntc::cmodel::readLocalTensor(
      t, m.local(), 0x3000, {1, 1, 1, 20}, {0, 0, 0, 1}, DType::F16));
  requireOk(m.execute(bdc(c)));
  auto y = get(m, c.outAddr, {1, 3, 1, 20}, DType::F32, LocalLayout::AlignEU);
  std::vector<double> want(60);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 20; ++j) {
      double s = B[j];
      for (int k = 0; k < 33; ++k)
        s += L[i * 33 + k] * R[k * 20 + j];
      want[i * 20 + j] = s;
    }
  checkClose(y, want, 1e-5);
}
