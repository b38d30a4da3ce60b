//===- TestModels.cpp - hand-built bmodels for the runtime tests ----------===//
#include "TestModels.h"

#include "backend/core/Builders.h"
#include "isa/Encoding.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace onntc;
using namespace onntc::isa;
using runtime::Tensor;
using testmodels::SampleModel;

namespace {

std::vector<float> randomFloats(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float &x : v)
    x = d(rng);
  return v;
}

std::vector<uint8_t> bytesOf(const std::vector<float> &v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

bmodel::Shape toShape(Shape4 s) { return {s.n, s.c, s.h, s.w}; }

bmodel::TensorInfo ioTensor(const std::string &name, Shape4 s, uint64_t addr) {
  bmodel::TensorInfo t;
  t.name = name;
  t.dtype = bmodel::DType::F32;
  t.deviceAddr = addr;
  t.size = s.numElements() * 4;
  t.shapes = {toShape(s)};
  return t;
}

/// Encodes the two streams into one CmdGroup.
bmodel::CmdGroupInfo group(bmodel::BModelWriter &w,
                           const std::vector<Command> &bdc,
                           const std::vector<Command> &gdma) {
  llvm::Expected<std::vector<uint8_t>> b = encodeStream(bdc);
  llvm::Expected<std::vector<uint8_t>> g = encodeStream(gdma);
  // The commands are built here from valid fields; encoding cannot fail.
  if (!b || !g) {
    llvm::consumeError(b.takeError());
    llvm::consumeError(g.takeError());
    assert(false && "test command did not encode");
    return {};
  }
  bmodel::CmdGroupInfo cg;
  cg.bdcNum = uint32_t(bdc.size());
  cg.gdmaNum = uint32_t(gdma.size());
  cg.bdc = w.addBlob(*b);
  cg.gdma = w.addBlob(*g);
  cg.bdcCmdByte = uint32_t(b->size());
  cg.gdmaCmdByte = uint32_t(g->size());
  return cg;
}

/// Places a stage after its coefficients: ctx_addr = alignUp(coeff end),
/// IO tensors at aligned offsets inside ctx (docs/runtime.md).
struct Placement {
  uint64_t coeffAddr, ctxAddr, ctxSize = 0;
  Placement(const TargetInfo &t, uint64_t coeffBytes)
      : coeffAddr(t.coeffStartAddr),
        ctxAddr(alignUp(t.coeffStartAddr + coeffBytes, t.gmemAlignment)) {}
  uint64_t take(const TargetInfo &t, uint64_t bytes) {
    uint64_t a = ctxAddr + ctxSize;
    ctxSize += alignUp(bytes, t.gmemAlignment);
    return a;
  }
};

} // namespace

testmodels::SampleModel testmodels::makeModel(const TargetInfo &t) {
  SampleModel m;
  m.info.chip = t.name.str();
  m.info.deviceNum = 1;
  return m;
}

