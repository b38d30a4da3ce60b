//===- RuntimeTest.cpp - C++ runtime API on hand-built bmodels ------------===//
#include "TestModels.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using namespace onntc;
using namespace onntc::runtime;
using namespace onntc::testmodels;

namespace {

std::string errText(llvm::Error e) {
  REQUIRE(static_cast<bool>(e));
  return llvm::toString(std::move(e));
}

template <class T> T ok(llvm::Expected<T> v) {
  if (!v)
    FAIL(llvm::toString(v.takeError()));
  return std::move(*v);
}

void ok(llvm::Error e) {
  if (e)
    FAIL(llvm::toString(std::move(e)));
}

SampleModel sample(const isa::TargetInfo &t) {
  SampleModel m = makeModel(t);
  addAddReluNet(m, t, "addrelu", {{1, 4, 4, 4}, {1, 4, 8, 8}}, 11);
  addConvNet(m, t, "conv", 21);
  return m;
}

void checkClose(const Tensor &got, const Tensor &exp, float tol) {
  REQUIRE(got.shape == exp.shape);
  REQUIRE(got.dtype == exp.dtype);
  std::vector<float> g = f32Values(got), e = f32Values(exp);
  REQUIRE(g.size() == e.size());
  for (size_t i = 0; i < g.size(); ++i) {
    INFO("index " << i);
    CHECK(std::fabs(g[i] - e[i]) <= tol);
  }
}

} // namespace

TEST_CASE("static nets run on the cmodel and match the C++ reference",
          "[runtime]") {
  for (const isa::TargetInfo *t :
       {&isa::getBM1684XTarget(), &isa::getBM1684Target()}) {
    INFO(t->name.str());
    SampleModel m = sample(*t);
    std::vector<uint8_t> bytes = ok(serialize(m));
    Context ctx;
    ok(ctx.loadBModelData(bytes, "sample"));
    CHECK(ctx.chip() == t->name);
    REQUIRE(ctx.netCount() == 2);
    CHECK(ctx.netNames() == std::vector<std::string>{"addrelu", "conv"});
    REQUIRE(m.cases.size() == 3);
    for (const RefCase &c : m.cases) {
      INFO(c.net << " stage " << c.stage);
      LaunchResult r = ok(ctx.launch(c.net, c.inputs));
      CHECK(r.stage == c.stage);
      REQUIRE(r.outputs.size() == c.outputs.size());
      checkClose(r.outputs[0], c.outputs[0], 1e-5f);
      CHECK(r.profile.totalCycles > 0);
      CHECK(r.profile.bdcBusyCycles > 0);
      CHECK(r.profile.gdmaBusyCycles > 0);
      CHECK(r.profile.bdcBusyCycles <= r.profile.totalCycles);
      CHECK(r.profile.latencyUs ==
            Approx(double(r.profile.totalCycles) / t->clockMHz));
      if (c.net == "conv") {
        CHECK(r.profile.macs == 3u * 5 * 5 * 2 * 9);
        CHECK(r.profile.macUtilization > 0);
        CHECK(r.profile.macUtilization < 1);
      }
    }
    // A second launch gives the same result (neurons are zeroed again, the
    // coeff cache is reused).
    LaunchResult again = ok(ctx.launch("conv", m.cases[2].inputs));
    checkClose(again.outputs[0], m.cases[2].outputs[0], 1e-5f);
  }
}

TEST_CASE("net info lists stages, dtypes and max bytes", "[runtime]") {
  const isa::TargetInfo &t = isa::getBM1684XTarget();
  Context ctx;
  ok(ctx.loadBModelData(ok(serialize(sample(t))), "sample"));
  const NetDesc *d = ctx.netInfo("addrelu");
  REQUIRE(d);
  CHECK_FALSE(d->isDynamic);
  CHECK(d->file == "sample");
  REQUIRE(d->inputs.size() == 1);
  CHECK(d->inputs[0].name == "x");
  CHECK(d->inputs[0].dtype == DType::F32);
  CHECK(d->inputs[0].scale == 1.0f);
  REQUIRE(d->stages.size() == 2);
  CHECK(d->stages[0].inputShapes[0] == Shape{1, 4, 4, 4});
  CHECK(d->stages[1].outputShapes[0] == Shape{1, 4, 8, 8});
  CHECK(d->maxInputBytes == std::vector<uint64_t>{4 * 4 * 8 * 8});
  CHECK(d->maxOutputBytes == std::vector<uint64_t>{4 * 4 * 8 * 8});
  CHECK(d->unsupportedReason.empty());
  CHECK(ctx.netInfo("nope") == nullptr);
}

