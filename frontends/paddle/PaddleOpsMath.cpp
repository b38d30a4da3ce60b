//===- PaddleOpsMath.cpp - elementwise_*, scale, mul, matmul, fc ----------===//

#include "frontends/paddle/PaddleContext.h"

namespace onntc {

#define TRY(var, expr)                                                         \
  auto var##OrErr = (expr);                                                    \
  if (!var##OrErr)                                                             \
    return var##OrErr.takeError();                                             \
  auto var = std::move(*var##OrErr)

/// Reshapes `v` to `dims` (-1 and 0 as in the IR's Reshape); a constant is
/// reshaped in place of a Reshape node.
static llvm::Expected<Value *> reshapeTo(PaddleOpContext &ctx, Value *v,
                                         llvm::ArrayRef<int64_t> dims,
                                         llvm::StringRef suffix) {
  if (const Tensor *t = v->constantValue()) {
    bool exact = true;
    for (int64_t d : dims)
      exact &= d > 0;
    Shape s(dims);
    if (exact && s.numElements() == t->numElements())
      return ctx.constant(t->reshaped(s), suffix);
  }
  return ctx.emit(OpKind::Reshape, {v, ctx.constInts(dims, suffix.str() + "_shape")},
                  suffix);
}

/// Paddle's `axis` rule for elementwise ops: the lower-rank operand, with its
/// trailing 1-dims trimmed, lines up with the other's dims from `axis` on
/// (-1: the trailing dims, i.e. numpy broadcasting). Returns the operand
/// reshaped so that numpy broadcasting gives the same result.
static llvm::Expected<Value *> alignForAxis(PaddleOpContext &ctx, Value *big,
                                            Value *small, int64_t axis,
                                            llvm::StringRef suffix) {
  size_t rb = big->shape().rank(), rs = small->shape().rank();
  if (axis == -1 || rs == rb)
    return small;
  if (axis < 0)
    axis += int64_t(rb);
  llvm::SmallVector<int64_t, 6> dims(small->shape().dims().begin(),
                                     small->shape().dims().end());
  while (!dims.empty() && dims.back() == 1)
    dims.pop_back();
  if (axis < 0 || axis + int64_t(dims.size()) > int64_t(rb))
    return ctx.error("axis=" + llvm::Twine(axis) + " does not fit a " +
                     small->shape().str() + " operand to a " +
                     big->shape().str() + " one");
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t b = big->shape()[size_t(axis) + i];
    if (dims[i] != 1 && b >= 0 && dims[i] >= 0 && dims[i] != b)
      return ctx.error("operand " + small->shape().str() +
                       " does not match " + big->shape().str() +
                       " at axis " + llvm::Twine(axis));
  }
  std::vector<int64_t> target;
  for (int64_t d : dims)
    target.push_back(d < 0 ? 0 : d);
  while (int64_t(target.size()) < int64_t(rb) - axis)
    target.push_back(1);
  if (target.size() == rs && std::equal(target.begin(), target.end(),
                                        small->shape().dims().begin()))
    return small;
  // A 0 (dynamic dim) copies the dim at the same index, which holds here
  // because the kept dims are a prefix.
  return reshapeTo(ctx, small, target, suffix);
}

llvm::Error importElementwise(PaddleOpContext &ctx) {
  TRY(x, ctx.input("X"));
  TRY(y, ctx.input("Y"));
  TRY(axis, ctx.attrInt("axis", -1));
  if (y->shape().rank() < x->shape().rank()) {
    TRY(ya, alignForAxis(ctx, x, y, axis, "y"));
    y = ya;
  } else if (x->shape().rank() < y->shape().rank()) {
    TRY(xa, alignForAxis(ctx, y, x, axis, "x"));
    x = xa;
  }
  TRY(out, ctx.emitOut(ctx.row().kind, {x, y}));
  (void)out;
  return llvm::Error::success();
}

/// scale: scale * x + bias, or scale * (x + bias) without bias_after_scale.
llvm::Error importScale(PaddleOpContext &ctx) {
  if (ctx.hasInput("ScaleTensor"))
    return ctx.unsupported("a ScaleTensor input is not supported (only the "
                           "scale attribute)");
  TRY(x, ctx.input("X"));
  TRY(scale, ctx.attrFloat("scale", 1.0f));
  TRY(bias, ctx.attrFloat("bias", 0.0f));
  TRY(after, ctx.attrBool("bias_after_scale", true));
  if (!isFloat(x->dtype()))
    return ctx.unsupported("scale of a " + dtypeName(x->dtype()) +
                           " tensor is not supported");
  if (scale == 1.0f && bias == 0.0f)
    return ctx.bindOutput("Out", x);
  Value *cur = x;
  if (!after && bias != 0.0f) {
    TRY(v, ctx.emit(OpKind::Add, {cur, ctx.constFloat(bias, "bias")}, "biased"));
    cur = v;
    bias = 0.0f;
  }
  if (bias == 0.0f) {
    TRY(out, ctx.emitOut(OpKind::Mul, {cur, ctx.constFloat(scale, "scale")}));
    (void)out;
    return llvm::Error::success();
  }
  if (scale != 1.0f) {
    TRY(v, ctx.emit(OpKind::Mul, {cur, ctx.constFloat(scale, "scale")},
                    "scaled"));
    cur = v;
  }
  TRY(out, ctx.emitOut(OpKind::Add, {cur, ctx.constFloat(bias, "bias")}));
  (void)out;
  return llvm::Error::success();
}

/// Flattens `v` to 2-D at `axis` ([prod(dims[:axis]), prod(dims[axis:])]).
static llvm::Expected<Value *> to2d(PaddleOpContext &ctx, Value *v,
                                    int64_t axis, llvm::StringRef what,
                                    llvm::StringRef suffix) {
  int64_t r = int64_t(v->shape().rank());
  if (axis < 1 || axis >= r)
    return ctx.error(what + "=" + llvm::Twine(axis) + " is outside [1, " +
                     llvm::Twine(r - 1) + "] for a " + v->shape().str() +
                     " operand");
  if (r == 2 && axis == 1)
    return v;
  if (const Tensor *t = v->constantValue()) {
    int64_t rows = 1;
    for (int64_t i = 0; i < axis; ++i)
      rows *= t->shape()[size_t(i)];
    return ctx.constant(t->reshaped(Shape{rows, t->numElements() / rows}),
                        suffix);
  }
  Attributes a;
  a.set("axis", axis);
  return ctx.emit(OpKind::Flatten, {v}, suffix, a);
}

/// The result of a 2-D product reshaped to lead ++ [n] where needed.
static llvm::Error finishFlatProduct(PaddleOpContext &ctx, Value *prod,
                                     llvm::ArrayRef<int64_t> lead,
                                     llvm::ArrayRef<int64_t> tail) {
  std::vector<int64_t> dims(lead.begin(), lead.end());
  dims.insert(dims.end(), tail.begin(), tail.end());
  if (dims.size() == 2 && prod->shape().rank() == 2 &&
      (dims[0] == prod->shape()[0] || dims[0] < 0) &&
      dims[1] == prod->shape()[1])
    return ctx.bindOutput("Out", prod);
  int unknown = 0;
  for (int64_t &d : dims)
    if (d < 0) {
      d = -1;
      ++unknown;
    }
  if (unknown > 1)
    return ctx.error("the output shape needs static input dims (give "
                     "--shapes)");
  TRY(out, ctx.emitOut(OpKind::Reshape,
                       {prod, ctx.constInts(dims, "out_shape")}));
  (void)out;
  return llvm::Error::success();
}

/// mul: X flattened at x_num_col_dims times Y flattened at y_num_col_dims;
/// the result has X's leading and Y's trailing dims.
llvm::Error importMul(PaddleOpContext &ctx) {
  TRY(x, ctx.input("X"));
  TRY(y, ctx.input("Y"));
  TRY(xn, ctx.attrInt("x_num_col_dims", 1));
  TRY(yn, ctx.attrInt("y_num_col_dims", 1));
  TRY(x2, to2d(ctx, x, xn, "x_num_col_dims", "x2d"));
  TRY(y2, to2d(ctx, y, yn, "y_num_col_dims", "y2d"));
  std::vector<int64_t> lead(x->shape().dims().begin(),
                            x->shape().dims().begin() + xn);
  std::vector<int64_t> tail(y->shape().dims().begin() + yn,
                            y->shape().dims().end());
  if (lead.size() == 1 && tail.size() == 1) {
    TRY(out, ctx.emitOut(OpKind::MatMul, {x2, y2}));
    (void)out;
    return llvm::Error::success();
  }
  TRY(prod, ctx.emit(OpKind::MatMul, {x2, y2}, "matmul"));
  return finishFlatProduct(ctx, prod, lead, tail);
}

/// Swaps the last two dims (a no-op for 1-D operands, as in Paddle).
static llvm::Expected<Value *> transposeLast2(PaddleOpContext &ctx, Value *v,
                                              llvm::StringRef suffix) {
  size_t r = v->shape().rank();
  if (r < 2)
    return v;
  std::vector<int64_t> perm;
  for (size_t i = 0; i < r; ++i)
    perm.push_back(int64_t(i));
  std::swap(perm[r - 1], perm[r - 2]);
  Attributes a;
  a.set("perm", perm);
  return ctx.emit(OpKind::Transpose, {v}, suffix, a);
}

static llvm::Error matmulCommon(PaddleOpContext &ctx, bool tx, bool ty,
                                float alpha) {
  TRY(x, ctx.input("X"));
  TRY(y, ctx.input("Y"));
  if (tx) {
    TRY(v, transposeLast2(ctx, x, "xT"));
    x = v;
  }
  if (ty) {
    TRY(v, transposeLast2(ctx, y, "yT"));
    y = v;
  }
  if (alpha == 1.0f) {
    TRY(out, ctx.emitOut(OpKind::MatMul, {x, y}));
    (void)out;
    return llvm::Error::success();
  }
  TRY(prod, ctx.emit(OpKind::MatMul, {x, y}, "matmul"));
  TRY(out, ctx.emitOut(OpKind::Mul, {prod, ctx.constFloat(alpha, "alpha")}));
  (void)out;
  return llvm::Error::success();
}

llvm::Error importMatmul(PaddleOpContext &ctx) {
  TRY(tx, ctx.attrBool("transpose_X", false));
  TRY(ty, ctx.attrBool("transpose_Y", false));
  TRY(alpha, ctx.attrFloat("alpha", 1.0f));
  for (const char *fused : {"fused_reshape_X", "fused_reshape_Y",
                            "fused_transpose_X", "fused_transpose_Y",
                            "fused_reshape_Out", "fused_transpose_Out"}) {
    TRY(v, ctx.attrInts(fused));
    if (!v.empty())
      return ctx.unsupported(llvm::Twine(fused) +
                             " (oneDNN fusion) is not supported");
  }
  return matmulCommon(ctx, tx, ty, alpha);
}

llvm::Error importMatmulV2(PaddleOpContext &ctx) {
  TRY(tx, ctx.attrBool("trans_x", false));
  TRY(ty, ctx.attrBool("trans_y", false));
  return matmulCommon(ctx, tx, ty, 1.0f);
}

/// fc: Input flattened at in_num_col_dims, times W, plus Bias, then the
/// optional relu; the result keeps Input's leading dims.
llvm::Error importFc(PaddleOpContext &ctx) {
  TRY(x, ctx.input("Input"));
  TRY(w, ctx.input("W"));
  TRY(k, ctx.attrInt("in_num_col_dims", 1));
  TRY(act, ctx.attrString("activation_type", ""));
  TRY(padW, ctx.attrBool("padding_weights", false));
  if (act != "" && act != "relu")
    return ctx.unsupported("activation_type=" + act +
                           " is not supported (only relu)");
  if (padW)
    return ctx.unsupported("padding_weights=true is not supported");
  if (w->shape().rank() != 2)
    return ctx.error("W must be 2-D, got " + w->shape().str());
  TRY(x2, to2d(ctx, x, k, "in_num_col_dims", "x2d"));
  TRY(cur, ctx.emit(OpKind::MatMul, {x2, w}, "matmul"));
  if (ctx.hasInput("Bias")) {
    TRY(b, ctx.input("Bias"));
    TRY(v, ctx.emit(OpKind::Add, {cur, b}, "bias"));
    cur = v;
  }
  if (act == "relu") {
    TRY(v, ctx.emit(OpKind::Relu, {cur}, "relu"));
    cur = v;
  }
  std::vector<int64_t> lead(x->shape().dims().begin(),
                            x->shape().dims().begin() + k);
  return finishFlatProduct(ctx, cur, lead, {w->shape()[1]});
}

} // namespace onntc