void testmodels::addAddReluNet(SampleModel &m, const TargetInfo &t,
                               const std::string &name,
                               const std::vector<Shape4> &stageShapes,
                               unsigned seed) {
  bmodel::NetInfo net;
  net.name = name;
  for (size_t si = 0; si < stageShapes.size(); ++si) {
    Shape4 s = stageShapes[si];
    size_t n = s.numElements();
    std::vector<float> x = randomFloats(n, seed + 2 * unsigned(si));
    std::vector<float> b = randomFloats(n, seed + 2 * unsigned(si) + 1);
    std::vector<float> y(n);
    for (size_t i = 0; i < n; ++i)
      y[i] = std::max(0.0f, x[i] + b[i]);

    Placement p(t, n * 4);
    bmodel::StageInfo st;
    st.coeff = m.writer.addCoeff(bytesOf(b), p.coeffAddr);
    uint64_t xAddr = p.take(t, n * 4), yAddr = p.take(t, n * 4);
    st.ctxAddr = p.ctxAddr;
    st.ctxSize = p.ctxSize;
    st.inputs.push_back(ioTensor("x", s, xAddr));
    st.outputs.push_back(ioTensor("y", s, yAddr));

    uint32_t step = uint32_t(
        alignUp(localBytesPerLane(t, s, DType::F32, LocalLayout::AlignEU), 64));
    uint32_t lx = 0, lb = step, lsum = 2 * step, ly = 3 * step;
    Strides4 g = contiguousStrides(s);
    std::vector<Command> gdma = {
        {CmdHeader{1, 0, 0}, makeLoad(t, s, DType::F32, xAddr, g, lx)},
        {CmdHeader{2, 0, 0}, makeLoad(t, s, DType::F32, p.coeffAddr, g, lb)},
        {CmdHeader{3, 2, 1}, makeStore(t, s, DType::F32, ly, yAddr, g)}};
    BinaryCmd add;
    add.shape = s;
    add.op = BinaryOp::Add;
    add.a = localOperand(t, lx, s, DType::F32);
    add.b = localOperand(t, lb, s, DType::F32);
    add.out = localOperand(t, lsum, s, DType::F32);
    UnaryCmd relu;
    relu.shape = s;
    relu.op = UnaryOp::Relu;
    relu.in = localOperand(t, lsum, s, DType::F32);
    relu.out = localOperand(t, ly, s, DType::F32);
    std::vector<Command> bdc = {{CmdHeader{1, 2, 0}, add},
                                {CmdHeader{2, 0, 1}, relu}};
    bmodel::SubNetInfo sn;
    sn.id = 0;
    sn.cmdGroups.push_back(group(m.writer, bdc, gdma));
    sn.inputs = st.inputs;
    sn.outputs = st.outputs;
    st.subnets.push_back(std::move(sn));
    net.stages.push_back(std::move(st));

    RefCase rc;
    rc.net = name;
    rc.stage = unsigned(si);
    rc.inputs.push_back(f32Tensor(toShape(s), x));
    rc.outputs.push_back(f32Tensor(toShape(s), y));
    m.cases.push_back(std::move(rc));
  }
  m.info.nets.push_back(std::move(net));
}

