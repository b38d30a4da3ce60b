//===- BackendTestUtil.cpp ------------------------------------------------===//

#include "BackendTestUtil.h"

#include "isa/Encoding.h"
#include "isa/Target.h"
#include "ir/Interpreter.h"
#include "ir/Verifier.h"
#include "runtime/api/Runtime.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

using namespace onntc;
using namespace onntc::backendtest;

Tensor Builder::random(Shape s, float lo, float hi) {
  Tensor t(DType::F32, s);
  std::uniform_real_distribution<float> d(lo, hi);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.data<float>()[i] = d(rng);
  return t;
}

Value *Builder::input(const std::string &name, Shape s) {
  return g.addInput(name, TensorType(DType::F32, std::move(s)));
}

Value *Builder::input(const std::string &name, Shape s, float lo, float hi) {
  inputRange[name] = {lo, hi};
  return input(name, std::move(s));
}

Value *Builder::input(const std::string &name, Tensor data) {
  Shape s = data.shape();
  inputData.emplace(name, std::move(data));
  return input(name, std::move(s));
}

Value *Builder::qinput(const std::string &name, Shape s, DType t, float scale) {
  TensorType ty(t, std::move(s));
  ty.quant = QuantParams{{scale}, {0}, -1};
  return g.addInput(name, std::move(ty));
}

Tensor Builder::randomInts(Shape s, DType t) {
  switch (t) {
  case DType::U8:
    return randomInts(std::move(s), t, 0, 255);
  case DType::I16:
    return randomInts(std::move(s), t, -32768, 32767);
  case DType::I32:
    return randomInts(std::move(s), t, -(1 << 20), (1 << 20) - 1);
  default:
    return randomInts(std::move(s), t, -128, 127);
  }
}

Tensor Builder::randomInts(Shape s, DType t, int64_t lo, int64_t hi) {
  std::uniform_int_distribution<int64_t> d(lo, hi);
  std::vector<int64_t> v(size_t(s.numElements()));
  for (int64_t &x : v)
    x = d(rng);
  return Tensor::fromInts(t, std::move(s), v);
}

Value *Builder::constant(Tensor t) {
  return g.createConstant("c" + std::to_string(counter++), std::move(t))
      ->output(0);
}

Value *Builder::scalar(float v) {
  return constant(Tensor::fromFloats(Shape{}, {v}));
}

Node *Builder::node(OpKind k, std::vector<Value *> ins,
                    std::vector<std::pair<std::string, AttrValue>> attrs,
                    unsigned outputs) {
  std::string base = opInfo(k).mnemonic.str() + std::to_string(counter++);
  std::vector<std::string> outs;
  for (unsigned i = 0; i < outputs; ++i)
    outs.push_back(base + (i ? "_" + std::to_string(i) : std::string()));
  Node *n = g.createNode(k, ins, outs, base);
  for (auto &a : attrs)
    n->setAttr(a.first, std::move(a.second));
  return n;
}

static bmodel::DType runtimeDType(DType t) {
  switch (t) {
  case DType::I8:
    return bmodel::DType::I8;
  case DType::U8:
    return bmodel::DType::U8;
  case DType::I16:
    return bmodel::DType::I16;
  case DType::I32:
    return bmodel::DType::I32;
  default:
    return bmodel::DType::F32;
  }
}

static runtime::Tensor toRuntime(const Tensor &t) {
  runtime::Tensor r;
  r.dtype = runtimeDType(t.dtype());
  for (int64_t d : t.shape().dims())
    r.shape.push_back(uint64_t(d));
  r.data.assign(t.raw(), t.raw() + t.byteSize());
  return r;
}

