//===- CaffeOpsTensor.cpp - Caffe activations and tensor layers -----------===//

#include "frontends/caffe/CaffeOps.h"

#include <numeric>

namespace onntc {

using namespace onntc_caffe;

using Ints = std::vector<int64_t>;

llvm::Error importUnary(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, 1))
    return e;
  return ctx.emitTop(ctx.row().kind, {ctx.bottom(0)}).takeError();
}

llvm::Error importReLU(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, 1))
    return e;
  float slope = ctx.layer().relu_param().negative_slope();
  if (slope == 0.0f)
    return ctx.emitTop(OpKind::Relu, {ctx.bottom(0)}).takeError();
  Attributes a;
  a.set("alpha", slope);
  return ctx.emitTop(OpKind::LeakyRelu, {ctx.bottom(0)}, a).takeError();
}

llvm::Error importELU(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, 1))
    return e;
  Attributes a;
  a.set("alpha", ctx.layer().elu_param().alpha());
  return ctx.emitTop(OpKind::Elu, {ctx.bottom(0)}, a).takeError();
}

llvm::Error importPower(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, 1))
    return e;
  const PowerParameter &p = ctx.layer().power_param();
  // (shift + scale * x) ^ power, each step only where it changes the value;
  // the last step produces the top.
  struct Step {
    OpKind k;
    float v;
    const char *name;
  };
  std::vector<Step> steps;
  if (p.scale() != 1.0f)
    steps.push_back({OpKind::Mul, p.scale(), "scale"});
  if (p.shift() != 0.0f)
    steps.push_back({OpKind::Add, p.shift(), "shift"});
  if (p.power() != 1.0f)
    steps.push_back({OpKind::Pow, p.power(), "power"});
  Value *x = ctx.bottom(0);
  if (steps.empty()) {
    ctx.bindTop(0, x);
    return llvm::Error::success();
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    Value *c = ctx.constFloat(steps[i].v, steps[i].name);
    auto n = i + 1 == steps.size()
                 ? ctx.emitTop(steps[i].k, {x, c})
                 : ctx.emit(steps[i].k, {x, c}, std::string(steps[i].name) + "d");
    if (!n)
      return n.takeError();
    x = (*n)->output(0);
  }
  return llvm::Error::success();
}

llvm::Error importIdentity(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, 1))
    return e;
  ctx.bindTop(0, ctx.bottom(0));
  return llvm::Error::success();
}

llvm::Error importSplit(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, ~0u))
    return e;
  for (unsigned t = 0; t < ctx.numTops(); ++t)
    ctx.bindTop(t, ctx.bottom(0));
  return llvm::Error::success();
}

llvm::Error importEltwise(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(2, ~0u, 1, 1))
    return e;
  const EltwiseParameter &p = ctx.layer().eltwise_param();
  unsigned n = ctx.numBottoms();
  for (unsigned i = 1; i < n; ++i)
    if (ctx.bottom(i)->shape() != ctx.bottom(0)->shape())
      return ctx.error("bottom " + llvm::Twine(i) + " has shape " +
                       ctx.bottom(i)->shape().str() + ", bottom 0 " +
                       ctx.bottom(0)->shape().str() +
                       " (Eltwise needs equal shapes)");
  if (p.coeff_size() && p.operation() != EltwiseParameter::SUM)
    return ctx.error("coeff is only allowed with operation SUM");
  if (p.coeff_size() && p.coeff_size() != int(n))
    return ctx.error("has " + llvm::Twine(p.coeff_size()) + " coeff(s) for " +
                     llvm::Twine(n) + " bottoms");
  std::vector<Value *> xs;
  for (unsigned i = 0; i < n; ++i) {
    Value *x = ctx.bottom(i);
    if (p.coeff_size() && p.coeff(int(i)) != 1.0f) {
      std::string s = "coeff" + std::to_string(i);
      auto m = ctx.emit(OpKind::Mul, {x, ctx.constFloat(p.coeff(int(i)), s)},
                        s + "_mul");
      if (!m)
        return m.takeError();
      x = (*m)->output(0);
    }
    xs.push_back(x);
  }
  if (p.operation() == EltwiseParameter::MAX)
    return ctx.emitTop(OpKind::Max, xs).takeError();
  OpKind k = p.operation() == EltwiseParameter::PROD ? OpKind::Mul : OpKind::Add;
  Value *acc = xs[0];
  for (unsigned i = 1; i < n; ++i) {
    auto r = i + 1 == n ? ctx.emitTop(k, {acc, xs[i]})
                        : ctx.emit(k, {acc, xs[i]}, "acc" + std::to_string(i));
    if (!r)
      return r.takeError();
    acc = (*r)->output(0);
  }
  return llvm::Error::success();
}