void testmodels::addConvNet(SampleModel &m, const TargetInfo &t,
                            const std::string &name, unsigned seed) {
  const uint32_t ic = 2, oc = 3, h = 5, w = 5, k = 3;
  Shape4 in{1, ic, h, w}, out{1, oc, h, w};
  std::vector<float> x = randomFloats(in.numElements(), seed);
  std::vector<float> wt = randomFloats(oc * ic * k * k, seed + 1);
  std::vector<float> bias = randomFloats(oc, seed + 2);
  std::vector<float> y(out.numElements());
  for (uint32_t o = 0; o < oc; ++o)
    for (uint32_t oy = 0; oy < h; ++oy)
      for (uint32_t ox = 0; ox < w; ++ox) {
        double acc = bias[o];
        for (uint32_t c = 0; c < ic; ++c)
          for (uint32_t ky = 0; ky < k; ++ky)
            for (uint32_t kx = 0; kx < k; ++kx) {
              int iy = int(oy + ky) - 1, ix = int(ox + kx) - 1;
              if (iy < 0 || ix < 0 || iy >= int(h) || ix >= int(w))
                continue;
              acc += double(x[(c * h + iy) * w + ix]) *
                     wt[((o * ic + c) * k + ky) * k + kx];
            }
        y[(o * h + oy) * w + ox] = float(std::max(0.0, acc));
      }
  std::vector<float> coeff = wt;
  uint64_t biasOff = alignUp(wt.size() * 4, 64);
  coeff.resize(biasOff / 4, 0.0f);
  coeff.insert(coeff.end(), bias.begin(), bias.end());

  Placement p(t, coeff.size() * 4);
  bmodel::StageInfo st;
  st.coeff = m.writer.addCoeff(bytesOf(coeff), p.coeffAddr);
  st.coeff->locations.push_back({"conv1", 0, coeff.size() * 4});
  uint64_t xAddr = p.take(t, in.numElements() * 4);
  uint64_t yAddr = p.take(t, out.numElements() * 4);
  st.ctxAddr = p.ctxAddr;
  st.ctxSize = p.ctxSize;
  st.inputs.push_back(ioTensor("data", in, xAddr));
  st.outputs.push_back(ioTensor("out", out, yAddr));

  uint32_t lIn = 0, lW = 0x1000, lB = 0x2000, lOut = 0x3000;
  std::vector<Command> gdma = {
      {CmdHeader{1, 0, 0},
       makeLoad(t, in, DType::F32, xAddr, contiguousStrides(in), lIn)},
      {CmdHeader{2, 0, 0},
       makeConvWeightLoad(oc, ic, k, k, DType::F32, p.coeffAddr, lW)},
      {CmdHeader{3, 0, 0},
       makePerChannelLoad(oc, DType::F32, p.coeffAddr + biasOff, lB)},
      {CmdHeader{4, 1, 0},
       makeStore(t, out, DType::F32, lOut, yAddr, contiguousStrides(out))}};
  ConvCmd c;
  c.inAddr = lIn;
  c.outAddr = lOut;
  c.weightAddr = lW;
  c.biasAddr = lB;
  c.in = in;
  c.oc = oc;
  c.oh = h;
  c.ow = w;
  c.kh = c.kw = k;
  c.padT = c.padB = c.padL = c.padR = 1;
  c.hasBias = true;
  c.relu = true;
  std::vector<Command> bdc = {{CmdHeader{1, 3, 0}, c}};
  bmodel::SubNetInfo sn;
  sn.id = 0;
  sn.cmdGroups.push_back(group(m.writer, bdc, gdma));
  sn.inputs = st.inputs;
  sn.outputs = st.outputs;
  st.subnets.push_back(std::move(sn));
  bmodel::NetInfo net;
  net.name = name;
  net.stages.push_back(std::move(st));
  m.info.nets.push_back(std::move(net));

  RefCase rc;
  rc.net = name;
  rc.inputs.push_back(f32Tensor(toShape(in), x));
  rc.outputs.push_back(f32Tensor(toShape(out), y));
  m.cases.push_back(std::move(rc));
}

void testmodels::addDynamicNet(SampleModel &m, const std::string &name) {
  bmodel::StageInfo st;
  st.isDynamic = true;
  st.nDynamic = true;
  st.ctxAddr = 0x100000000ull;
  st.ctxSize = 0x2000;
  st.inputs.push_back(ioTensor("in", Shape4{4, 8, 1, 1}, st.ctxAddr));
  st.outputs.push_back(
      ioTensor("out", Shape4{4, 8, 1, 1}, st.ctxAddr + 0x1000));
  std::vector<uint8_t> ir(64, 0x5a);
  st.binaryIR = m.writer.addBlob(ir);
  bmodel::SubNetInfo sn;
  sn.isDynamic = true;
  sn.irLen = 16;
  sn.id = 0;
  sn.inputs = st.inputs;
  sn.outputs = st.outputs;
  st.subnets.push_back(std::move(sn));
  bmodel::NetInfo net;
  net.name = name;
  net.stages.push_back(std::move(st));
  m.info.nets.push_back(std::move(net));
}