RunFigures backendtest::compileRunCompare(Builder &b,
                                          const isa::TargetInfo &target,
                                          const backend::BackendOptions &opts) {
  INFO("target " << target.name.str());
  if (llvm::Error e = inferTypes(b.g))
    FAIL(llvm::toString(std::move(e)));
  auto cm = backend::compileToBModel(b.g, target, opts);
  if (!cm)
    FAIL(llvm::toString(cm.takeError()));
  RunFigures f;
  f.stats = cm->stats;
  auto bytes = cm->writer.serialize(cm->model);
  if (!bytes)
    FAIL(llvm::toString(bytes.takeError()));
  for (const auto &cg : cm->model.nets[0].stages[0].subnets[0].cmdGroups) {
    if (cg.gdma) {
      auto cmds = isa::decodeStream(cm->writer.bytes(*cg.gdma), cg.gdmaNum,
                                    isa::Engine::GDMA);
      if (!cmds)
        FAIL(llvm::toString(cmds.takeError()));
      f.gdma.insert(f.gdma.end(), cmds->begin(), cmds->end());
    }
    if (!cg.bdc)
      continue;
    auto cmds = isa::decodeStream(cm->writer.bytes(*cg.bdc), cg.bdcNum,
                                  isa::Engine::BDC);
    if (!cmds)
      FAIL(llvm::toString(cmds.takeError()));
    f.bdc.insert(f.bdc.end(), cmds->begin(), cmds->end());
  }
  runtime::Context rt;
  if (llvm::Error e = rt.loadBModelData(*bytes, "test.bmodel"))
    FAIL(llvm::toString(std::move(e)));

  std::vector<Tensor> ins;
  std::vector<runtime::Tensor> rins;
  for (const Value *v : b.g.inputs()) {
    auto fixed = b.inputData.find(v->name());
    auto range = b.inputRange.find(v->name());
    if (fixed != b.inputData.end())
      ins.push_back(fixed->second);
    else if (v->dtype() != DType::F32)
      ins.push_back(b.randomInts(v->shape(), v->dtype()));
    else if (range != b.inputRange.end())
      ins.push_back(b.random(v->shape(), range->second.first,
                             range->second.second));
    else
      ins.push_back(b.random(v->shape()));
    rins.push_back(toRuntime(ins.back()));
  }
  KernelContext kc(1);
  auto ref = runGraph(b.g, ins, kc);
  if (!ref)
    FAIL(llvm::toString(ref.takeError()));
  auto res = rt.launch(size_t(0), rins);
  if (!res)
    FAIL(llvm::toString(res.takeError()));
  REQUIRE(res->outputs.size() == ref->size());
  for (size_t o = 0; o < ref->size(); ++o) {
    const Tensor &r = (*ref)[o];
    const runtime::Tensor &got = res->outputs[o];
    REQUIRE(got.data.size() == r.byteSize());
    size_t eb = dtypeSize(r.dtype());
    for (int64_t i = 0; i < r.numElements(); ++i)
      if (std::memcmp(got.data.data() + size_t(i) * eb,
                      r.raw() + size_t(i) * eb, eb) != 0)
        ++f.mismatches;
    if (r.dtype() != DType::F32) {
      if (f.mismatches)
        f.maxRelErr = INFINITY;
      continue;
    }
    std::vector<float> a(size_t(r.numElements()));
    std::memcpy(a.data(), got.data.data(), got.data.size());
    double maxAbs = 0;
    for (int64_t i = 0; i < r.numElements(); ++i)
      maxAbs = std::max(maxAbs, std::fabs(double(r.data<float>()[i])));
    for (int64_t i = 0; i < r.numElements(); ++i) {
      double want = r.data<float>()[i], have = a[size_t(i)];
      double denom = std::max(std::fabs(want), std::max(1e-2 * maxAbs, 1e-30));
      double rel = std::fabs(have - want) / denom;
      if (!(rel <= f.maxRelErr))
        f.maxRelErr = std::isnan(rel) ? INFINITY : rel;
    }
  }
  f.latencyUs = res->profile.latencyUs;
  f.simWallUs = res->profile.simWallUs;
  f.cycles = res->profile.totalCycles;
  return f;
}

void backendtest::checkBothTargets(Builder &b, double tol,
                                   const backend::BackendOptions &opts) {
  for (const isa::TargetInfo *t : isa::allTargets()) {
    RunFigures f = compileRunCompare(b, *t, opts);
    INFO("target " << t->name.str() << " max relative error " << f.maxRelErr);
    CHECK(f.maxRelErr <= tol);
  }
}

void backendtest::checkBothTargetsExact(Builder &b,
                                        const backend::BackendOptions &opts) {
  for (const isa::TargetInfo *t : isa::allTargets()) {
    RunFigures f = compileRunCompare(b, *t, opts);
    INFO("target " << t->name.str() << ": " << f.mismatches
                   << " output elements differ from the reference");
    CHECK(f.mismatches == 0);
  }
}
