//===- GdmaTest.cpp - GDMA moves between and within the memories
//-----------===//
#include "TestUtil.h"

#include <cstring>

using namespace testutil;

namespace {

constexpr uint64_t kBase = 0x100000000ull;

void putGlobal(CModel &m, uint64_t addr, const std::vector<float> &v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  requireOk(m.global().write(addr, b));
}

std::vector<float> getGlobal(CModel &m, uint64_t addr, size_t n) {
  std::vector<uint8_t> b(n * 4);
  requireOk(m.global().read(addr, b));
  std::vector<float> v(n);
  std::memcpy(v.data(), b.data(), b.size());
  return v;
}

std::vector<float> iota(size_t n, float start = 0) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = start + float(i);
  return v;
}

Command move(Shape4 s, DType dt, GdmaTensor src, GdmaTensor dst,
             uint32_t id = 1) {
  GdmaMoveCmd g;
  g.shape = s;
  g.dtype = dt;
  g.src = src;
  g.dst = dst;
  return Command{CmdHeader{id, 0, 0}, g};
}

} // namespace

TEST_CASE("global -> local distributes channels over lanes and back",
          "[cmodel][gdma]") {
  for (const TargetInfo *tp : allTargets()) {
    const TargetInfo &t = *tp;
    CModel m(t);
    requireOk(m.global().mapRegion(kBase, 1 << 20, "neuron"));
    Shape4 s{2, 70, 5, 7};
    auto data = iota(s.numElements());
    putGlobal(m, kBase, data);
    uint32_t laddr = makeLocalAddr(t, 5, 0x100);
    Strides4 ls = localStrides(t, s, DType::F32, LocalLayout::AlignEU, 5);
    requireOk(m.execute(move(s, DType::F32,
                             {MemSpace::Global, kBase, contiguousStrides(s)},
                             {MemSpace::Local, laddr, ls})));
    // Channel 0 is on lane 5; channel 59 on lane 0 group 1; channel 69 on
    // lane 10 group 1.
    auto at = [&](unsigned lane, uint64_t off) {
      float f;
      std::memcpy(&f, m.local().data() + size_t(lane) * t.lmemBytes + off, 4);
      return f;
    };
    CHECK(at(5, 0x100) == 0);
    CHECK(at(0, 0x100 + ls.c * 4) == 59 * 35);
    CHECK(at(10, 0x100 + (ls.c + 3 * 7 + 2) * 4) == 69 * 35 + 3 * 7 + 2);
    CHECK(at(5, 0x100 + ls.n * 4) == 70 * 35); // batch 1, channel 0
    std::vector<double> want(data.begin(), data.end());
    CHECK(get(m, laddr, s, DType::F32, LocalLayout::AlignEU) == want);
    // And back to another global buffer.
    requireOk(m.execute(
        move(s, DType::F32, {MemSpace::Local, laddr, ls},
             {MemSpace::Global, kBase + 0x40000, contiguousStrides(s)})));
    CHECK(getGlobal(m, kBase + 0x40000, s.numElements()) == data);
  }
}

TEST_CASE("local -> local moves channels across lanes", "[cmodel][gdma]") {
  const TargetInfo &t = getBM1684XTarget();
  CModel m(t);
  Shape4 s{1, 100, 3, 3};
  auto X = randomValues(s.numElements(), 30);
  put(m, 0, s, DType::F32, LocalLayout::AlignEU, X);
  uint32_t dst = makeLocalAddr(t, 17, 0x800);
  requireOk(m.execute(
      move(s, DType::F32,
           {MemSpace::Local, 0,
            localStrides(t, s, DType::F32, LocalLayout::AlignEU)},
           {MemSpace::Local, dst,
            localStrides(t, s, DType::F32, LocalLayout::Compact, 17)})));
  CHECK(get(m, dst, s, DType::F32, LocalLayout::Compact) == X);
}

TEST_CASE("global -> global permutes, broadcasts and concatenates",
          "[cmodel][gdma]") {
  const TargetInfo &t = getBM1684Target();
  CModel m(t);
  requireOk(m.global().mapRegion(kBase, 1 << 20, "neuron"));
  Shape4 s{2, 3, 4, 5};
  auto data = iota(s.numElements());
  putGlobal(m, kBase, data);

  // NCHW -> NHWC: iterate the source shape, write with permuted strides.
  Strides4 nhwc{int64_t(4 * 5 * 3), 1, 5 * 3, 3};
  requireOk(m.execute(move(s, DType::F32,
                           {MemSpace::Global, kBase, contiguousStrides(s)},
                           {MemSpace::Global, kBase + 0x1000, nhwc})));
  auto p = getGlobal(m, kBase + 0x1000, s.numElements());
  for (uint32_t n = 0; n < 2; ++n)
    for (uint32_t c = 0; c < 3; ++c)
      for (uint32_t h = 0; h < 4; ++h)
        for (uint32_t w = 0; w < 5; ++w)
          CHECK(p[((n * 4 + h) * 5 + w) * 3 + c] ==
                data[((n * 3 + c) * 4 + h) * 5 + w]);

  // Broadcast a row of 5 to 2x3x4x5 with zero strides.
  requireOk(m.execute(
      move(s, DType::F32, {MemSpace::Global, kBase, {0, 0, 0, 1}},
           {MemSpace::Global, kBase + 0x2000, contiguousStrides(s)})));
  auto b = getGlobal(m, kBase + 0x2000, s.numElements());
  for (size_t i = 0; i < b.size(); ++i)
    CHECK(b[i] == float(i % 5));

  // Concat [1,3,2,2] and [1,5,2,2] along C into [1,8,2,2].
  Shape4 a3{1, 3, 2, 2}, a5{1, 5, 2, 2}, cat{1, 8, 2, 2};
  putGlobal(m, kBase + 0x3000, iota(12, 100));
  putGlobal(m, kBase + 0x3100, iota(20, 200));
  Strides4 cs = contiguousStrides(cat);
  requireOk(m.execute(move(
      a3, DType::F32, {MemSpace::Global, kBase + 0x3000, contiguousStrides(a3)},
      {MemSpace::Global, kBase + 0x4000, cs})));
  requireOk(m.execute(move(
      a5, DType::F32, {MemSpace::Global, kBase + 0x3100, contiguousStrides(a5)},
      {MemSpace::Global, kBase + 0x4000 + 3 * 4 * 4, cs})));
  auto c = getGlobal(m, kBase + 0x4000, 32);
  for (int i = 0; i < 12; ++i)
    CHECK(c[i] == 100 + i);
  for (int i = 0; i < 20; ++i)
    CHECK(c[12 + i] == 200 + i);
}