void testmodels::addCpuSubnetNet(SampleModel &m, const std::string &name) {
  bmodel::StageInfo st;
  st.ctxAddr = 0x100000000ull;
  st.ctxSize = 0x2000;
  st.inputs.push_back(ioTensor("in", Shape4{1, 8, 1, 1}, st.ctxAddr));
  st.outputs.push_back(
      ioTensor("out", Shape4{1, 8, 1, 1}, st.ctxAddr + 0x1000));
  bmodel::SubNetInfo tpu;
  tpu.id = 0;
  tpu.nextSubnetIds = {1};
  tpu.inputs = st.inputs;
  tpu.outputs = st.inputs;
  bmodel::SubNetInfo cpu;
  cpu.mode = bmodel::SubnetMode::Cpu;
  cpu.id = 1;
  bmodel::CpuParamInfo cp;
  cp.opType = 3;
  std::vector<uint8_t> param(16, 1);
  cp.param = m.writer.addBlob(param);
  cpu.cpuParams.push_back(cp);
  cpu.inputs = st.inputs;
  cpu.outputs = st.outputs;
  st.subnets = {tpu, cpu};
  bmodel::NetInfo net;
  net.name = name;
  net.stages.push_back(std::move(st));
  m.info.nets.push_back(std::move(net));
}

llvm::Expected<std::vector<uint8_t>>
testmodels::serialize(const SampleModel &m) {
  bmodel::WriteOptions o;
  o.fixedTime = "Sun Nov 22 00:00:00 2026";
  return m.writer.serialize(m.info, o);
}

llvm::Error testmodels::writeContextDir(const SampleModel &m,
                                        llvm::StringRef dir) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return llvm::createStringError(ec, "cannot create %s", dir.str().c_str());
  llvm::SmallString<256> p(dir);
  llvm::sys::path::append(p, "compilation.bmodel");
  llvm::Expected<std::vector<uint8_t>> bytes = serialize(m);
  if (!bytes)
    return bytes.takeError();
  if (llvm::Error e = bmodel::writeFileAtomic(p, *bytes))
    return e;
  std::vector<uint8_t> in, out;
  for (const RefCase &c : m.cases) {
    for (const Tensor &t : c.inputs)
      in.insert(in.end(), t.data.begin(), t.data.end());
    for (const Tensor &t : c.outputs)
      out.insert(out.end(), t.data.begin(), t.data.end());
  }
  p = dir;
  llvm::sys::path::append(p, "input_ref_data.dat");
  if (llvm::Error e = bmodel::writeFileAtomic(p, in))
    return e;
  p = dir;
  llvm::sys::path::append(p, "output_ref_data.dat");
  return bmodel::writeFileAtomic(p, out);
}

Tensor testmodels::f32Tensor(const bmodel::Shape &s,
                             const std::vector<float> &v) {
  Tensor t(bmodel::DType::F32, s);
  assert(t.data.size() == v.size() * 4 && "shape and values disagree");
  std::memcpy(t.data.data(), v.data(), t.data.size());
  return t;
}

std::vector<float> testmodels::f32Values(const Tensor &t) {
  std::vector<float> v(t.data.size() / 4);
  std::memcpy(v.data(), t.data.data(), v.size() * 4);
  return v;
}

