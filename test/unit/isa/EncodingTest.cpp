//===- EncodingTest.cpp - descriptor round trips and validation
//------------===//
#include "isa/Encoding.h"

#include <catch2/catch.hpp>

#include <cstring>

using namespace onntc::isa;

namespace {

LocalOperand op(uint32_t addr, int64_t sn, int64_t sc, int64_t sh, int64_t sw,
                DType dt) {
  LocalOperand o;
  o.addr = addr;
  o.stride = {sn, sc, sh, sw};
  o.dtype = dt;
  return o;
}

RequantParams rq() {
  RequantParams r;
  r.mode = RequantMode::PerChannel;
  r.multiplier = -123456;
  r.shift = -3;
  r.outZp = -7;
  r.tableAddr = 0x40100;
  return r;
}

/// One command of every kind, each field set to a non-default value.
std::vector<Command> samples() {
  std::vector<Command> v;
  ConvCmd c;
  c.inAddr = 0x100;
  c.outAddr = 0x200;
  c.weightAddr = 0x300;
  c.biasAddr = 0x400;
  c.in = {2, 70, 33, 31};
  c.oc = 130;
  c.oh = 17;
  c.ow = 16;
  c.kh = 3;
  c.kw = 5;
  c.strideH = 2;
  c.strideW = 2;
  c.dilH = 1;
  c.dilW = 2;
  c.padT = 1;
  c.padB = 2;
  c.padL = 3;
  c.padR = 4;
  c.groups = 10;
  c.inType = DType::I8;
  c.weightType = DType::I8;
  c.biasType = DType::I32;
  c.outType = DType::U8;
  c.inLayout = LocalLayout::Compact;
  c.outLayout = LocalLayout::AlignLine;
  c.hasBias = true;
  c.relu = true;
  c.reluMax = 6;
  c.inZp = 3;
  c.rq = rq();
  v.push_back({{1, 0, 5}, c});
  MatMulCmd m;
  m.lAddr = 1;
  m.rAddr = 2;
  m.biasAddr = 3;
  m.outAddr = 4;
  m.m = 5;
  m.k = 25088;
  m.n = 4096;
  m.lType = DType::U8;
  m.rType = DType::I8;
  m.biasType = DType::I32;
  m.outType = DType::I8;
  m.lLayout = LocalLayout::Compact;
  m.rLayout = LocalLayout::AlignLine;
  m.outLayout = LocalLayout::Compact;
  m.rTrans = m.hasBias = m.relu = true;
  m.lZp = -2;
  m.rq = rq();
  v.push_back({{2, 1, 6}, m});
  PoolCmd p;
  p.inAddr = 9;
  p.outAddr = 10;
  p.in = {1, 64, 112, 112};
  p.oh = p.ow = 56;
  p.kh = p.kw = 3;
  p.strideH = p.strideW = 2;
  p.padT = p.padB = p.padL = p.padR = 1;
  p.mode = PoolMode::Avg;
  p.dtype = DType::I8;
  p.countIncludePad = true;
  p.rq = rq();
  v.push_back({{3, 2, 7}, p});
  BinaryCmd b;
  b.shape = {1, 2, 3, 4};
  b.out = op(0x10, 100, 50, 4, 1, DType::F32);
  b.a = op(0x20, -100, 0, 0, 1, DType::F16);
  b.b = op(0x30, 0, 0, 0, 0, DType::BF16);
  b.op = BinaryOp::Or;
  b.bIsScalar = true;
  b.relu = true;
  b.scalar = -2.5;
  v.push_back({{4, 3, 8}, b});
  UnaryCmd u;
  u.shape = {3, 4, 5, 6};
  u.out = op(0x40, 1, 2, 3, 4, DType::F32);
  u.in = op(0x50, 5, 6, 7, 8, DType::F32);
  u.op = UnaryOp::Sign;
  u.alpha = 0.25;
  u.beta = -1e9;
  v.push_back({{5, 0, 9}, u});
  ReduceCmd r;
  r.inShape = {1, 65, 7, 7};
  r.out = op(0x60, 0, 1, 1, 1, DType::F32);
  r.in = op(0x70, 0, 64, 7, 1, DType::F32);
  r.op = ReduceOp::SumSquare;
  r.axisMask = kAxisH | kAxisW;
  v.push_back({{6, 0, 0}, r});
  CopyCmd cp;
  cp.shape = {1, 1, 1, 9};
  cp.out = op(0x80, 0, 0, 0, 1, DType::U16);
  cp.in = op(0x90, 0, 0, 0, 1, DType::U16);
  v.push_back({{7, 0, 1}, cp});
  FillCmd f;
  f.shape = {1, 64, 1, 1};
  f.out = op(0xa0, 0, 1, 0, 0, DType::I32);
  f.value = -5;
  v.push_back({{8, 0, 1}, f});
  CastCmd ca;
  ca.shape = {1, 3, 1, 1};
  ca.out = op(0xb0, 0, 1, 0, 0, DType::I8);
  ca.in = op(0xc0, 0, 1, 0, 0, DType::F32);
  ca.mode = CastMode::Quantize;
  ca.scale = 12.5;
  ca.zp = -1;
  v.push_back({{9, 0, 1}, ca});
  RequantCmd rc;
  rc.shape = {1, 3, 1, 1};
  rc.out = op(0xd0, 0, 1, 0, 0, DType::I8);
  rc.in = op(0xe0, 0, 1, 0, 0, DType::I32);
  rc.inZp = 4;
  rc.rq = rq();
  v.push_back({{10, 0, 1}, rc});
  LutCmd l;
  l.shape = {1, 3, 1, 1};
  l.out = op(0xf0, 0, 1, 0, 0, DType::F32);
  l.in = op(0xf4, 0, 1, 0, 0, DType::U8);
  l.tableAddr = 0x1000;
  v.push_back({{11, 0, 1}, l});
  GdmaMoveCmd g;
  g.shape = {1, 3, 224, 224};
  g.dtype = DType::F16;
  g.src = {MemSpace::Global, 0x123456789abcull, {150528, 1, 672, 3}};
  g.dst = {MemSpace::Local, 0x40000, {-1, 50176, 224, 1}};
  v.push_back({{1, 11, 2}, g});
  GdmaFillCmd gf;
  gf.shape = {1, 1, 1, 1};
  gf.dtype = DType::U32;
  gf.dst = {MemSpace::Global, 0x100000000ull, {1, 1, 1, 1}};
  gf.value = 4294967295.0;
  v.push_back({{kMaxCmdId, kMaxCmdId, 0xffffffffu}, gf});
  return v;
}

std::vector<uint8_t> enc(const Command &c) {
  std::vector<uint8_t> b(kCmdBytes);
  REQUIRE_FALSE(static_cast<bool>(encodeCommand(c, b)));
  return b;
}

uint32_t le32(const std::vector<uint8_t> &b, unsigned off) {
  return uint32_t(b[off]) | uint32_t(b[off + 1]) << 8 |
         uint32_t(b[off + 2]) << 16 | uint32_t(b[off + 3]) << 24;
}

} // namespace

