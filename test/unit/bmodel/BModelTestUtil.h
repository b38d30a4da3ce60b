//===- BModelTestUtil.h - sample models for the bmodel tests ---*- C++ -*-===//
#ifndef ONNTC_TEST_UNIT_BMODEL_BMODELTESTUTIL_H
#define ONNTC_TEST_UNIT_BMODEL_BMODELTESTUTIL_H

#include "bmodel/BModel.h"
#include "bmodel/BModelOps.h"
#include "bmodel/BModelWriter.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace onntc {
namespace bmodel {
namespace test {

inline const char *kFixedTime = "Wed Apr 23 14:55:23 2025";

inline std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = uint8_t(seed + i * 7 + (i >> 3));
  return v;
}

inline TensorInfo tensor(const std::string &name, Shape shape,
                         DType t = DType::F32) {
  TensorInfo ti;
  ti.name = name;
  ti.dtype = t;
  ti.shapes.push_back(std::move(shape));
  return ti;
}

/// A static stage of net "conv" with input shape [n,3,8,8], coefficients
/// `coeff` (shared bytes give shared blobs), one cmd group.
inline StageInfo staticStage(BModelWriter &w, uint64_t n,
                             const std::vector<uint8_t> &coeff) {
  StageInfo s;
  s.inputs.push_back(tensor("data", {n, 3, 8, 8}));
  s.outputs.push_back(tensor("prob", {n, 10}));
  s.ctxAddr = 0x1000000;
  s.ctxSize = 4096 * n;
  s.coeff = w.addCoeff(coeff, 0x100000);
  s.coeff->locations.push_back({"conv1", 0, 64});
  s.coeff->locations.push_back({"fc", 64, coeff.size() - 64});
  SubNetInfo sn;
  sn.id = 0;
  CmdGroupInfo g;
  g.bdcNum = 2;
  g.gdmaNum = 3;
  g.bdc = w.addBlob(pattern(256, uint8_t(n)));
  g.gdma = w.addBlob(pattern(384, uint8_t(n + 1)));
  sn.cmdGroups.push_back(g);
  s.subnets.push_back(sn);
  return s;
}

/// A dynamic stage with a TPU IR subnet and a CPU subnet with a constant.
inline StageInfo dynamicStage(BModelWriter &w, uint64_t h) {
  StageInfo s;
  s.isDynamic = true;
  s.hwDynamic = true;
  s.inputs.push_back(tensor("img", {1, 3, h, h}));
  s.outputs.push_back(tensor("boxes", {1, 100, 4}));
  s.ctxSize = 8192;
  s.binaryIR = w.addBlob(pattern(120, 9));
  s.stageIR.push_back(StageIRInfo{30, int32_t(h), 1, int32_t(h), 1});
  SubNetInfo tpu;
  tpu.id = 0;
  tpu.isDynamic = true;
  tpu.irLen = 30;
  tpu.nextSubnetIds = {1};
  SubNetInfo cpu;
  cpu.id = 1;
  cpu.mode = SubnetMode::Cpu;
  CpuParamInfo p;
  p.opType = 12;
  p.param = w.addBlob(pattern(16, 3));
  CpuConstInfo c;
  c.name = "anchors";
  c.data = w.addBlob(pattern(48, 4));
  p.consts.push_back(c);
  cpu.cpuParams.push_back(p);
  cpu.inputs.push_back(tensor("feat", {1, 100, 5}));
  cpu.outputs.push_back(tensor("boxes", {1, 100, 4}));
  s.subnets = {tpu, cpu};
  s.cpuMemSize = 100;
  return s;
}

inline WriteOptions fixedTime() {
  WriteOptions o;
  o.fixedTime = kFixedTime;
  return o;
}

inline BModel mustRead(llvm::ArrayRef<uint8_t> bytes,
                       const std::string &name = "mem.bmodel") {
  auto m = readBModelBytes(bytes, name);
  if (!m)
    FAIL(llvm::toString(m.takeError()));
  return std::move(*m);
}

inline std::vector<uint8_t> mustSerialize(const BModelWriter &w,
                                          const ModelInfo &m,
                                          const WriteOptions &o = fixedTime()) {
  auto b = w.serialize(m, o);
  if (!b)
    FAIL(llvm::toString(b.takeError()));
  return std::move(*b);
}

inline std::string errorText(llvm::Error e) {
  REQUIRE(bool(e));
  return llvm::toString(std::move(e));
}

template <typename T> std::string errorText(llvm::Expected<T> e) {
  REQUIRE(!e);
  return llvm::toString(e.takeError());
}

} // namespace test
} // namespace bmodel
} // namespace onntc

#endif
