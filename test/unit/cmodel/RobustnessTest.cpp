//===- RobustnessTest.cpp - corrupted descriptors never crash the cmodel
//---===//
#include "TestUtil.h"

#include "isa/CostModel.h"

using namespace testutil;

namespace {

/// Small valid commands of every kind, as mutation seeds.
std::vector<Command> seeds(const TargetInfo &t) {
  std::vector<Command> v;
  Shape4 s{1, 70, 4, 5};
  ConvCmd c;
  c.in = s;
  c.oc = 8;
  c.oh = 4;
  c.ow = 5;
  c.kh = c.kw = 3;
  c.padT = c.padB = c.padL = c.padR = 1;
  c.outAddr = 0x1000;
  c.weightAddr = 0x2000;
  c.biasAddr = 0x8000;
  c.hasBias = true;
  v.push_back(bdc(c));
  MatMulCmd m;
  m.m = 3;
  m.k = 8;
  m.n = 5;
  m.rAddr = 0x1000;
  m.outAddr = 0x2000;
  v.push_back(bdc(m));
  PoolCmd p;
  p.in = s;
  p.oh = 2;
  p.ow = 2;
  p.kh = p.kw = 2;
  p.strideH = p.strideW = 2;
  p.outAddr = 0x1000;
  v.push_back(bdc(p));
  BinaryCmd b;
  b.shape = s;
  b.out = operand(t, 0x1000, s, DType::F32);
  b.a = operand(t, 0, s, DType::F32);
  b.b = operand(t, 0x2000, s, DType::F32);
  v.push_back(bdc(b));
  UnaryCmd u;
  u.shape = s;
  u.out = operand(t, 0x1000, s, DType::F32);
  u.in = operand(t, 0, s, DType::F32);
  v.push_back(bdc(u));
  ReduceCmd r;
  r.inShape = s;
  r.in = operand(t, 0, s, DType::F32);
  r.out = operand(t, 0x1000, {1, 1, 1, 1}, DType::F32);
  r.axisMask = kAxisC | kAxisH | kAxisW;
  v.push_back(bdc(r));
  LutCmd l;
  l.shape = s;
  l.in = operand(t, 0, s, DType::U8);
  l.out = operand(t, 0x1000, s, DType::F32);
  l.tableAddr = 0x4000;
  v.push_back(bdc(l));
  RequantCmd q;
  q.shape = s;
  q.in = operand(t, 0, s, DType::I32);
  q.out = operand(t, 0x1000, s, DType::I8);
  q.rq.mode = RequantMode::PerChannel;
  q.rq.tableAddr = 0x4000;
  v.push_back(bdc(q));
  GdmaMoveCmd g;
  g.shape = s;
  g.src = {MemSpace::Global, 0x100000000ull, contiguousStrides(s)};
  g.dst = {MemSpace::Local, 0,
           localStrides(t, s, DType::F32, LocalLayout::AlignEU)};
  v.push_back(bdc(g));
  return v;
}

} // namespace

TEST_CASE("mutated descriptors decode to an error or run without crashing",
          "[cmodel][robustness]") {
  const TargetInfo &t = getBM1684XTarget();
  CModel m(t);
  requireOk(m.global().mapRegion(0x100000000ull, 1 << 16, "neuron"));
  std::mt19937 rng(99);
  unsigned decoded = 0, ran = 0, failed = 0;
  for (const Command &seed : seeds(t)) {
    std::vector<uint8_t> base(kCmdBytes);
    requireOk(encodeCommand(seed, base));
    unsigned used = kHeaderBytes + bodyBytes(seed);
    for (int iter = 0; iter < 400; ++iter) {
      std::vector<uint8_t> b = base;
      int flips = 1 + int(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        unsigned pos = kHeaderBytes + rng() % (used - kHeaderBytes);
        // Either a random byte or a large value in a likely size field.
        b[pos] = (rng() % 2) ? uint8_t(rng()) : uint8_t(0xff);
      }
      auto c = decodeCommand(b);
      if (!c) {
        llvm::consumeError(c.takeError());
        continue;
      }
      ++decoded;
      // Skip commands that are valid but enormous (minutes of work).
      if (estimateCost(t, *c).cycles > 20000000)
        continue;
      if (llvm::Error e = m.execute(*c)) {
        llvm::consumeError(std::move(e));
        ++failed;
      } else {
        ++ran;
      }
    }
  }
  WARN("decoded " << decoded << ", executed " << ran << ", rejected "
                  << failed);
  CHECK(decoded > 0);
  CHECK(failed > 0);
}