TEST_CASE("every command survives encode -> decode -> encode",
          "[isa][encoding]") {
  for (const Command &c : samples()) {
    INFO(disassemble(c));
    CHECK(bodyBytes(c) + kHeaderBytes <= kCmdBytes);
    std::vector<uint8_t> bytes = enc(c);
    auto d = decodeCommand(bytes);
    REQUIRE(static_cast<bool>(d));
    CHECK(d->engine() == c.engine());
    CHECK(d->opcode() == c.opcode());
    CHECK(d->hdr.cmdId == c.hdr.cmdId);
    CHECK(d->hdr.depId == c.hdr.depId);
    CHECK(d->hdr.tag == c.hdr.tag);
    CHECK(d->body.index() == c.body.index());
    CHECK(enc(*d) == bytes);
    CHECK(disassemble(*d) == disassemble(c));
  }
}

TEST_CASE("decoded fields keep their values", "[isa][encoding]") {
  std::vector<Command> v = samples();
  auto conv = decodeCommand(enc(v[0]));
  REQUIRE(static_cast<bool>(conv));
  const ConvCmd &c = std::get<ConvCmd>(conv->body);
  CHECK(c.in == Shape4{2, 70, 33, 31});
  CHECK(c.padR == 4);
  CHECK(c.dilW == 2);
  CHECK(c.groups == 10);
  CHECK(c.outType == DType::U8);
  CHECK(c.outLayout == LocalLayout::AlignLine);
  CHECK(c.reluMax == 6);
  CHECK(c.rq.shift == -3);
  CHECK(c.rq.multiplier == -123456);
  CHECK(c.rq.tableAddr == 0x40100);
  auto g = decodeCommand(enc(v[11]));
  REQUIRE(static_cast<bool>(g));
  const GdmaMoveCmd &m = std::get<GdmaMoveCmd>(g->body);
  CHECK(m.src.addr == 0x123456789abcull);
  CHECK(m.dst.space == MemSpace::Local);
  CHECK(m.dst.stride.n == -1);
  CHECK(m.dtype == DType::F16);
}

TEST_CASE("the header sits at the documented offsets", "[isa][encoding]") {
  std::vector<Command> v = samples();
  std::vector<uint8_t> b = enc(v[0]); // conv, id 1, dep 0, tag 5
  CHECK(b[0] == kIsaVersion);
  CHECK(b[1] == 0);
  CHECK(b[2] == uint8_t(BdcOpcode::Conv));
  CHECK(le32(b, 4) == 1);
  CHECK(le32(b, 8) == 0);
  CHECK(le32(b, 12) == 5);
  CHECK(le32(b, 16) == 0x100); // conv.in
  CHECK(le32(b, 36) == 70);    // conv.in.c
  std::vector<uint8_t> g = enc(v[11]);
  CHECK(g[1] == 1);
  CHECK(le32(g, 8) == 11);
}

