//===- SyncTest.cpp - id sync, overlap, profiles and stream errors
//---------===//
#include "TestUtil.h"

#include "isa/CostModel.h"

#include <cstring>

using namespace testutil;
using namespace onntc::cmodel;

namespace {

constexpr uint64_t kBase = 0x100000000ull;

Command load(const TargetInfo &t, Shape4 s, uint64_t g, uint32_t l, uint32_t id,
             uint32_t dep, uint32_t tag) {
  GdmaMoveCmd c;
  c.shape = s;
  c.src = {MemSpace::Global, g, contiguousStrides(s)};
  c.dst = {
      MemSpace::Local, l,
      localStrides(t, s, DType::F32, LocalLayout::AlignEU, localLane(t, l))};
  return Command{CmdHeader{id, dep, tag}, c};
}

Command storeCmd(const TargetInfo &t, Shape4 s, uint32_t l, uint64_t g,
                 uint32_t id, uint32_t dep, uint32_t tag) {
  GdmaMoveCmd c;
  c.shape = s;
  c.src = {
      MemSpace::Local, l,
      localStrides(t, s, DType::F32, LocalLayout::AlignEU, localLane(t, l))};
  c.dst = {MemSpace::Global, g, contiguousStrides(s)};
  return Command{CmdHeader{id, dep, tag}, c};
}

Command relu(const TargetInfo &t, Shape4 s, uint32_t in, uint32_t out,
             uint32_t id, uint32_t dep, uint32_t tag) {
  UnaryCmd u;
  u.shape = s;
  u.in = operand(t, in, s, DType::F32);
  u.out = operand(t, out, s, DType::F32);
  u.op = UnaryOp::Relu;
  return Command{CmdHeader{id, dep, tag}, u};
}

std::vector<float> readF(CModel &m, uint64_t a, size_t n) {
  std::vector<uint8_t> b(n * 4);
  requireOk(m.global().read(a, b));
  std::vector<float> v(n);
  std::memcpy(v.data(), b.data(), b.size());
  return v;
}

void writeF(CModel &m, uint64_t a, const std::vector<float> &v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  requireOk(m.global().write(a, b));
}

} // namespace

TEST_CASE("a load-compute-store pipeline overlaps the engines",
          "[cmodel][sync]") {
  const TargetInfo &t = getBM1684XTarget();
  CModel m(t);
  requireOk(m.global().mapRegion(kBase, 1 << 20, "neuron"));
  Shape4 s{1, 64, 16, 16};
  size_t n = s.numElements();
  std::vector<float> in(2 * n);
  for (size_t i = 0; i < in.size(); ++i)
    in[i] = float(int(i % 7) - 3);
  writeF(m, kBase, in);
  // Two tiles: load A, load B; relu A after load A, relu B after load B;
  // store A after relu A, store B after relu B.
  std::vector<Command> g = {
      load(t, s, kBase, 0x0, 1, 0, 1),
      load(t, s, kBase + n * 4, 0x8000, 2, 0, 2),
      storeCmd(t, s, 0x4000, kBase + 0x80000, 3, 1, 1),
      storeCmd(t, s, 0xc000, kBase + 0x80000 + n * 4, 4, 2, 2)};
  std::vector<Command> b = {relu(t, s, 0x0, 0x4000, 1, 1, 1),
                            relu(t, s, 0x8000, 0xc000, 2, 2, 2)};
  auto gb = requireOk(encodeStream(g));
  auto bb = requireOk(encodeStream(b));
  Profile p = requireOk(m.run(bb, 2, gb, 4));
  auto out = readF(m, kBase + 0x80000, 2 * n);
  for (size_t i = 0; i < out.size(); ++i)
    CHECK(out[i] == std::max(in[i], 0.0f));

  uint64_t ld = estimateCost(t, g[0]).cycles, st = estimateCost(t, g[2]).cycles;
  uint64_t rl = estimateCost(t, b[0]).cycles;
  CHECK(p.gdmaBusyCycles == 2 * ld + 2 * st);
  CHECK(p.bdcBusyCycles == 2 * rl);
  REQUIRE(p.commands.size() == 6);
  // Relu A starts when load A ends, while load B runs.
  auto find = [&](Engine e, uint32_t id) {
    for (const CommandRecord &r : p.commands)
      if (r.engine == e && r.cmdId == id)
        return r;
    FAIL("no record");
    return CommandRecord();
  };
  CHECK(find(Engine::BDC, 1).start == ld);
  CHECK(find(Engine::GDMA, 2).start == ld);
  CHECK(find(Engine::BDC, 2).start == 2 * ld);
  CHECK(find(Engine::GDMA, 3).start == 2 * ld); // relu A done long before
  CHECK(p.totalCycles == 2 * ld + 2 * st);
  CHECK(p.totalCycles < p.gdmaBusyCycles + p.bdcBusyCycles);
  CHECK(p.latencyUs() == Approx(double(p.totalCycles) / 1000.0));
  // Per-tag figures for the backend's layers.
  REQUIRE(p.tags.size() == 2);
  CHECK(p.tags[1].bdcCommands == 1);
  CHECK(p.tags[1].gdmaCommands == 2);
  CHECK(p.tags[1].gdmaCycles == ld + st);
  CHECK(p.tags[2].firstStart == ld);

  // Sequential groups: append shifts the second profile.
  Profile two = p;
  two.append(p);
  CHECK(two.totalCycles == 2 * p.totalCycles);
  CHECK(two.tags[1].lastEnd == p.totalCycles + p.tags[1].lastEnd);
  CHECK(two.commands.size() == 12);
  std::string text;
  llvm::raw_string_ostream os(text);
  two.print(os);
  CHECK(os.str().find("tag 2:") != std::string::npos);

  // Timing only.
  RunOptions o;
  o.execute = false;
  o.recordCommands = false;
  Profile q = requireOk(m.run(b, g, o));
  CHECK(q.totalCycles == p.totalCycles);
  CHECK(q.commands.empty());
}