TEST_CASE("stage selection follows the SDK rules", "[runtime]") {
  const isa::TargetInfo &t = isa::getBM1684XTarget();
  Context ctx;
  ok(ctx.loadBModelData(ok(serialize(sample(t))), "sample"));
  size_t ar = *ctx.netIndex("addrelu"), cv = *ctx.netIndex("conv");
  CHECK(ok(ctx.selectStage(ar, {{1, 4, 4, 4}})) == 0);
  CHECK(ok(ctx.selectStage(ar, {{1, 4, 8, 8}})) == 1);
  // Multi-stage: equal element count is not enough.
  std::string e = errText(ctx.selectStage(ar, {{1, 64, 4, 1}}).takeError());
  CHECK(e.find("no stage has the input shapes [1,64,4,1]") !=
        std::string::npos);
  CHECK(e.find("stage 1: [1,4,8,8]") != std::string::npos);
  // Single stage: equal element count matches.
  CHECK(ok(ctx.selectStage(cv, {{1, 50}})) == 0);
  CHECK(static_cast<bool>(ctx.selectStage(cv, {{1, 51}}).takeError()));
  CHECK(static_cast<bool>(ctx.selectStage(cv, {}).takeError()));
  // A reshaped input runs on the single stage.
  SampleModel m = sample(t);
  Tensor flat = m.cases[2].inputs[0];
  flat.shape = {1, 50};
  LaunchResult r = ok(ctx.launch("conv", {flat}));
  checkClose(r.outputs[0], m.cases[2].outputs[0], 1e-5f);
  // An explicit stage must fit the shapes.
  e = errText(ctx.launch("addrelu", m.cases[0].inputs, 1).takeError());
  CHECK(e.find("stage 1: input 'x' has shape [1,4,4,4]") != std::string::npos);
  e = errText(ctx.launch("addrelu", m.cases[0].inputs, 5).takeError());
  CHECK(e.find("stage 5 does not exist") != std::string::npos);
  LaunchResult r1 = ok(ctx.launch("addrelu", m.cases[1].inputs, 1));
  checkClose(r1.outputs[0], m.cases[1].outputs[0], 1e-6f);
}

TEST_CASE("dynamic stage selection picks the closest larger stage",
          "[runtime]") {
  SampleModel m = makeModel(isa::getBM1684XTarget());
  addDynamicNet(m, "dyn");
  // A second dynamic stage with a larger max shape.
  bmodel::StageInfo st2 = m.info.nets[0].stages[0];
  st2.inputs[0].shapes = {{16, 8, 1, 1}};
  m.info.nets[0].stages.push_back(st2);
  Context ctx;
  ok(ctx.loadBModelData(ok(serialize(m)), "dyn.bmodel"));
  CHECK(ctx.netInfo("dyn")->isDynamic);
  CHECK(ok(ctx.selectStage(0, {{2, 8, 1, 1}})) == 0);
  CHECK(ok(ctx.selectStage(0, {{4, 8, 1, 1}})) == 0);
  CHECK(ok(ctx.selectStage(0, {{9, 8, 1, 1}})) == 1);
  CHECK(ok(ctx.selectStage(0, {{16, 8, 1, 1}})) == 1);
  std::string e = errText(ctx.selectStage(0, {{17, 8, 1, 1}}).takeError());
  CHECK(e.find("exceeds every stage") != std::string::npos);
  CHECK(static_cast<bool>(ctx.selectStage(0, {{4, 8}}).takeError()));

  // Stages [5,8,1,1] then [4,8,1,1]: for 4 the first differs by 1 and the
  // second fits exactly; the exact fit wins although it comes later.
  SampleModel m2 = makeModel(isa::getBM1684XTarget());
  addDynamicNet(m2, "dyn");
  bmodel::StageInfo four = m2.info.nets[0].stages[0];
  m2.info.nets[0].stages[0].inputs[0].shapes = {{5, 8, 1, 1}};
  m2.info.nets[0].stages.push_back(four);
  Context ctx2;
  ok(ctx2.loadBModelData(ok(serialize(m2)), "dyn2.bmodel"));
  CHECK(ok(ctx2.selectStage(0, {{4, 8, 1, 1}})) == 1);
  CHECK(ok(ctx2.selectStage(0, {{5, 8, 1, 1}})) == 0);
  // 3: differences 2 and 1. [3,7]: products 2*1 and 1*1.
  CHECK(ok(ctx2.selectStage(0, {{3, 8, 1, 1}})) == 1);
  CHECK(ok(ctx2.selectStage(0, {{3, 7, 1, 1}})) == 1);
  // [4,7]: products 1*1 (stage 0) and 1 (stage 1): the earlier stage wins
  // the tie.
  CHECK(ok(ctx2.selectStage(0, {{4, 7, 1, 1}})) == 0);
}

