//===- ElementwiseTest.cpp - lane-wise element commands
//--------------------===//
#include "TestUtil.h"

#include "support/IntMath.h"

using namespace testutil;

namespace {

size_t idx(Shape4 s, uint32_t n, uint32_t c, uint32_t h, uint32_t w) {
  return ((size_t(n) * s.c + c) * s.h + h) * s.w + w;
}

} // namespace

TEST_CASE("binary ops broadcast along each of N, C, H and W",
          "[cmodel][binary]") {
  const TargetInfo &t = getBM1684XTarget();
  Shape4 s{2, 67, 3, 5};
  for (int axis = 0; axis < 4; ++axis) {
    INFO("broadcast axis " << axis);
    CModel m(t);
    Shape4 bs = s;
    (axis == 0 ? bs.n : axis == 1 ? bs.c : axis == 2 ? bs.h : bs.w) = 1;
    uint32_t aAddr = makeLocalAddr(t, 4, 0),
             oAddr = makeLocalAddr(t, 4, 0x4000);
    uint32_t bAddr = makeLocalAddr(t, 4, 0x8000);
    auto A = randomValues(s.numElements(), 20);
    auto B = randomValues(bs.numElements(), 21);
    put(m, aAddr, s, DType::F32, LocalLayout::AlignEU, A);
    LocalOperand bOp = operand(t, bAddr, bs, DType::F32);
    if (axis == 1) {
      // C broadcast: the operand is lane-replicated (C stride 0) and each
      // lane holds its own copy.
      bOp.stride = {int64_t(alignUp(15, 16)), 0, 5, 1};
      for (unsigned lane = 0; lane < t.npuNum; ++lane)
        put(m, makeLocalAddr(t, lane, 0x8000), bs, DType::F32,
            LocalLayout::AlignEU, B);
    } else {
      put(m, bAddr, bs, DType::F32, LocalLayout::AlignEU, B);
    }
    // Zero stride on the broadcast axis.
    if (axis == 0)
      bOp.stride.n = 0;
    if (axis == 2)
      bOp.stride.h = 0;
    if (axis == 3)
      bOp.stride.w = 0;
    BinaryCmd c;
    c.shape = s;
    c.out = operand(t, oAddr, s, DType::F32);
    c.a = operand(t, aAddr, s, DType::F32);
    c.b = bOp;
    c.op = BinaryOp::Sub;
    requireOk(m.execute(bdc(c)));
    auto y = get(m, oAddr, s, DType::F32, LocalLayout::AlignEU);
    std::vector<double> want(s.numElements());
    for (uint32_t n = 0; n < s.n; ++n)
      for (uint32_t ch = 0; ch < s.c; ++ch)
        for (uint32_t h = 0; h < s.h; ++h)
          for (uint32_t w = 0; w < s.w; ++w) {
            double b = B[idx(bs, axis == 0 ? 0 : n, axis == 1 ? 0 : ch,
                             axis == 2 ? 0 : h, axis == 3 ? 0 : w)];
            want[idx(s, n, ch, h, w)] = float(A[idx(s, n, ch, h, w)] - b);
          }
    checkClose(y, want, 0);
  }
}