TEST_CASE("a zero C stride replicates data into every lane", "[cmodel][gdma]") {
  const TargetInfo &t = getBM1684XTarget();
  CModel m(t);
  requireOk(m.global().mapRegion(kBase, 4096, "coeff"));
  putGlobal(m, kBase, iota(8, 1));
  Shape4 s{1, 64, 1, 8};
  requireOk(
      m.execute(move(s, DType::F32, {MemSpace::Global, kBase, {0, 0, 0, 1}},
                     {MemSpace::Local, 0x200,
                      localStrides(t, s, DType::F32, LocalLayout::AlignEU)})));
  for (unsigned lane = 0; lane < 64; ++lane) {
    float f[8];
    std::memcpy(f, m.local().data() + size_t(lane) * t.lmemBytes + 0x200, 32);
    for (int i = 0; i < 8; ++i)
      CHECK(f[i] == float(i + 1));
  }
}

TEST_CASE("GDMA fill and 16-bit moves", "[cmodel][gdma]") {
  const TargetInfo &t = getBM1684XTarget();
  CModel m(t);
  requireOk(m.global().mapRegion(kBase, 4096, "io"));
  GdmaFillCmd f;
  f.shape = {1, 2, 3, 4};
  f.dtype = DType::F32;
  f.dst = {MemSpace::Global, kBase, contiguousStrides(f.shape)};
  f.value = -1.25;
  requireOk(m.execute(Command{CmdHeader{1, 0, 0}, f}));
  for (float v : getGlobal(m, kBase, 24))
    CHECK(v == -1.25f);
  Shape4 s{1, 3, 1, 6};
  std::vector<uint8_t> half(36);
  for (int i = 0; i < 18; ++i) {
    half[2 * i] = uint8_t(i);
    half[2 * i + 1] = uint8_t(0x3c);
  }
  requireOk(m.global().write(kBase + 1024, half));
  requireOk(m.execute(move(
      s, DType::F16, {MemSpace::Global, kBase + 1024, contiguousStrides(s)},
      {MemSpace::Local, makeLocalAddr(t, 63, 0),
       localStrides(t, s, DType::F16, LocalLayout::AlignEU, 63)})));
  // Channel 1 wrapped to lane 0, group 1 (c stride align(6, 32) = 32).
  const uint8_t *lane0 = m.local().data() + 32 * 2;
  CHECK(lane0[0] == 6);
  CHECK(lane0[1] == 0x3c);
}

TEST_CASE("GDMA reports out-of-bounds accesses", "[cmodel][gdma]") {
  const TargetInfo &t = getBM1684XTarget();
  CModel m(t);
  requireOk(m.global().mapRegion(kBase, 4096, "neuron"));
  requireError(m.global().mapRegion(kBase + 4000, 4096, "io"), "overlaps");
  Shape4 s{1, 4, 4, 64};
  Strides4 g = contiguousStrides(s);
  Strides4 l = localStrides(t, s, DType::F32, LocalLayout::AlignEU);
  // 4 KiB mapped, 4 KiB needed from offset 64: one row too far.
  requireError(m.execute(move(s, DType::F32, {MemSpace::Global, kBase + 64, g},
                              {MemSpace::Local, 0, l})),
               "outside every mapped region");
  requireError(m.execute(move(s, DType::F32, {MemSpace::Global, 0x10, g},
                              {MemSpace::Local, 0, l})),
               "source");
  requireError(m.execute(move(s, DType::F32, {MemSpace::Global, kBase, g},
                              {MemSpace::Local, t.lmemBytes - 16, l})),
               "destination");
  requireError(m.execute(move(s, DType::F32, {MemSpace::Global, kBase, g},
                              {MemSpace::Local, t.totalLmemBytes() + 4, l})),
               "beyond local memory");
  // Huge strides must not wrap the bounds check.
  requireError(
      m.execute(move(s, DType::F32,
                     {MemSpace::Global, kBase, {0, INT64_MAX / 2, 0, 1}},
                     {MemSpace::Local, 0, l})),
      "source");
}