TEST_CASE("commands execute in simulated time order, so a missing dependency "
          "shows up as a race",
          "[cmodel][sync]") {
  const TargetInfo &t = getBM1684XTarget();
  Shape4 s{1, 1, 1, 16};
  for (uint32_t dep : {0u, 2u}) {
    CModel m(t);
    requireOk(m.global().mapRegion(kBase, 1 << 20, "neuron"));
    writeF(m, kBase, std::vector<float>(16, 5.0f));
    GdmaFillCmd slow; // a long fill keeps GDMA busy first
    slow.shape = {1, 1, 256, 256};
    slow.dst = {MemSpace::Global, kBase + 0x1000,
                contiguousStrides(slow.shape)};
    std::vector<Command> g = {Command{CmdHeader{1, 0, 0}, slow},
                              load(t, s, kBase, 0x0, 2, 0, 0)};
    std::vector<Command> b = {relu(t, s, 0x0, 0x100, 1, dep, 0)};
    requireOk(m.run(b, g).takeError());
    float v;
    std::memcpy(&v, m.local().data() + 0x100, 4);
    // With the dependency the relu sees the loaded 5; without it the relu
    // ran at cycle 0 on the zero-initialized local memory.
    CHECK(v == (dep ? 5.0f : 0.0f));
  }
}

TEST_CASE("a dependency on an id that is never issued is reported",
          "[cmodel][sync]") {
  const TargetInfo &t = getBM1684XTarget();
  CModel m(t);
  Shape4 s{1, 1, 1, 16};
  std::vector<Command> g = {load(t, s, kBase, 0x0, 1, 0, 0)};
  std::vector<Command> b = {relu(t, s, 0, 0x100, 1, 1, 3),
                            relu(t, s, 0, 0x100, 2, 5, 4)};
  auto p = m.run(b, g);
  REQUIRE_FALSE(static_cast<bool>(p));
  std::string msg = llvm::toString(p.takeError());
  INFO(msg);
  CHECK(msg.find("bdc command index 1 (id 2, unary, tag 4)") !=
        std::string::npos);
  CHECK(msg.find("gdma id 5, which is never issued") != std::string::npos);
  // The same from descriptor bytes.
  auto gb = requireOk(encodeStream(g));
  auto bb = requireOk(encodeStream(b));
  auto q = m.run(bb, 2, gb, 1);
  REQUIRE_FALSE(static_cast<bool>(q));
  CHECK(llvm::toString(q.takeError()).find("never issued") !=
        std::string::npos);
}

TEST_CASE("a deadlock is reported instead of hanging", "[cmodel][sync]") {
  const TargetInfo &t = getBM1684XTarget();
  CModel m(t);
  requireOk(m.global().mapRegion(kBase, 4096, "neuron"));
  Shape4 s{1, 1, 1, 16};
  // BDC 1 waits for GDMA 2, but GDMA 1 waits for BDC 1.
  std::vector<Command> g = {load(t, s, kBase, 0x0, 1, 1, 0),
                            load(t, s, kBase, 0x0, 2, 0, 0)};
  std::vector<Command> b = {relu(t, s, 0, 0x100, 1, 2, 0)};
  auto p = m.run(b, g);
  REQUIRE_FALSE(static_cast<bool>(p));
  std::string msg = llvm::toString(p.takeError());
  INFO(msg);
  CHECK(msg.find("deadlock") != std::string::npos);
  CHECK(msg.find(
            "bdc command index 0 (id 1, unary, tag 0) waits for gdma id 2") !=
        std::string::npos);
  CHECK(
      msg.find(
          "gdma command index 0 (id 1, gdma.move, tag 0) waits for bdc id 1") !=
      std::string::npos);
}

TEST_CASE("stream errors name the command", "[cmodel][sync]") {
  const TargetInfo &t = getBM1684XTarget();
  CModel m(t);
  Shape4 s{1, 1, 1, 16};
  // Ids must increase.
  std::vector<Command> b = {relu(t, s, 0, 0x100, 2, 0, 0),
                            relu(t, s, 0, 0x100, 2, 0, 0)};
  requireError(m.run(b, {}).takeError(), "strictly increase");
  // A GDMA command in the BDC stream.
  std::vector<Command> mixed = {load(t, s, kBase, 0, 1, 0, 0)};
  requireError(m.run(mixed, {}).takeError(), "in the bdc stream");
  // An out-of-bounds operand in the middle of a stream.
  std::vector<Command> oob = {relu(t, s, 0, 0x100, 1, 0, 0),
                              relu(t, s, 0, t.lmemBytes - 8, 2, 0, 7)};
  requireError(m.run(oob, {}).takeError(),
               "bdc command index 1 (id 2, unary, tag 7): output");
  // A truncated byte stream.
  auto bytes = requireOk(encodeStream(oob));
  requireError(
      m.run(llvm::ArrayRef<uint8_t>(bytes).drop_back(1), 2, {}, 0).takeError(),
      "too few");
  // Corrupt descriptor.
  bytes[128 + 2] = 200;
  requireError(m.run(bytes, 2, {}, 0).takeError(), "bdc command index 1");
}