TEST_CASE("binary ops with a scalar operand, every op", "[cmodel][binary]") {
  const TargetInfo &t = getBM1684Target();
  Shape4 s{1, 3, 2, 4};
  auto A = randomValues(s.numElements(), 22, 0.1, 2);
  CModel m(t);
  put(m, 0, s, DType::F32, LocalLayout::Compact, A);
  for (unsigned o = 0; o < kNumBinaryOps; ++o) {
    BinaryOp op = BinaryOp(o);
    INFO(binaryOpName(op).str());
    BinaryCmd c;
    c.shape = s;
    c.out = operand(t, 0x1000, s, DType::F32);
    c.b = operand(t, 0, s, DType::F32, LocalLayout::Compact);
    c.aIsScalar = true;
    c.scalar = 1.5;
    c.op = op;
    requireOk(m.execute(bdc(c)));
    auto y = get(m, 0x1000, s, DType::F32, LocalLayout::AlignEU);
    for (size_t i = 0; i < A.size(); ++i) {
      double a = 1.5, b = A[i], r = 0;
      switch (op) {
      case BinaryOp::Add:
        r = a + b;
        break;
      case BinaryOp::Sub:
        r = a - b;
        break;
      case BinaryOp::Mul:
        r = a * b;
        break;
      case BinaryOp::Div:
        r = a / b;
        break;
      case BinaryOp::Max:
        r = std::max(a, b);
        break;
      case BinaryOp::Min:
        r = std::min(a, b);
        break;
      case BinaryOp::Pow:
        r = std::pow(a, b);
        break;
      case BinaryOp::PRelu:
        r = a;
        break;
      case BinaryOp::SquaredDiff:
        r = (a - b) * (a - b);
        break;
      case BinaryOp::Eq:
        r = a == b;
        break;
      case BinaryOp::Ne:
        r = a != b;
        break;
      case BinaryOp::Lt:
        r = a < b;
        break;
      case BinaryOp::Le:
        r = a <= b;
        break;
      case BinaryOp::Gt:
        r = a > b;
        break;
      case BinaryOp::Ge:
        r = a >= b;
        break;
      case BinaryOp::And:
        r = 1;
        break;
      case BinaryOp::Or:
        r = 1;
        break;
      }
      CHECK(y[i] == Approx(r).epsilon(1e-6));
    }
  }
}

TEST_CASE("int8 add saturates after requant", "[cmodel][binary][int8]") {
  const TargetInfo &t = getBM1684XTarget();
  CModel m(t);
  Shape4 s{1, 2, 1, 4};
  std::vector<double> A = {100, -100, 50, 0, 127, -128, 1, 2};
  std::vector<double> B = {100, -100, -50, 0, 127, -128, 3, 4};
  put(m, 0, s, DType::I8, LocalLayout::AlignEU, A);
  put(m, 0x100, s, DType::I8, LocalLayout::AlignEU, B);
  BinaryCmd c;
  c.shape = s;
  c.out = operand(t, 0x200, s, DType::I8);
  c.a = operand(t, 0, s, DType::I8);
  c.b = operand(t, 0x100, s, DType::I8);
  c.op = BinaryOp::Add;
  c.rq.mode = RequantMode::PerTensor;
  c.rq.multiplier = 3;
  c.rq.shift = 1; // y = round((a + b) * 1.5)
  requireOk(m.execute(bdc(c)));
  auto y = get(m, 0x200, s, DType::I8, LocalLayout::AlignEU);
  CHECK(y == std::vector<double>{127, -128, 0, 0, 127, -128, 6, 9});
}

TEST_CASE("lane-wise commands reject operands on another lane",
          "[cmodel][binary]") {
  const TargetInfo &t = getBM1684XTarget();
  CModel m(t);
  Shape4 s{1, 4, 2, 2};
  BinaryCmd c;
  c.shape = s;
  c.out = operand(t, 0, s, DType::F32);
  c.a = operand(t, makeLocalAddr(t, 1, 0x100), s, DType::F32);
  c.b = operand(t, 0x200, s, DType::F32);
  requireError(m.execute(bdc(c)), "starts on lane 1");
  // Bounds are checked in bytes: 40000 f32 elements fit a lane's element
  // count but not its 256 KiB.
  UnaryCmd u;
  u.shape = {1, 1, 1, 40000};
  u.in = operand(t, 0, u.shape, DType::F32);
  u.out = operand(t, 0x100, u.shape, DType::F32);
  u.out.addr = 0x40000 - 0x100;
  requireError(m.execute(bdc(u)), "outside the 262144-byte lane");
  u.out.addr = 0x100;
  u.shape.w = 70000;
  requireError(m.execute(bdc(u)), "outside the 262144-byte lane");
}

