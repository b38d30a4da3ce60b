#include "ir/Graph.h"
#include "ir/Verifier.h"

#include <catch2/catch.hpp>

using namespace onntc;

TEST_CASE("op table is derived from Ops.def", "[ir]") {
  const OpInfo &conv = opInfo(OpKind::Conv);
  CHECK(conv.name == "Conv");
  CHECK(conv.mnemonic == "conv");
  CHECK(conv.findAttr("group")->hasDefault);
  CHECK(std::get<int64_t>(conv.findAttr("group")->defaultValue) == 1);
  CHECK(lookupOpByMnemonic("max_pool") == OpKind::MaxPool);
  CHECK(opInfo(OpKind::NonMaxSuppression).has(kCpuOnly));
  // Mnemonics are unique.
  for (const OpInfo &a : allOps())
    for (const OpInfo &b : allOps())
      if (&a != &b)
        CHECK(a.mnemonic != b.mnemonic);
}

TEST_CASE("graph construction, uses and erase", "[ir]") {
  Graph g;
  Value *x = g.addInput("x", TensorType(DType::F32, Shape{1, 3}));
  g.createNode(OpKind::Relu, {x}, {"y"}, "relu1");
  CHECK(x->uses().size() == 1);
}

TEST_CASE("replaceAllUsesWith rewires graph outputs and uses", "[ir]") {
  Graph g;
  Value *x = g.addInput("x", TensorType(DType::F32, Shape{2}));
  Node *a = g.createNode(OpKind::Identity, {x}, {"a"}, "id");
  Node *b = g.createNode(OpKind::Neg, {a->output()}, {"b"}, "neg");
  g.addOutput(b->output());
  g.replaceAllUsesWith(a->output(), x);
  CHECK(b->input(0) == x);
  CHECK(!a->output()->hasUses());
  g.eraseNode(a);
  CHECK(g.numNodes() == 1);
  CHECK(g.findValue("a") == nullptr);
  CHECK(g.uniqueName("x") == "x_1");
}

TEST_CASE("topoSort restores dependency order", "[ir]") {
  Graph g;
  Value *x = g.addInput("x", TensorType(DType::F32, Shape{2}));
  Node *a = g.createNode(OpKind::Neg, {x}, {"a"}, "a");
  Node *b = g.createNode(OpKind::Neg, {a->output()}, {"b"}, "b");
  g.moveBefore(b, a);
  CHECK(g.nodes().front().get() == b);
  REQUIRE(g.topoSort());
  CHECK(g.nodes().front().get() == a);
}