llvm::Error importConcat(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, ~0u, 1, 1))
    return e;
  const ConcatParameter &p = ctx.layer().concat_param();
  int64_t axis = p.has_axis() || !p.has_concat_dim() ? p.axis() : p.concat_dim();
  auto a = caffeAxis(ctx, axis, ctx.bottom(0)->shape().rank(), "axis");
  if (!a)
    return a.takeError();
  if (ctx.numBottoms() == 1) {
    ctx.bindTop(0, ctx.bottom(0));
    return llvm::Error::success();
  }
  std::vector<Value *> xs;
  for (unsigned i = 0; i < ctx.numBottoms(); ++i)
    xs.push_back(ctx.bottom(i));
  Attributes at;
  at.set("axis", *a);
  return ctx.emitTop(OpKind::Concat, xs, at).takeError();
}

/// A Slice node of `x` along `axis` from `start` to `end`.
static llvm::Expected<Node *> sliceAlong(CaffeLayerContext &ctx, Value *x,
                                         llvm::ArrayRef<int64_t> axes,
                                         llvm::ArrayRef<int64_t> starts,
                                         llvm::ArrayRef<int64_t> ends,
                                         unsigned top, llvm::StringRef tag) {
  std::string t = tag.str();
  return ctx.emitTop(OpKind::Slice,
                     {x, ctx.constInts(starts, t + "_starts"),
                      ctx.constInts(ends, t + "_ends"),
                      ctx.constInts(axes, t + "_axes")},
                     {}, top);
}

llvm::Error importSlice(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, ~0u))
    return e;
  const SliceParameter &p = ctx.layer().slice_param();
  auto xs = ctx.bottomShape(0);
  if (!xs)
    return xs.takeError();
  int64_t axisIn = p.has_axis() || !p.has_slice_dim() ? p.axis() : p.slice_dim();
  auto axis = caffeAxis(ctx, axisIn, xs->rank(), "axis");
  if (!axis)
    return axis.takeError();
  int64_t dim = (*xs)[size_t(*axis)], tops = ctx.numTops();
  Ints bounds{0};
  if (p.slice_point_size()) {
    if (p.slice_point_size() != tops - 1)
      return ctx.error(llvm::Twine(p.slice_point_size()) +
                       " slice_point(s) for " + llvm::Twine(tops) + " tops");
    for (uint32_t s : p.slice_point()) {
      if (int64_t(s) <= bounds.back() || int64_t(s) >= dim)
        return ctx.error("slice_point " + llvm::Twine(s) +
                         " is not increasing inside (0, " + llvm::Twine(dim) +
                         ")");
      bounds.push_back(s);
    }
  } else {
    if (dim % tops)
      return ctx.error("axis size " + llvm::Twine(dim) +
                       " does not split evenly into " + llvm::Twine(tops) +
                       " tops");
    for (int64_t t = 1; t < tops; ++t)
      bounds.push_back(t * (dim / tops));
  }
  bounds.push_back(dim);
  for (int64_t t = 0; t < tops; ++t)
    if (auto n = sliceAlong(ctx, ctx.bottom(0), {*axis}, {bounds[size_t(t)]},
                            {bounds[size_t(t) + 1]}, unsigned(t),
                            "s" + std::to_string(t));
        !n)
      return n.takeError();
  return llvm::Error::success();
}

static llvm::Error reshapeTo(CaffeLayerContext &ctx, const Ints &out) {
  return ctx
      .emitTop(OpKind::Reshape, {ctx.bottom(0), ctx.constInts(out, "shape")})
      .takeError();
}

llvm::Error importFlatten(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, 1))
    return e;
  const FlattenParameter &p = ctx.layer().flatten_param();
  auto xs = ctx.bottomShape(0);
  if (!xs)
    return xs.takeError();
  auto a = caffeAxis(ctx, p.axis(), xs->rank(), "axis");
  if (!a)
    return a.takeError();
  auto e = caffeAxis(ctx, p.end_axis(), xs->rank(), "end_axis");
  if (!e)
    return e.takeError();
  if (*e < *a)
    return ctx.error("end_axis comes before axis");
  Ints out(xs->dims().begin(), xs->dims().begin() + *a);
  int64_t prod = 1;
  for (int64_t i = *a; i <= *e; ++i)
    prod *= (*xs)[size_t(i)];
  out.push_back(prod);
  out.insert(out.end(), xs->dims().begin() + *e + 1, xs->dims().end());
  return reshapeTo(ctx, out);
}