TEST_CASE("unary ops match libm", "[cmodel][unary]") {
  const TargetInfo &t = getBM1684XTarget();
  Shape4 s{1, 65, 2, 3};
  auto X = randomValues(s.numElements(), 23, -3, 3);
  for (unsigned o = 0; o < kNumUnaryOps; ++o) {
    UnaryOp op = UnaryOp(o);
    INFO(unaryOpName(op).str());
    CModel m(t);
    put(m, 0, s, DType::F32, LocalLayout::AlignEU, X);
    UnaryCmd c;
    c.shape = s;
    c.in = operand(t, 0, s, DType::F32);
    c.out = operand(t, 0x1000, s, DType::F32);
    c.op = op;
    c.alpha = 0.2;
    c.beta = 0.5;
    if (op == UnaryOp::Clip) {
      c.alpha = -1;
      c.beta = 1.5;
    }
    requireOk(m.execute(bdc(c)));
    auto y = get(m, 0x1000, s, DType::F32, LocalLayout::AlignEU);
    for (size_t i = 0; i < X.size(); ++i) {
      double x = X[i], r = 0;
      switch (op) {
      case UnaryOp::Relu:
        r = std::max(x, 0.0);
        break;
      case UnaryOp::LeakyRelu:
        r = x > 0 ? x : 0.2 * x;
        break;
      case UnaryOp::Sigmoid:
        r = 1 / (1 + std::exp(-x));
        break;
      case UnaryOp::Tanh:
        r = std::tanh(x);
        break;
      case UnaryOp::Exp:
        r = std::exp(x);
        break;
      case UnaryOp::Log:
        r = std::log(x);
        break;
      case UnaryOp::Sqrt:
        r = std::sqrt(x);
        break;
      case UnaryOp::Rsqrt:
        r = 1 / std::sqrt(x);
        break;
      case UnaryOp::Reciprocal:
        r = 1 / x;
        break;
      case UnaryOp::Abs:
        r = std::fabs(x);
        break;
      case UnaryOp::Neg:
        r = -x;
        break;
      case UnaryOp::Square:
        r = x * x;
        break;
      case UnaryOp::Gelu:
        r = 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
        break;
      case UnaryOp::Erf:
        r = std::erf(x);
        break;
      case UnaryOp::HardSigmoid:
        r = std::clamp(0.2 * x + 0.5, 0.0, 1.0);
        break;
      case UnaryOp::HardSwish:
        r = x * std::clamp(x / 6 + 0.5, 0.0, 1.0);
        break;
      case UnaryOp::Clip:
        r = std::clamp(x, -1.0, 1.5);
        break;
      case UnaryOp::Silu:
        r = x / (1 + std::exp(-x));
        break;
      case UnaryOp::Softplus:
        r = std::log(1 + std::exp(x));
        break;
      case UnaryOp::Elu:
        r = x > 0 ? x : 0.2 * (std::exp(x) - 1);
        break;
      case UnaryOp::Mish:
        r = x * std::tanh(std::log(1 + std::exp(x)));
        break;
      case UnaryOp::Floor:
        r = std::floor(x);
        break;
      case UnaryOp::Ceil:
        r = std::ceil(x);
        break;
      case UnaryOp::Round:
        r = std::nearbyint(x);
        break;
      case UnaryOp::Sin:
        r = std::sin(x);
        break;
      case UnaryOp::Cos:
        r = std::cos(x);
        break;
      case UnaryOp::Sign:
        r = x > 0 ? 1 : x < 0 ? -1 : 0;
        break;
      }
      if (std::isnan(r)) {
        CHECK(std::isnan(y[i]));
        continue;
      }
      CHECK(y[i] == Approx(r).epsilon(1e-6).margin(1e-7));
    }
  }
}