void testmodels::addInt8AddNet(SampleModel &m, const TargetInfo &t,
                               const std::string &name, unsigned seed) {
  Shape4 s{1, 8, 4, 4};
  size_t n = s.numElements();
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-100, 100);
  std::vector<uint8_t> x(n), b(n), y(n);
  for (size_t i = 0; i < n; ++i) {
    int xi = d(rng), bi = d(rng);
    x[i] = uint8_t(int8_t(xi));
    b[i] = uint8_t(int8_t(bi));
    y[i] = uint8_t(int8_t(std::min(127, std::max(0, xi + bi))));
  }
  Placement p(t, n);
  bmodel::StageInfo st;
  st.coeff = m.writer.addCoeff(b, p.coeffAddr);
  uint64_t xAddr = p.take(t, n), yAddr = p.take(t, n);
  st.ctxAddr = p.ctxAddr;
  st.ctxSize = p.ctxSize;
  bmodel::TensorInfo xi = ioTensor("qx", s, xAddr),
                     yi = ioTensor("qy", s, yAddr);
  xi.dtype = yi.dtype = bmodel::DType::I8;
  xi.size = yi.size = n;
  xi.scale = 0.05f;
  yi.scale = 0.05f;
  st.inputs.push_back(xi);
  st.outputs.push_back(yi);
  Strides4 g = contiguousStrides(s);
  uint32_t lx = 0, lb = 0x400, ly = 0x800;
  std::vector<Command> gdma = {
      {CmdHeader{1, 0, 0}, makeLoad(t, s, DType::I8, xAddr, g, lx)},
      {CmdHeader{2, 0, 0}, makeLoad(t, s, DType::I8, p.coeffAddr, g, lb)},
      {CmdHeader{3, 1, 0}, makeStore(t, s, DType::I8, ly, yAddr, g)}};
  BinaryCmd add;
  add.shape = s;
  add.op = BinaryOp::Add;
  add.relu = true;
  add.a = localOperand(t, lx, s, DType::I8);
  add.b = localOperand(t, lb, s, DType::I8);
  add.out = localOperand(t, ly, s, DType::I8);
  std::vector<Command> bdc = {{CmdHeader{1, 2, 0}, add}};
  bmodel::SubNetInfo sn;
  sn.id = 0;
  sn.cmdGroups.push_back(group(m.writer, bdc, gdma));
  sn.inputs = st.inputs;
  sn.outputs = st.outputs;
  st.subnets.push_back(std::move(sn));
  bmodel::NetInfo net;
  net.name = name;
  net.stages.push_back(std::move(st));
  m.info.nets.push_back(std::move(net));

  RefCase rc;
  rc.net = name;
  Tensor tx(bmodel::DType::I8, toShape(s)), ty(bmodel::DType::I8, toShape(s));
  tx.data = x;
  ty.data = y;
  rc.inputs.push_back(std::move(tx));
  rc.outputs.push_back(std::move(ty));
  m.cases.push_back(std::move(rc));
}

void testmodels::addMultiGroupNet(SampleModel &m, const TargetInfo &t,
                                  const std::string &name, unsigned seed) {
  Shape4 s{1, 4, 4, 4};
  size_t n = s.numElements();
  std::vector<float> x = randomFloats(n, seed), b = randomFloats(n, seed + 1);
  std::vector<float> y(n);
  for (size_t i = 0; i < n; ++i)
    y[i] = 2.0f * std::max(0.0f, x[i] + b[i]);
  Placement p(t, n * 4);
  bmodel::StageInfo st;
  st.coeff = m.writer.addCoeff(bytesOf(b), p.coeffAddr);
  uint64_t xAddr = p.take(t, n * 4), yAddr = p.take(t, n * 4);
  uint64_t sumAddr = p.take(t, n * 4), reluAddr = p.take(t, n * 4);
  st.ctxAddr = p.ctxAddr;
  st.ctxSize = p.ctxSize;
  st.inputs.push_back(ioTensor("x", s, xAddr));
  st.outputs.push_back(ioTensor("y", s, yAddr));
  Strides4 g = contiguousStrides(s);
  auto op = [&](uint32_t a) { return localOperand(t, a, s, DType::F32); };

  // Subnet 0, group 0: sum = x + b.
  BinaryCmd add;
  add.shape = s;
  add.op = BinaryOp::Add;
  add.a = op(0);
  add.b = op(0x400);
  add.out = op(0x800);
  bmodel::CmdGroupInfo g0 = group(
      m.writer, {{CmdHeader{1, 2, 0}, add}},
      {{CmdHeader{1, 0, 0}, makeLoad(t, s, DType::F32, xAddr, g, 0)},
       {CmdHeader{2, 0, 0}, makeLoad(t, s, DType::F32, p.coeffAddr, g, 0x400)},
       {CmdHeader{3, 1, 0}, makeStore(t, s, DType::F32, 0x800, sumAddr, g)}});
  // Subnet 0, group 1: relu(sum), through fresh local addresses.
  UnaryCmd relu;
  relu.shape = s;
  relu.op = UnaryOp::Relu;
  relu.in = op(0x1000);
  relu.out = op(0x1400);
  bmodel::CmdGroupInfo g1 = group(
      m.writer, {{CmdHeader{1, 1, 1}, relu}},
      {{CmdHeader{1, 0, 1}, makeLoad(t, s, DType::F32, sumAddr, g, 0x1000)},
       {CmdHeader{2, 1, 1}, makeStore(t, s, DType::F32, 0x1400, reluAddr, g)}});
  // Subnet 1: y = relu * 2.
  BinaryCmd mul;
  mul.shape = s;
  mul.op = BinaryOp::Mul;
  mul.a = op(0x1800);
  mul.b = op(0x1800);
  mul.bIsScalar = true;
  mul.scalar = 2.0;
  mul.out = op(0x1c00);
  bmodel::CmdGroupInfo g2 = group(
      m.writer, {{CmdHeader{1, 1, 2}, mul}},
      {{CmdHeader{1, 0, 2}, makeLoad(t, s, DType::F32, reluAddr, g, 0x1800)},
       {CmdHeader{2, 1, 2}, makeStore(t, s, DType::F32, 0x1c00, yAddr, g)}});
  bmodel::SubNetInfo sn0, sn1;
  sn0.id = 0;
  sn0.nextSubnetIds = {1};
  sn0.cmdGroups = {g0, g1};
  sn0.inputs = st.inputs;
  sn1.id = 1;
  sn1.cmdGroups = {g2};
  sn1.outputs = st.outputs;
  st.subnets = {sn0, sn1};
  bmodel::NetInfo net;
  net.name = name;
  net.stages.push_back(std::move(st));
  m.info.nets.push_back(std::move(net));

  RefCase rc;
  rc.net = name;
  rc.inputs.push_back(f32Tensor(toShape(s), x));
  rc.outputs.push_back(f32Tensor(toShape(s), y));
  m.cases.push_back(std::move(rc));
}

