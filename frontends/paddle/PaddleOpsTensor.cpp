//===- PaddleOpsTensor.cpp - reshape2, transpose2, concat, flatten --------===//

#include "frontends/paddle/PaddleContext.h"

namespace onntc {

#define TRY(var, expr)                                                         \
  auto var##OrErr = (expr);                                                    \
  if (!var##OrErr)                                                             \
    return var##OrErr.takeError();                                             \
  auto var = std::move(*var##OrErr)

/// feed and fetch are handled by the importer itself (they name the inputs
/// and outputs); their rows make them count as supported.
llvm::Error importFeedFetch(PaddleOpContext &) { return llvm::Error::success(); }

/// reshape2: the `shape` attribute with Paddle's 0 (copy the input dim) and
/// -1 (infer), which are the IR Reshape's rules (allowzero = 0).
llvm::Error importReshape2(PaddleOpContext &ctx) {
  TRY(x, ctx.input("X"));
  std::vector<int64_t> shape;
  if (ctx.hasInput("Shape") || ctx.hasInput("ShapeTensor")) {
    const char *slot = ctx.hasInput("Shape") ? "Shape" : "ShapeTensor";
    TRY(vals, ctx.inputList(slot));
    for (Value *v : vals) {
      const Tensor *t = v->constantValue();
      if (!t || isFloat(t->dtype()))
        return ctx.unsupported(llvm::Twine("a computed ") + slot +
                               " input is not supported (only the shape "
                               "attribute or a constant)");
      for (int64_t d : t->toInts())
        shape.push_back(d);
    }
  } else {
    TRY(s, ctx.attrInts("shape"));
    shape = s;
  }
  if (shape.empty())
    return ctx.error("reshape2 has no shape");
  int minus = 0;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < -1)
      return ctx.error("shape[" + llvm::Twine(i) + "] = " +
                       llvm::Twine(shape[i]) + " is not valid");
    if (shape[i] == -1)
      ++minus;
    if (shape[i] == 0 && i >= x->shape().rank())
      return ctx.error("shape[" + llvm::Twine(i) +
                       "] = 0 copies a dim the input does not have (" +
                       x->shape().str() + ")");
  }
  if (minus > 1)
    return ctx.error("shape has more than one -1");
  TRY(out, ctx.emitOut(OpKind::Reshape, {x, ctx.constInts(shape, "shape")}));
  (void)out;
  return llvm::Error::success();
}

llvm::Error importTranspose2(PaddleOpContext &ctx) {
  TRY(x, ctx.input("X"));
  TRY(perm, ctx.attrInts("axis"));
  if (perm.size() != x->shape().rank())
    return ctx.error("axis has " + llvm::Twine(perm.size()) +
                     " entries for a " + x->shape().str() + " input");
  Attributes a;
  a.set("perm", perm);
  TRY(out, ctx.emitOut(OpKind::Transpose, {x}, a));
  (void)out;
  return llvm::Error::success();
}

llvm::Error importConcat(PaddleOpContext &ctx) {
  if (ctx.hasInput("AxisTensor"))
    return ctx.unsupported("an AxisTensor input is not supported (only the "
                           "axis attribute)");
  TRY(xs, ctx.inputList("X"));
  TRY(axis, ctx.attrInt("axis", 0));
  Attributes a;
  a.set("axis", axis);
  TRY(out, ctx.emitOut(OpKind::Concat, xs, a));
  (void)out;
  return llvm::Error::success();
}

/// flatten_contiguous_range: dims start_axis..stop_axis become one.
llvm::Error importFlattenRange(PaddleOpContext &ctx) {
  TRY(x, ctx.input("X"));
  TRY(start, ctx.attrInt("start_axis", 1));
  TRY(stop, ctx.attrInt("stop_axis", -1));
  const Shape &s = x->shape();
  int64_t r = int64_t(s.rank());
  if (r == 0)
    return ctx.error("cannot flatten a scalar");
  if (start < 0)
    start += r;
  if (stop < 0)
    stop += r;
  if (start < 0 || stop >= r || start > stop)
    return ctx.error("start_axis/stop_axis select no dims of a " + s.str() +
                     " input");
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < start; ++i)
    dims.push_back(0); // copy
  int64_t prod = 1;
  for (int64_t i = start; i <= stop; ++i)
    prod = (s[size_t(i)] < 0 || prod < 0) ? -1 : prod * s[size_t(i)];
  dims.push_back(prod);
  for (int64_t i = stop + 1; i < r; ++i) {
    if (s[size_t(i)] < 0 && prod < 0)
      return ctx.error("needs static dims after stop_axis (give --shapes)");
    dims.push_back(s[size_t(i)] < 0 ? -1 : s[size_t(i)]);
  }
  TRY(out, ctx.emitOut(OpKind::Reshape, {x, ctx.constInts(dims, "shape")}));
  (void)out;
  return llvm::Error::success();
}

llvm::Error importFlatten2(PaddleOpContext &ctx) {
  TRY(x, ctx.input("X"));
  TRY(axis, ctx.attrInt("axis", 1));
  Attributes a;
  a.set("axis", axis);
  TRY(out, ctx.emitOut(OpKind::Flatten, {x}, a));
  (void)out;
  return llvm::Error::success();
}

} // namespace onntc