TEST_CASE("reductions over H/W, N and across lanes", "[cmodel][reduce]") {
  const TargetInfo &t = getBM1684XTarget();
  Shape4 s{2, 70, 3, 4};
  auto X = randomValues(s.numElements(), 24);
  struct Case {
    uint8_t mask;
    ReduceOp op;
  } cases[] = {{kAxisH | kAxisW, ReduceOp::Mean},
               {kAxisW, ReduceOp::Max},
               {kAxisN, ReduceOp::Sum},
               {kAxisC, ReduceOp::Sum},
               {kAxisC | kAxisH | kAxisW, ReduceOp::Min},
               {kAxisH, ReduceOp::SumSquare},
               {kAxisW, ReduceOp::Prod}};
  for (const Case &k : cases) {
    INFO("mask " << int(k.mask) << " op " << reduceOpName(k.op).str());
    CModel m(t);
    put(m, 0, s, DType::F32, LocalLayout::AlignEU, X);
    Shape4 os{k.mask & kAxisN ? 1u : s.n, k.mask & kAxisC ? 1u : s.c,
              k.mask & kAxisH ? 1u : s.h, k.mask & kAxisW ? 1u : s.w};
    ReduceCmd c;
    c.inShape = s;
    c.in = operand(t, 0, s, DType::F32);
    c.out = operand(t, 0x4000, os, DType::F32);
    c.op = k.op;
    c.axisMask = k.mask;
    requireOk(m.execute(bdc(c)));
    auto y = get(m, 0x4000, os, DType::F32, LocalLayout::AlignEU);
    std::vector<double> want(os.numElements(), k.op == ReduceOp::Max    ? -1e30
                                               : k.op == ReduceOp::Min  ? 1e30
                                               : k.op == ReduceOp::Prod ? 1
                                                                        : 0);
    for (uint32_t n = 0; n < s.n; ++n)
      for (uint32_t ch = 0; ch < s.c; ++ch)
        for (uint32_t h = 0; h < s.h; ++h)
          for (uint32_t w = 0; w < s.w; ++w) {
            double v = X[idx(s, n, ch, h, w)];
            double &a = want[idx(os, os.n == 1 ? 0 : n, os.c == 1 ? 0 : ch,
                                 os.h == 1 ? 0 : h, os.w == 1 ? 0 : w)];
            switch (k.op) {
            case ReduceOp::Sum:
            case ReduceOp::Mean:
              a += v;
              break;
            case ReduceOp::SumSquare:
              a += v * v;
              break;
            case ReduceOp::Max:
              a = std::max(a, v);
              break;
            case ReduceOp::Min:
              a = std::min(a, v);
              break;
            case ReduceOp::Prod:
              a *= v;
              break;
            }
          }
    if (k.op == ReduceOp::Mean)
      for (double &v : want)
        v /= double(s.numElements() / os.numElements());
    checkClose(y, want, 1e-5);
  }
}