void testmodels::addAccumulateNet(SampleModel &m, const TargetInfo &t,
                                  const std::string &name, unsigned seed) {
  Shape4 s{1, 4, 4, 4};
  size_t n = s.numElements();
  std::vector<float> x = randomFloats(n, seed);
  Placement p(t, 0);
  bmodel::StageInfo st;
  uint64_t xAddr = p.take(t, n * 4), yAddr = p.take(t, n * 4);
  st.ctxAddr = p.ctxAddr;
  st.ctxSize = p.ctxSize;
  st.inputs.push_back(ioTensor("x", s, xAddr));
  st.outputs.push_back(ioTensor("y", s, yAddr));
  Strides4 g = contiguousStrides(s);
  BinaryCmd add;
  add.shape = s;
  add.op = BinaryOp::Add;
  add.a = localOperand(t, 0, s, DType::F32);
  add.b = localOperand(t, 0x400, s, DType::F32);
  add.out = localOperand(t, 0x800, s, DType::F32);
  bmodel::SubNetInfo sn;
  sn.id = 0;
  sn.cmdGroups.push_back(group(
      m.writer, {{CmdHeader{1, 2, 0}, add}},
      {{CmdHeader{1, 0, 0}, makeLoad(t, s, DType::F32, xAddr, g, 0)},
       {CmdHeader{2, 0, 0}, makeLoad(t, s, DType::F32, yAddr, g, 0x400)},
       {CmdHeader{3, 1, 0}, makeStore(t, s, DType::F32, 0x800, yAddr, g)}}));
  sn.inputs = st.inputs;
  sn.outputs = st.outputs;
  st.subnets.push_back(std::move(sn));
  bmodel::NetInfo net;
  net.name = name;
  net.stages.push_back(std::move(st));
  m.info.nets.push_back(std::move(net));
  RefCase rc;
  rc.net = name;
  rc.inputs.push_back(f32Tensor(toShape(s), x));
  rc.outputs.push_back(f32Tensor(toShape(s), x));
  m.cases.push_back(std::move(rc));
}
