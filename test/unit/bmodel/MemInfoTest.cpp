//===- MemInfoTest.cpp - the SDK's memory accounting, quirks included -----===//
#include "BModelTestUtil.h"

using namespace onntc::bmodel;
using namespace onntc::bmodel::test;

namespace {

StageInfo stage(uint64_t ctx, uint64_t elems, unsigned subnets) {
  StageInfo s;
  s.ctxSize = ctx;
  s.inputs.push_back(tensor("x", {elems}));
  s.outputs.push_back(tensor("y", {1}));
  for (unsigned i = 0; i < subnets; ++i)
    s.subnets.emplace_back();
  return s;
}

} // namespace

TEST_CASE("command bytes by chip", "[bmodel][meminfo]") {
  ModelInfo m;
  NetInfo n;
  n.name = "n";
  StageInfo s = stage(0, 1, 1);
  CmdGroupInfo g;
  g.bdcNum = 3;
  g.gdmaNum = 2;
  g.bdc = BinaryRange{0, 100};
  g.gdma = BinaryRange{100, 50};
  s.subnets[0].cmdGroups.push_back(g);
  n.stages.push_back(s);
  m.nets.push_back(n);

  m.chip = "BM1684";
  CHECK(computeMemInfo(m).instruct() == 5 * 128);
  m.chip = "BM1682";
  CHECK(computeMemInfo(m).instruct() == 5 * 256);
  m.chip = "BM1684X";
  CHECK(computeMemInfo(m).instruct() == 150);

  SECTION("core_commands[0] stands in when cmd_group is absent") {
    SubNetInfo &sn = m.nets[0].stages[0].subnets[0];
    sn.cmdGroups.clear();
    CoreCommandsInfo cc;
    cc.gdmaTiu.push_back(g);
    cc.sdma.push_back(BinaryRange{0, 40});
    sn.coreCommands = {cc, cc, cc};
    CHECK(computeMemInfo(m).instruct() == 150);
    m.chip = "SG2260";
    MemInfo mi = computeMemInfo(m);
    CHECK(mi.sdmaCmd == 3 * 40);
    CHECK(mi.instruct() == 150 + 120);
  }
  SECTION("dynamic subnets count ir_len words") {
    SubNetInfo &sn = m.nets[0].stages[0].subnets[0];
    sn.isDynamic = true;
    sn.irLen = 25;
    CHECK(computeMemInfo(m).instruct() == 100);
  }
}

TEST_CASE("neuron and middle buffer", "[bmodel][meminfo]") {
  ModelInfo m;
  m.chip = "BM1684X";
  NetInfo a, b;
  a.name = "a";
  b.name = "b";
  a.stages.push_back(stage(1000, 10, 1));
  b.stages.push_back(stage(3000, 50, 1));
  m.nets = {a, b};
  // Single-subnet nets share: the largest ctx_size; middle = 4 x 50.
  MemInfo mi = computeMemInfo(m);
  CHECK(mi.neuron == 3000);
  CHECK(mi.middleBuffer == 200);
  CHECK(mi.runtime() == 3200);

  SECTION("a net with several subnets adds its own neuron memory") {
    m.nets[1].stages[0] = stage(3000, 10, 2);
    CHECK(computeMemInfo(m).neuron == 3000 + 1000);
  }
  SECTION("quirk: only the last multi-subnet net survives the per-net reset") {
    m.nets[0].stages[0] = stage(1000, 10, 2);
    m.nets[1].stages[0] = stage(3000, 10, 2);
    CHECK(computeMemInfo(m).neuron == 3000);
  }
  SECTION("quirk: every stage is read as stage 0") {
    m.nets[1].stages.push_back(stage(9000, 999, 1));
    MemInfo q = computeMemInfo(m);
    CHECK(q.neuron == 3000);
    CHECK(q.middleBuffer == 200);
  }
}

TEST_CASE("weights are counted once per check_code", "[bmodel][meminfo]") {
  BModelWriter w;
  ModelInfo m;
  m.chip = "BM1684X";
  NetInfo a, b;
  a.name = "a";
  b.name = "b";
  a.stages.push_back(staticStage(w, 1, pattern(700, 1)));
  b.stages.push_back(staticStage(w, 1, pattern(700, 1)));
  m.nets = {a, b};
  CHECK(computeMemInfo(m).coeff == 700);
  m.nets[1].stages[0].coeff = w.addCoeff(pattern(300, 9), 0);
  CHECK(computeMemInfo(m).coeff == 1000);

  SECTION("host weights and host runtime") {
    BModelWriter w2;
    ModelInfo h;
    h.chip = "BM1684X";
    NetInfo n;
    n.name = "d";
    n.stages.push_back(dynamicStage(w2, 64));
    h.nets = {n};
    BModel r = mustRead(mustSerialize(w2, h));
    MemInfo mi = computeMemInfo(r.info());
    CHECK(mi.hostCoeff == 48);
    CHECK(mi.hostNeuron == 400);
    CHECK(mi.dynamicIR == 120);
  }
}