TEST_CASE("nets the runtime cannot run give an error naming the net",
          "[runtime]") {
  SampleModel m = makeModel(isa::getBM1684XTarget());
  addDynamicNet(m, "dyn");
  addCpuSubnetNet(m, "cpu");
  Context ctx;
  ok(ctx.loadBModelData(ok(serialize(m)), "unsupported.bmodel"));
  Tensor in(DType::F32, {4, 8, 1, 1});
  std::string e = errText(ctx.launch("dyn", {in}).takeError());
  CHECK(e.find("net 'dyn' cannot run on the cmodel") != std::string::npos);
  CHECK(e.find("dynamic net") != std::string::npos);
  Tensor in1(DType::F32, {1, 8, 1, 1});
  e = errText(ctx.launch("cpu", {in1}).takeError());
  CHECK(e.find("unsupported.bmodel: net 'cpu'") != std::string::npos);
  CHECK(e.find("subnet 1 is a CPU subnet") != std::string::npos);
}

TEST_CASE("bad launches and loads are errors", "[runtime]") {
  const isa::TargetInfo &t = isa::getBM1684XTarget();
  SampleModel m = sample(t);
  std::vector<uint8_t> bytes = ok(serialize(m));
  Context ctx;
  ok(ctx.loadBModelData(bytes, "a.bmodel"));
  // Same nets again: duplicate names.
  std::string e = errText(ctx.loadBModelData(bytes, "b.bmodel"));
  CHECK(e.find("b.bmodel: net 'addrelu' is already loaded from a.bmodel") !=
        std::string::npos);
  CHECK(ctx.netCount() == 2);
  e = errText(ctx.launch("missing", {}).takeError());
  CHECK(e.find("no net named 'missing'") != std::string::npos);
  e = errText(ctx.launch("conv", {}).takeError());
  CHECK(e.find("takes 1 inputs, 0 given") != std::string::npos);
  Tensor wrongType(DType::I8, {1, 2, 5, 5});
  e = errText(ctx.launch("conv", {wrongType}).takeError());
  CHECK(e.find("dtype int8 given") != std::string::npos);
  Tensor shortData = m.cases[2].inputs[0];
  shortData.data.pop_back();
  e = errText(ctx.launch("conv", {shortData}).takeError());
  CHECK(e.find("data bytes") != std::string::npos);
  e = errText(ctx.loadBModel("/nonexistent/x.bmodel"));
  CHECK(e.find("/nonexistent/x.bmodel") != std::string::npos);
  // A different chip cannot join the context.
  SampleModel other = makeModel(isa::getBM1684Target());
  addAddReluNet(other, isa::getBM1684Target(), "z", {{1, 2, 2, 2}}, 3);
  e = errText(ctx.loadBModelData(ok(serialize(other)), "c.bmodel"));
  CHECK(e.find("chip BM1684 differs") != std::string::npos);
}

TEST_CASE("several files append nets", "[runtime]") {
  const isa::TargetInfo &t = isa::getBM1684XTarget();
  SampleModel a = sample(t);
  SampleModel b = makeModel(t);
  addAddReluNet(b, t, "addrelu2", {{1, 8, 4, 4}}, 31);
  Context ctx;
  ok(ctx.loadBModelData(ok(serialize(a)), "a"));
  ok(ctx.loadBModelData(ok(serialize(b)), "b"));
  CHECK(ctx.netNames() ==
        std::vector<std::string>{"addrelu", "conv", "addrelu2"});
  CHECK(ctx.netInfo(2).fileIndex == 1);
  LaunchResult r = ok(ctx.launch("addrelu2", b.cases[0].inputs));
  checkClose(r.outputs[0], b.cases[0].outputs[0], 1e-6f);
  r = ok(ctx.launch("addrelu", a.cases[1].inputs));
  checkClose(r.outputs[0], a.cases[1].outputs[0], 1e-6f);
}