llvm::Error importReshape(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, 1))
    return e;
  const ReshapeParameter &p = ctx.layer().reshape_param();
  auto xs = ctx.bottomShape(0);
  if (!xs)
    return xs.takeError();
  int64_t r = int64_t(xs->rank());
  // axis may be -1 .. r (inclusive: inserting after the last axis).
  int64_t axis = p.axis() < 0 ? p.axis() + r + 1 : p.axis();
  if (axis < 0 || axis > r)
    return ctx.error("axis " + llvm::Twine(p.axis()) + " is out of range");
  int64_t end = p.num_axes() == -1 ? r : axis + p.num_axes();
  if (p.num_axes() < -1 || end > r)
    return ctx.error("num_axes " + llvm::Twine(p.num_axes()) +
                     " does not fit the bottom " + xs->str());
  Ints mid;
  int inferAt = -1;
  for (int i = 0; i < p.shape().dim_size(); ++i) {
    int64_t d = p.shape().dim(i);
    if (d == 0) {
      if (axis + i >= r)
        return ctx.error("shape dim " + llvm::Twine(i) +
                         " is 0 (copy) but the bottom has no such axis");
      d = (*xs)[size_t(axis + i)];
    } else if (d == -1) {
      if (inferAt >= 0)
        return ctx.error("shape has more than one -1");
      inferAt = int(mid.size());
    } else if (d < -1) {
      return ctx.error("shape dim " + llvm::Twine(d) + " is invalid");
    }
    mid.push_back(d);
  }
  Ints out(xs->dims().begin(), xs->dims().begin() + axis);
  size_t midAt = out.size();
  out.insert(out.end(), mid.begin(), mid.end());
  out.insert(out.end(), xs->dims().begin() + end, xs->dims().end());
  int64_t total = xs->numElements(), known = 1;
  for (size_t i = 0; i < out.size(); ++i)
    if (inferAt < 0 || i != midAt + size_t(inferAt))
      known *= out[i];
  if (inferAt >= 0) {
    if (known == 0 || total % known)
      return ctx.error("cannot infer the -1 dim: " + llvm::Twine(total) +
                       " values do not divide by " + llvm::Twine(known));
    out[midAt + size_t(inferAt)] = total / known;
  } else if (known != total) {
    return ctx.error("the new shape holds " + llvm::Twine(known) +
                     " values, the bottom " + xs->str() + " " +
                     llvm::Twine(total));
  }
  return reshapeTo(ctx, out);
}

llvm::Error importPermute(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, 1))
    return e;
  const PermuteParameter &p = ctx.layer().permute_param();
  size_t r = ctx.bottom(0)->shape().rank();
  Ints perm;
  std::vector<bool> seen(r, false);
  for (uint32_t o : p.order()) {
    if (o >= r || seen[o])
      return ctx.error("order is not a permutation of the bottom's " +
                       llvm::Twine(r) + " axes");
    seen[o] = true;
    perm.push_back(o);
  }
  for (size_t i = 0; i < r; ++i)
    if (!seen[i])
      perm.push_back(int64_t(i));
  Attributes a;
  a.set("perm", perm);
  return ctx.emitTop(OpKind::Transpose, {ctx.bottom(0)}, a).takeError();
}

llvm::Error importSoftmax(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(1, 1, 1, 1))
    return e;
  auto a = caffeAxis(ctx, ctx.layer().softmax_param().axis(),
                     ctx.bottom(0)->shape().rank(), "axis");
  if (!a)
    return a.takeError();
  Attributes at;
  at.set("axis", *a);
  return ctx.emitTop(OpKind::Softmax, {ctx.bottom(0)}, at).takeError();
}

llvm::Error importCrop(CaffeLayerContext &ctx) {
  if (llvm::Error e = ctx.checkArity(2, 2, 1, 1))
    return e;
  const CropParameter &p = ctx.layer().crop_param();
  auto xs = ctx.bottomShape(0);
  if (!xs)
    return xs.takeError();
  auto rs = ctx.bottomShape(1);
  if (!rs)
    return rs.takeError();
  if (rs->rank() != xs->rank())
    return ctx.error("bottoms have ranks " + llvm::Twine(xs->rank()) + " and " +
                     llvm::Twine(rs->rank()));
  auto axis = caffeAxis(ctx, p.axis(), xs->rank(), "axis");
  if (!axis)
    return axis.takeError();
  int64_t n = int64_t(xs->rank()) - *axis;
  if (p.offset_size() > 1 && p.offset_size() != n)
    return ctx.error("has " + llvm::Twine(p.offset_size()) +
                     " offsets for " + llvm::Twine(n) + " cropped axes");
  Ints axes, starts, ends;
  for (int64_t i = 0; i < n; ++i) {
    int64_t ax = *axis + i;
    int64_t off = p.offset_size() == 0   ? 0
                  : p.offset_size() == 1 ? p.offset(0)
                                         : p.offset(int(i));
    int64_t len = (*rs)[size_t(ax)];
    if (off + len > (*xs)[size_t(ax)])
      return ctx.error("crop of " + llvm::Twine(len) + " at offset " +
                       llvm::Twine(off) + " exceeds axis " + llvm::Twine(ax) +
                       " of size " + llvm::Twine((*xs)[size_t(ax)]));
    axes.push_back(ax);
    starts.push_back(off);
    ends.push_back(off + len);
  }
  return sliceAlong(ctx, ctx.bottom(0), axes, starts, ends, 0, "crop")
      .takeError();
}

} // namespace onntc
