// Properties every op in ir/Ops.def must have: shape inference and a
// reference kernel, and neither may crash on odd operands (ranks, zero-size
// dims, extreme integers, wrong dtypes, bad attribute values). Where both
// inference and the kernel accept a node they must agree on the result types.
#include "ir/Graph.h"
#include "ir/Interpreter.h"

#include <catch2/catch.hpp>

#include <limits>
#include <random>

using namespace onntc;

TEST_CASE("every op has shape inference and a reference kernel", "[ir][ops]") {
  for (const OpInfo &i : allOps()) {
    INFO(i.name.str());
    CHECK(opHooks(i.kind).infer);
    CHECK(opHooks(i.kind).compute);
  }
}

namespace {

/// Random attribute values of a kind, small but including the bad cases
/// (negative, zero, wrong lengths, unknown strings).
AttrValue randomAttr(AttrKind k, std::mt19937 &rng) {
  static const int64_t ints[] = {-2, -1, 0, 1, 2, 3};
  static const char *strs[] = {
      "nearest", "linear",  "cubic", "half_pixel", "align_corners",
      "asymmetric", "floor", "tf_crop_and_resize", "ceil", "none", "tanh",
      "LEFT", "RIGHT", "constant", "reflect", "edge", "wrap", "DCR", "CRD",
      "add", "mul", "max", "x"};
  constexpr unsigned kStrs = sizeof(strs) / sizeof(strs[0]);
  switch (k) {
  case AttrKind::Int:
    return ints[rng() % 6];
  case AttrKind::Float:
    return float(int(rng() % 5) - 2) * 0.5f;
  case AttrKind::String:
    return std::string(strs[rng() % kStrs]);
  case AttrKind::Ints: {
    std::vector<int64_t> v(rng() % 5);
    for (int64_t &x : v)
      x = ints[rng() % 6];
    return v;
  }
  case AttrKind::Floats:
    return std::vector<float>{};
  case AttrKind::Strings:
    return std::vector<std::string>{};
  case AttrKind::Tensor: {
    int64_t c = int64_t(rng() % 3);
    return Tensor::fromInts(DType::I64, Shape{c},
                            std::vector<int64_t>(size_t(c), 1));
  }
  case AttrKind::Type:
    return DType(rng() % 10);
  }
  return int64_t(0);
}

} // namespace

TEST_CASE("inference and kernels survive odd operands", "[ir][ops][robust]") {
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t odd[] = {std::numeric_limits<int64_t>::min(), -kMax, -5, -2,
                         -1, 0, 1, 2, 3, 4, kMax};
  constexpr unsigned kOdd = sizeof(odd) / sizeof(odd[0]);
  const DType dts[] = {DType::F32, DType::F32, DType::I64, DType::I32,
                       DType::Bool, DType::U8, DType::F16};
  constexpr unsigned kDts = sizeof(dts) / sizeof(dts[0]);
  std::mt19937 rng(20261122);
  KernelContext ctx(2);
  int inferredOk = 0, both = 0;
  for (const OpInfo &info : allOps()) {
    OpKind k = info.kind;
    for (int trial = 0; trial < 300; ++trial) {
      int maxIn = info.maxInputs < 0 ? 4 : info.maxInputs;
      int nIn =
          info.minInputs + int(rng() % unsigned(maxIn - info.minInputs + 1));
      Graph g;
      std::vector<Value *> ins;
      std::vector<Tensor> vals;
      for (int i = 0; i < nIn; ++i) {
        if (i >= info.minInputs && rng() % 5 == 0) {
          ins.push_back(nullptr);
          vals.emplace_back();
          continue;
        }
        Shape s;
        for (unsigned r = rng() % 6; r > 0; --r)
          s.mutableDims().push_back(int64_t(rng() % 4));
        if (rng() % 3 == 0) // shape-like: short 1-D vectors
          s = Shape{int64_t(rng() % 5)};
        Tensor t(dts[rng() % kDts], s);
        for (int64_t e = 0; e < t.numElements(); ++e) {
          if (isFloat(t.dtype()))
            t.setDouble(e, double(int(rng() % 9) - 4) * 0.75);
          else
            t.setInt(e, odd[rng() % kOdd]);
        }
        std::string name = "x" + std::to_string(i);
        ins.push_back(rng() % 2 ? g.createConstant(name, t)->output()
                                : g.addInput(name, t.type()));
        vals.push_back(t);
      }
      int maxOut = info.maxOutputs < 0 ? 3 : info.maxOutputs;
      unsigned nOut = unsigned(info.minOutputs) +
                      unsigned(rng() % unsigned(maxOut - info.minOutputs + 1));
      Node *n = g.createNode(k, ins, std::vector<std::string>(nOut), "n");
      for (const AttrSpec &a : info.attrs)
        if (rng() % 3 != 0)
          n->setAttr(a.name, randomAttr(a.kind, rng));
      INFO(info.name.str() << " trial " << trial);
      llvm::Error e = opHooks(k).infer(*n);
      bool inferred = !e;
      llvm::consumeError(std::move(e));
      inferredOk += inferred;
      auto r = runNode(*n, vals, ctx);
      if (!r) {
        llvm::consumeError(r.takeError());
        continue;
      }
      if (!inferred)
        continue;
      ++both;
      for (unsigned o = 0; o < n->numOutputs(); ++o) {
        const TensorType &t = n->output(o)->type();
        const Tensor &v = (*r)[o];
        REQUIRE(v.isValid());
        CHECK(v.dtype() == t.dtype);
        REQUIRE(v.shape().rank() == t.shape.rank());
        for (size_t d = 0; d < t.shape.rank(); ++d)
          if (t.shape[d] >= 0)
            CHECK(v.shape()[d] == t.shape[d]);
      }
    }
  }
  // The generator must reach the success paths, not only the errors.
  INFO("inferred " << inferredOk << ", inferred and ran " << both);
  CHECK(inferredOk > 8000);
  CHECK(both > 7000);
}