TEST_CASE("invalid descriptors are rejected with a reason", "[isa][encoding]") {
  std::vector<uint8_t> b = enc(samples()[0]);
  auto expectError = [](std::vector<uint8_t> bytes, const char *needle) {
    auto d = decodeCommand(bytes);
    REQUIRE_FALSE(static_cast<bool>(d));
    std::string msg = llvm::toString(d.takeError());
    INFO(msg);
    CHECK(msg.find(needle) != std::string::npos);
  };
  auto bad = b;
  bad[0] = 2;
  expectError(bad, "version 2");
  bad = b;
  bad[2] = 99;
  expectError(bad, "opcode 99");
  bad = b;
  bad[1] = 7;
  expectError(bad, "engine");
  bad = b;
  bad[127] = 1;
  expectError(bad, "reserved byte 127");
  bad = b;
  bad[84] = 42; // conv in_dtype
  expectError(bad, "in_dtype");
  bad = b;
  bad[90] = 2; // conv has_bias
  expectError(bad, "has_bias");
  bad = b;
  bad[6] = 0x10; // id bit 20
  expectError(bad, "20 bits");
  auto shortBuf = decodeCommand(llvm::ArrayRef<uint8_t>(b).take_front(64));
  CHECK_FALSE(static_cast<bool>(shortBuf));
  llvm::consumeError(shortBuf.takeError());
}

TEST_CASE("ids beyond 20 bits and unencodable strides fail to encode",
          "[isa][encoding]") {
  Command c = samples()[3];
  c.hdr.cmdId = kMaxCmdId + 1;
  std::vector<uint8_t> b(kCmdBytes);
  llvm::Error e = encodeCommand(c, b);
  REQUIRE(static_cast<bool>(e));
  CHECK(llvm::toString(std::move(e)).find("20-bit") != std::string::npos);
  c.hdr.cmdId = 1;
  std::get<BinaryCmd>(c.body).a.stride.n = int64_t(1) << 40;
  llvm::Error e2 = encodeCommand(c, b);
  REQUIRE(static_cast<bool>(e2));
  CHECK(llvm::toString(std::move(e2)).find("a.sn") != std::string::npos);
}

TEST_CASE("streams decode per engine and disassemble line by line",
          "[isa][encoding]") {
  std::vector<Command> v = samples();
  std::vector<Command> bdc(v.begin(), v.begin() + 11);
  auto bytes = encodeStream(bdc);
  REQUIRE(static_cast<bool>(bytes));
  CHECK(bytes->size() == 11 * kCmdBytes);
  auto back = decodeStream(*bytes, 11, Engine::BDC);
  REQUIRE(static_cast<bool>(back));
  CHECK(back->size() == 11);
  auto wrong = decodeStream(*bytes, 11, Engine::GDMA);
  REQUIRE_FALSE(static_cast<bool>(wrong));
  CHECK(llvm::toString(wrong.takeError()).find("index 0") != std::string::npos);
  auto tooMany = decodeStream(*bytes, 12, Engine::BDC);
  CHECK_FALSE(static_cast<bool>(tooMany));
  llvm::consumeError(tooMany.takeError());

  std::string text;
  llvm::raw_string_ostream os(text);
  REQUIRE_FALSE(static_cast<bool>(disassembleStream(*bytes, 0, os)));
  os.flush();
  CHECK(std::count(text.begin(), text.end(), '\n') == 11);
  CHECK(text.find("bdc #1 tag=5 conv in=0x100 out=0x200") == 0);
  CHECK(text.find("rq.mode=channel rq.mult=-123456 rq.shift=-3") !=
        std::string::npos);
  CHECK(text.find("binary shape.n=1") != std::string::npos);
  CHECK(text.find("op=or b_scalar relu scalar=-2.5") != std::string::npos);
  Command g = v[11];
  CHECK(disassemble(g).find("gdma #1 dep=11 tag=2 gdma.move") == 0);
  CHECK(disassemble(g).find("src.space=global src.addr=0x123456789abc") !=
        std::string::npos);
}

TEST_CASE("field tables list every opcode", "[isa][encoding]") {
  std::string text;
  llvm::raw_string_ostream os(text);
  printFieldTables(os);
  os.flush();
  for (const Command &c : samples())
    CHECK(text.find("`" + c.mnemonic().str() + "`") != std::string::npos);
  CHECK(text.find("| 16 | u32 local addr | in |") != std::string::npos);
}