TEST_CASE("copy, fill, cast, requant and lookup table",
          "[cmodel][copy][cast]") {
  const TargetInfo &t = getBM1684XTarget();
  CModel m(t);
  Shape4 s{1, 66, 2, 3};
  auto X = randomValues(s.numElements(), 25, -4, 4);
  put(m, 0, s, DType::F32, LocalLayout::AlignEU, X);

  // Copy into a compact layout, then back into the align-EU form.
  CopyCmd cp;
  cp.shape = s;
  cp.in = operand(t, 0, s, DType::F32);
  cp.out = operand(t, 0x1000, s, DType::F32, LocalLayout::Compact);
  requireOk(m.execute(bdc(cp)));
  CHECK(get(m, 0x1000, s, DType::F32, LocalLayout::Compact) == X);

  // Quantize with scale 20 and zero point 3, saturating at i8.
  CastCmd q;
  q.shape = s;
  q.in = operand(t, 0, s, DType::F32);
  q.out = operand(t, 0x2000, s, DType::I8);
  q.mode = CastMode::Quantize;
  q.scale = 20;
  q.zp = 3;
  requireOk(m.execute(bdc(q)));
  auto qi = get(m, 0x2000, s, DType::I8, LocalLayout::AlignEU);
  for (size_t i = 0; i < X.size(); ++i)
    CHECK(qi[i] == std::clamp(double(std::nearbyint(float(X[i]) * 20.0f)) + 3,
                              -128.0, 127.0));
  // Dequantize back.
  CastCmd dq = q;
  dq.in = q.out;
  dq.out = operand(t, 0x3000, s, DType::F32);
  dq.mode = CastMode::Dequantize;
  dq.scale = 0.05;
  requireOk(m.execute(bdc(dq)));
  auto back = get(m, 0x3000, s, DType::F32, LocalLayout::AlignEU);
  for (size_t i = 0; i < X.size(); ++i)
    CHECK(back[i] == Approx((qi[i] - 3) * 0.05).epsilon(1e-6));
  // Convert rounds half to even and saturates.
  FillCmd f;
  f.shape = {1, 66, 1, 1};
  f.out = operand(t, 0x4000, f.shape, DType::F32);
  f.value = 2.5;
  requireOk(m.execute(bdc(f)));
  CastCmd cv;
  cv.shape = f.shape;
  cv.in = f.out;
  cv.out = operand(t, 0x4100, f.shape, DType::U8);
  requireOk(m.execute(bdc(cv)));
  for (double v : get(m, 0x4100, f.shape, DType::U8, LocalLayout::AlignEU))
    CHECK(v == 2);

  // Per-channel requant of i32 values.
  Shape4 rs{1, 3, 1, 2};
  put(m, 0x5000, rs, DType::I32, LocalLayout::AlignEU,
      {1000, -1000, 70000, 5, -3, 3});
  requireOk(onntc::cmodel::writeLocalTensor(t, m.local(), 0x5100, {1, 3, 1, 2},
                                            {0, 2, 0, 1}, DType::I32,
                                            {1, 2, 1, 8, 3, 0}));
  RequantCmd r;
  r.shape = rs;
  r.in = operand(t, 0x5000, rs, DType::I32);
  r.out = operand(t, 0x5200, rs, DType::I8);
  r.rq.mode = RequantMode::PerChannel;
  r.rq.tableAddr = 0x5100;
  r.rq.outZp = 1;
  requireOk(m.execute(bdc(r)));
  // ch0: (x*1 + 2) >> 2; ch1: (x + 128) >> 8; ch2: x * 3.
  CHECK(get(m, 0x5200, rs, DType::I8, LocalLayout::AlignEU) ==
        std::vector<double>{127, -128, 127, 1, -8, 10});

  // Lookup table: u8 index -> f32 value, table replicated in every lane.
  std::vector<double> table(256);
  for (int i = 0; i < 256; ++i)
    table[i] = i * 0.5 - 3;
  for (unsigned lane = 0; lane < t.npuNum; ++lane)
    requireOk(onntc::cmodel::writeLocalTensor(
        t, m.local(), makeLocalAddr(t, lane, 0x6000), {1, 1, 1, 256},
        {0, 0, 0, 1}, DType::F32, table));
  Shape4 ls{1, 65, 1, 3};
  auto idxs = randomInts(ls.numElements(), 26, 0, 255);
  put(m, 0x7000, ls, DType::U8, LocalLayout::AlignEU, idxs);
  LutCmd l;
  l.shape = ls;
  l.in = operand(t, 0x7000, ls, DType::U8);
  l.out = operand(t, 0x7400, ls, DType::F32);
  l.tableAddr = 0x6000;
  requireOk(m.execute(bdc(l)));
  auto lv = get(m, 0x7400, ls, DType::F32, LocalLayout::AlignEU);
  for (size_t i = 0; i < idxs.size(); ++i)
    CHECK(lv[i] == idxs[i] * 0.5 - 3);
}

TEST_CASE("quantize cast: the quantize op's arithmetic (NaN, infinities, "
          "saturation, ties, u8)",
          "[cmodel][cast][int8]") {
  const TargetInfo &t = getBM1684Target();
  CModel m(t);
  std::vector<double> x = {NAN,  INFINITY, -INFINITY, 1e30,  -1e30,
                           0.25, 0.75,     -0.25,     -0.75, 2.5,
                           6.35, -6.4,     1.0 / 3,   0};
  Shape4 s{1, 2, 1, uint32_t(x.size() / 2)};
  put(m, 0, s, DType::F32, LocalLayout::AlignEU, x);
  for (DType to : {DType::I8, DType::U8}) {
    int32_t zp = to == DType::U8 ? 128 : -3;
    float mul = 20.0f;
    CastCmd q;
    q.shape = s;
    q.in = operand(t, 0, s, DType::F32);
    q.out = operand(t, 0x2000, s, to);
    q.mode = CastMode::Quantize;
    q.scale = mul;
    q.zp = zp;
    requireOk(m.execute(bdc(q)));
    auto got = get(m, 0x2000, s, to, LocalLayout::AlignEU);
    int64_t lo = to == DType::U8 ? 0 : -128, hi = to == DType::U8 ? 255 : 127;
    for (size_t i = 0; i < x.size(); ++i) {
      INFO("x = " << x[i] << " to " << dtypeName(to).str());
      CHECK(got[i] ==
            double(onntc::support::quantizeF32(float(x[i]), mul, zp, lo, hi)));
    }
    // NaN quantizes to the zero point.
    CHECK(got[0] == zp);
  }
}
