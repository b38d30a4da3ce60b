//===- OnnxOpsEinsum.cpp - Einsum as MatMul / Transpose / Reshape ---------===//
//
// The IR has no Einsum. Equations with one or two operands, no ellipsis and
// no repeated letter within an operand (e.g. "ij,jk->ik", "bij,bjk->bik",
// "bhid,bhjd->bhij", "ij->ji", "ij->i", "i,i") are rewritten as:
//   sum out letters that only one operand has and the output lacks
//   (ReduceSum) -> transpose each operand to [batch, free, contracted] /
//   [batch, contracted, free] -> reshape to 3-D groups -> MatMul -> reshape
//   -> transpose to the output order.
// Other equations are reported as unsupported.
//
//===----------------------------------------------------------------------===//

#include "frontends/onnx/OnnxOps.h"

#include "llvm/ADT/StringExtras.h"

#include <map>

namespace onntc {

namespace {

/// Emits the chain of steps; the last step becomes the ONNX node's output.
class Chain {
public:
  explicit Chain(OnnxNodeContext &ctx) : ctx_(ctx) {}

  struct Step {
    OpKind kind;
    std::vector<Value *> inputs; ///< null entries are "the previous result"
    Attributes attrs;
    std::string suffix;
  };

  /// Runs the steps; intermediate ones via emit(), the last via emitFinal().
  llvm::Error run(std::vector<Step> steps, Value *start) {
    Value *prev = start;
    if (steps.empty())
      steps.push_back({OpKind::Identity, {nullptr}, {}, "id"});
    for (size_t i = 0; i < steps.size(); ++i) {
      Step &s = steps[i];
      for (Value *&v : s.inputs)
        if (!v)
          v = prev;
      llvm::Expected<Node *> n =
          i + 1 == steps.size()
              ? ctx_.emitFinal(s.kind, s.inputs, s.attrs)
              : ctx_.emit(s.kind, s.inputs, s.suffix, 1, s.attrs);
      if (!n)
        return n.takeError();
      prev = (*n)->output();
    }
    return llvm::Error::success();
  }

private:
  OnnxNodeContext &ctx_;
};

/// Steps that sum out `drop` letters of `letters` (updated in place).
void reduceLetters(std::string &letters, const std::string &keep,
                   std::vector<Chain::Step> &steps, const char *suffix) {
  std::vector<int64_t> axes;
  std::string rest;
  for (size_t i = 0; i < letters.size(); ++i) {
    if (keep.find(letters[i]) == std::string::npos)
      axes.push_back(int64_t(i));
    else
      rest += letters[i];
  }
  if (axes.empty())
    return;
  Attributes a;
  a.set("axes", axes);
  a.set("keepdims", int64_t(0));
  steps.push_back({OpKind::ReduceSum, {nullptr}, a, suffix});
  letters = rest;
}

/// A Transpose step from `from` letter order to `to`, if they differ.
void transposeTo(const std::string &from, const std::string &to,
                 std::vector<Chain::Step> &steps, const char *suffix) {
  if (from == to)
    return;
  std::vector<int64_t> perm;
  for (char c : to)
    perm.push_back(int64_t(from.find(c)));
  Attributes a;
  a.set("perm", perm);
  steps.push_back({OpKind::Transpose, {nullptr}, a, suffix});
}

} // namespace

llvm::Error importEinsum(OnnxNodeContext &ctx) {
  if (llvm::Error e = ctx.checkAttrs({"equation"}))
    return e;
  auto eqAttr = ctx.attrString("equation", "");
  if (!eqAttr)
    return eqAttr.takeError();
  std::string eq;
  for (char c : *eqAttr)
    if (!llvm::isSpace(c))
      eq += c;
  if (eq.find("...") != std::string::npos)
    return ctx.unsupported("equation '" + eq + "': ellipsis is not supported");
  llvm::StringRef lhs = eq, out;
  bool explicitOut = llvm::StringRef(eq).contains("->");
  if (explicitOut)
    std::tie(lhs, out) = llvm::StringRef(eq).split("->");
  llvm::SmallVector<llvm::StringRef, 2> ops;
  lhs.split(ops, ',');
  if (ops.size() != ctx.numInputs())
    return ctx.error("equation '" + eq + "' has " + llvm::Twine(ops.size()) +
                     " operands but the node has " +
                     llvm::Twine(ctx.numInputs()) + " inputs");
  if (ops.size() > 2)
    return ctx.unsupported("equation '" + eq +
                           "': only one or two operands are supported");
  std::map<char, int> count;
  for (llvm::StringRef op : ops) {
    for (char c : op) {
      if (!llvm::isAlpha(c))
        return ctx.error("equation '" + eq + "': bad character '" +
                         std::string(1, c) + "'");
      if (op.count(c) > 1)
        return ctx.unsupported("equation '" + eq +
                               "': a letter repeated within one operand "
                               "(diagonal/trace) is not supported");
      ++count[c];
    }
  }
  std::string o;
  if (explicitOut) {
    o = out.str();
  } else {
    for (auto &[c, n] : count) // implicit form: letters seen once, sorted
      if (n == 1)
        o += c;
  }
  for (char c : o)
    if (!count.count(c) || llvm::StringRef(o).count(c) > 1)
      return ctx.error("equation '" + eq + "': output letter '" +
                       std::string(1, c) + "' is invalid");

  auto a = ctx.requireInput(0, "Inputs[0]");
  if (!a)
    return a.takeError();
  std::string la = ops[0].str();
  if ((*a)->shape().rank() != la.size())
    return ctx.error("equation operand '" + la +
                     "' does not match input rank " +
                     llvm::Twine((*a)->shape().rank()));

  Chain chain(ctx);
  if (ops.size() == 1) {
    std::vector<Chain::Step> steps;
    reduceLetters(la, o, steps, "sum");
    transposeTo(la, o, steps, "perm");
    return chain.run(steps, *a);
  }

  auto b = ctx.requireInput(1, "Inputs[1]");
  if (!b)
    return b.takeError();
  std::string lb = ops[1].str();
  if ((*b)->shape().rank() != lb.size())
    return ctx.error("equation operand '" + lb +
                     "' does not match input rank " +
                     llvm::Twine((*b)->shape().rank()));
  if (!(*a)->shape().isStatic() || !(*b)->shape().isStatic())
    return ctx.unsupported("equation '" + eq + "' needs static operand shapes");
  std::map<char, int64_t> dim;
  for (size_t i = 0; i < la.size(); ++i)
    dim[la[i]] = (*a)->shape()[i];
  for (size_t i = 0; i < lb.size(); ++i)
    dim[lb[i]] = std::max(dim[lb[i]], (*b)->shape()[i]);

  auto in = [](const std::string &s, char c) {
    return s.find(c) != std::string::npos;
  };
  // Letters a single operand can sum out before the product.
  std::string keepA, keepB;
  for (char c : la)
    if (in(lb, c) || in(o, c))
      keepA += c;
  for (char c : lb)
    if (in(la, c) || in(o, c))
      keepB += c;
  std::string batch, con, freeA, freeB;
  for (char c : o)
    if (in(la, c) && in(lb, c))
      batch += c;
  for (char c : keepA) {
    if (in(lb, c) && !in(o, c))
      con += c;
    else if (!in(lb, c))
      freeA += c;
  }
  for (char c : keepB)
    if (!in(la, c))
      freeB += c;

  auto prod = [&](const std::string &s) {
    int64_t p = 1;
    for (char c : s)
      p *= dim[c];
    return p;
  };
  auto dimsOf = [&](const std::string &s) {
    std::vector<int64_t> d;
    for (char c : s)
      d.push_back(dim[c]);
    return d;
  };
  // Operand A -> [batch, M, K], operand B -> [batch, K, N].
  auto prepare = [&](Value *v, std::string letters, const std::string &keep,
                     const std::string &order,
                     const std::vector<int64_t> &shape3,
                     const char *tag) -> llvm::Expected<Value *> {
    std::vector<Chain::Step> steps;
    reduceLetters(letters, keep, steps, "sum");
    transposeTo(letters, order, steps, "perm");
    for (Chain::Step &s : steps) {
      for (Value *&x : s.inputs)
        if (!x)
          x = v;
      auto n = ctx.emit(s.kind, s.inputs, std::string(tag) + "_" + s.suffix, 1,
                        s.attrs);
      if (!n)
        return n.takeError();
      v = (*n)->output();
    }
    if (dimsOf(order) != shape3) {
      auto n = ctx.emit(OpKind::Reshape,
                        {v, ctx.constInts(shape3, std::string(tag) + "_shape")},
                        std::string(tag) + "_3d");
      if (!n)
        return n.takeError();
      v = (*n)->output();
    }
    return v;
  };
  std::vector<int64_t> shapeA = dimsOf(batch), shapeB = dimsOf(batch);
  shapeA.push_back(prod(freeA));
  shapeA.push_back(prod(con));
  shapeB.push_back(prod(con));
  shapeB.push_back(prod(freeB));
  auto pa = prepare(*a, la, keepA, batch + freeA + con, shapeA, "a");
  if (!pa)
    return pa.takeError();
  auto pb = prepare(*b, lb, keepB, batch + con + freeB, shapeB, "b");
  if (!pb)
    return pb.takeError();

  std::vector<Chain::Step> steps;
  steps.push_back({OpKind::MatMul, {*pa, *pb}, {}, "matmul"});
  std::string got = batch + freeA + freeB;
  std::vector<int64_t> mm = dimsOf(batch);
  mm.push_back(prod(freeA));
  mm.push_back(prod(freeB));
  if (mm != dimsOf(got))
    steps.push_back({OpKind::Reshape,
                     {nullptr, ctx.constInts(dimsOf(got), "out_shape")},
                     {},
                     "unflat"});
  transposeTo(got, o, steps, "out_perm");
  Value *none = nullptr;
  return chain.run(steps, none);
}

} // namespace onntc