TEST_CASE("placement violations are refused at load", "[runtime]") {
  const isa::TargetInfo &t = isa::getBM1684XTarget();
  SampleModel m = sample(t);
  m.info.nets[1].stages[0].outputs[0].deviceAddr =
      m.info.nets[1].stages[0].ctxAddr + m.info.nets[1].stages[0].ctxSize;
  Context ctx;
  std::string e = errText(ctx.loadBModelData(ok(serialize(m)), "bad"));
  CHECK(e.find("net 'conv' stage 0: output 'out'") != std::string::npos);
  CHECK(e.find("not inside the neuron region") != std::string::npos);
  CHECK(ctx.netCount() == 0);

  SampleModel m2 = sample(t);
  m2.info.nets[0].stages[0].ctxAddr = m2.info.nets[0].stages[0].coeff->address;
  e = errText(ctx.loadBModelData(ok(serialize(m2)), "bad2"));
  CHECK(e.find("overlaps the neuron region") != std::string::npos);
}

TEST_CASE("check codes are verified on request", "[runtime]") {
  const isa::TargetInfo &t = isa::getBM1684XTarget();
  SampleModel m = sample(t);
  m.info.nets[1].stages[0].coeff->checkCode.assign(32, 0xab);
  std::vector<uint8_t> bytes = ok(serialize(m));
  Context lax;
  ok(lax.loadBModelData(bytes, "tampered"));
  ContextOptions o;
  o.checkCoeff = true;
  Context strict(o);
  std::string e = errText(strict.loadBModelData(bytes, "tampered"));
  CHECK(e.find("tampered") != std::string::npos);
  CHECK(strict.netCount() == 0);
  Context strictOk(o);
  ok(strictOk.loadBModelData(ok(serialize(sample(t))), "good"));
}

TEST_CASE("a broken command stream is an error naming the net", "[runtime]") {
  const isa::TargetInfo &t = isa::getBM1684XTarget();
  SampleModel m = sample(t);
  // The conv net's group claims one more BDC command than it holds.
  m.info.nets[1].stages[0].subnets[0].cmdGroups[0].bdcNum = 2;
  Context ctx;
  ok(ctx.loadBModelData(ok(serialize(m)), "broken"));
  std::string e = errText(ctx.launch("conv", m.cases[2].inputs).takeError());
  CHECK(e.find("broken: net 'conv' stage 0: subnet 0 cmd group 0") !=
        std::string::npos);
}

TEST_CASE("int8 nets and nets with several subnets and groups", "[runtime]") {
  for (const isa::TargetInfo *t :
       {&isa::getBM1684XTarget(), &isa::getBM1684Target()}) {
    INFO(t->name.str());
    SampleModel m = makeModel(*t);
    addInt8AddNet(m, *t, "qadd", 41);
    addMultiGroupNet(m, *t, "multi", 51);
    Context ctx;
    ok(ctx.loadBModelData(ok(serialize(m)), "extra"));
    CHECK(ctx.netInfo("qadd")->inputs[0].scale == 0.05f);
    LaunchResult q = ok(ctx.launch("qadd", m.cases[0].inputs));
    CHECK(q.outputs[0].dtype == DType::I8);
    CHECK(q.outputs[0].data == m.cases[0].outputs[0].data);
    // Some sums saturate at 127 and some clamp at 0.
    const std::vector<uint8_t> &y = m.cases[0].outputs[0].data;
    CHECK(std::count(y.begin(), y.end(), 127) > 0);
    CHECK(std::count(y.begin(), y.end(), 0) > 0);
    CHECK(q.profile.macDType == "i8");

    LaunchResult r = ok(ctx.launch("multi", m.cases[1].inputs));
    checkClose(r.outputs[0], m.cases[1].outputs[0], 1e-6f);
    CHECK(r.profile.bdcCommands == 3);
    CHECK(r.profile.gdmaCommands == 7);
  }
}

TEST_CASE("every launch starts from zeroed neuron memory", "[runtime]") {
  const isa::TargetInfo &t = isa::getBM1684XTarget();
  SampleModel m = makeModel(t);
  addAccumulateNet(m, t, "acc", 61);
  addConvNet(m, t, "conv", 21);
  Context ctx;
  ok(ctx.loadBModelData(ok(serialize(m)), "acc"));
  const RefCase &c = m.cases[0];
  // Twice the same stage (regions kept mapped), then after another net.
  for (int i = 0; i < 2; ++i) {
    LaunchResult r = ok(ctx.launch("acc", c.inputs));
    CHECK(r.outputs[0].data == c.outputs[0].data);
  }
  ok(ctx.launch("conv", m.cases[1].inputs));
  LaunchResult r = ok(ctx.launch("acc", c.inputs));
  CHECK(r.outputs[0].data == c.outputs[0].data);
}
