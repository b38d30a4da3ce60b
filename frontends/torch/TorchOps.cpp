//===- TorchOps.cpp - the TorchScript op table, structure and shape ops ---===//
//
// One sorted row per node kind. Numbers (ints, floats, bools) stay on the
// host: arithmetic on them folds at import, so the shape code of traced
// graphs (aten::size, prim::NumToTensor, aten::Int, view) needs no IR.
//
//===----------------------------------------------------------------------===//
#include "frontends/torch/TorchContext.h"

#include "ir/Diagnostics.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <optional>

namespace onntc {

using Ctx = TorchOpContext;

llvm::StringRef torchBaseName(const TorchOpContext &ctx) {
  llvm::StringRef k = ctx.node().kind;
  k = k.substr(k.find("::") + 2);
  if (k.endswith("_") && !k.startswith("_"))
    k = k.drop_back();
  return k;
}

std::vector<int64_t> torchRepeat(std::vector<int64_t> v, size_t n) {
  if (v.size() == 1 && n > 1)
    v.assign(n, v[0]);
  return v;
}

namespace {

int64_t normAxis(int64_t a, size_t rank) {
  return a < 0 ? a + int64_t(rank) : a;
}

//===----------------------------------------------------------------------===//
// Structure and numbers
//===----------------------------------------------------------------------===//

llvm::Error importListConstruct(Ctx &ctx) {
  TVal v;
  v.kind = ctx.node().kind == "prim::TupleConstruct" ? TVal::Tuple : TVal::List;
  for (unsigned i = 0; i < ctx.numInputs(); ++i)
    v.items.push_back(ctx.in(i));
  ctx.setOut(0, std::move(v));
  return llvm::Error::success();
}

llvm::Error importListUnpack(Ctx &ctx) {
  const TVal &v = ctx.in(0);
  if (v.kind != TVal::List && v.kind != TVal::Tuple)
    return ctx.error("input is not a list or tuple");
  if (v.items.size() != ctx.numOutputs())
    return ctx.error("unpacks " + llvm::Twine(ctx.numOutputs()) +
                     " values from a sequence of " +
                     llvm::Twine(v.items.size()));
  std::vector<TVal> items = v.items;
  for (unsigned i = 0; i < ctx.numOutputs(); ++i)
    ctx.setOut(i, items[i]);
  return llvm::Error::success();
}

llvm::Error importGetAttr(Ctx &ctx) {
  return ctx.error("a module attribute that freezing could not fold into a "
                   "constant (an interface or an attribute mutated in "
                   "forward); make it a constant or trace the model");
}

/// prim::NumToTensor, aten::Int, aten::Float, aten::ScalarImplicit: a number
/// passes through (a 0-d constant tensor becomes its number).
llvm::Error importNumber(Ctx &ctx) {
  const TVal &v = ctx.in(0);
  if (v.isNumber()) {
    TVal out = v;
    if (ctx.node().kind == "aten::Int") {
      out = TVal::integer(int64_t(v.number()));
    } else if (ctx.node().kind == "aten::Float") {
      out = TVal::real(v.number());
    }
    ctx.setOut(0, out);
    return llvm::Error::success();
  }
  auto d = ctx.floatArg(0);
  if (!d)
    return ctx.error("a number computed from tensor data at run time is not "
                     "supported (" + llvm::toString(d.takeError()) + ")");
  bool isInt = ctx.node().kind == "aten::Int" ||
               (v.kind == TVal::Tensor && v.v->dtype() != DType::F32 &&
                ctx.node().kind != "aten::Float");
  ctx.setOut(0, isInt ? TVal::integer(int64_t(*d)) : TVal::real(*d));
  return llvm::Error::success();
}

llvm::Error importSize(Ctx &ctx) {
  auto shape = ctx.shapeOf(0);
  if (!shape)
    return shape.takeError();
  if (ctx.numInputs() == 1) {
    TVal l;
    l.kind = TVal::List;
    for (int64_t d : shape->dims())
      l.items.push_back(TVal::integer(d));
    ctx.setOut(0, l);
    return llvm::Error::success();
  }
  auto dim = ctx.intArg(1);
  if (!dim)
    return dim.takeError();
  int64_t a = normAxis(*dim, shape->rank());
  if (a < 0 || a >= int64_t(shape->rank()))
    return ctx.error("dim " + llvm::Twine(*dim) + " out of range for " +
                     shape->str());
  ctx.setOut(0, TVal::integer((*shape)[size_t(a)]));
  return llvm::Error::success();
}

} // namespace

/// A number, or a one-element constant tensor (traced graphs turn Python
/// ints into 0-d tensors) seen as one.
std::optional<TVal> asNumber(const TVal &v) {
  if (v.isNumber())
    return v;
  if (v.kind != TVal::Tensor)
    return std::nullopt;
  const Tensor *t = v.v->constantValue();
  if (!t || t->numElements() != 1)
    return std::nullopt;
  if (t->dtype() == DType::F32 || t->dtype() == DType::F16 ||
      t->dtype() == DType::BF16)
    return TVal::real(t->getDouble(0));
  return TVal::integer(t->getInt(0));
}

bool foldTorchNumbers(Ctx &ctx, llvm::StringRef op, llvm::Error &err) {
  std::optional<TVal> na = asNumber(ctx.in(0)), nb = asNumber(ctx.in(1));
  if (!na || !nb || (!ctx.in(0).isNumber() && !ctx.in(1).isNumber() &&
                     op != "floordiv" && op != "floor_divide" &&
                     op != "remainder"))
    return false;
  const TVal &a = *na, &b = *nb;
  double alpha = 1;
  if ((op == "add" || op == "sub" || op == "rsub") && ctx.numInputs() > 2 &&
      ctx.in(2).isNumber())
    alpha = ctx.in(2).number();
  bool ints = a.kind != TVal::Float && b.kind != TVal::Float && alpha == 1;
  double x = a.number(), y = b.number(), r = 0;
  if (op == "add")
    r = x + alpha * y;
  else if (op == "sub")
    r = x - alpha * y;
  else if (op == "rsub")
    r = y - alpha * x;
  else if (op == "mul")
    r = x * y;
  else if (op == "div" || op == "floordiv" || op == "floor_divide" ||
           op == "remainder") {
    if (y == 0) {
      err = ctx.error("division by zero in a constant expression");
      return true;
    }
    if (op == "div") {
      r = x / y;
      ints = false;
      if (ctx.numInputs() > 2 && ctx.in(2).kind == TVal::String) {
        r = ctx.in(2).s == "floor" ? std::floor(r) : std::trunc(r);
        ints = a.kind != TVal::Float && b.kind != TVal::Float;
      }
    } else if (op == "remainder") {
      r = x - std::floor(x / y) * y;
    } else {
      r = std::floor(x / y);
    }
  }
  ctx.setOut(0, ints ? TVal::integer(int64_t(r)) : TVal::real(r));
  err = llvm::Error::success();
  return true;
}

namespace {

//===----------------------------------------------------------------------===//
// Shapes and data movement
//===----------------------------------------------------------------------===//

llvm::Error reshapeTo(Ctx &ctx, Value *x, std::vector<int64_t> dims) {
  int64_t known = 1, neg = -1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1) {
      if (neg >= 0)
        return ctx.error("more than one -1 in the shape");
      neg = int64_t(i);
    } else {
      known *= dims[i];
    }
  }
  int64_t n = x->shape().numElements();
  if (neg >= 0) {
    if (known == 0 || n % known != 0)
      return ctx.error("cannot infer -1 for " + x->shape().str());
    dims[size_t(neg)] = n / known;
  }
  return ctx.emitOut(OpKind::Reshape, {x, ctx.constInts(dims, "shape")});
}

llvm::Error importView(Ctx &ctx) {
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  auto dims = ctx.intsArg(1);
  if (!dims)
    return dims.takeError();
  return reshapeTo(ctx, *x, *dims);
}

llvm::Error importFlatten(Ctx &ctx) {
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  auto s = ctx.intArg(1);
  if (!s)
    return s.takeError();
  auto e = ctx.intArg(2);
  if (!e)
    return e.takeError();
  const Shape &sh = (*x)->shape();
  size_t r = std::max<size_t>(sh.rank(), 1);
  int64_t a = normAxis(*s, r), b = normAxis(*e, r);
  if (a < 0 || b >= int64_t(r) || a > b)
    return ctx.error("start_dim/end_dim out of range for " + sh.str());
  std::vector<int64_t> dims;
  int64_t m = 1;
  for (int64_t i = 0; i < int64_t(sh.rank()); ++i) {
    if (i < a || i > b) {
      dims.push_back(sh[size_t(i)]);
    } else {
      m *= sh[size_t(i)];
      if (i == b)
        dims.push_back(m);
    }
  }
  if (sh.rank() == 0)
    dims = {1};
  return reshapeTo(ctx, *x, dims);
}

llvm::Error importPermute(Ctx &ctx) {
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  size_t r = (*x)->shape().rank();
  std::vector<int64_t> perm;
  if (torchBaseName(ctx) == "permute") {
    auto p = ctx.intsArg(1);
    if (!p)
      return p.takeError();
    perm = *p;
    for (int64_t &d : perm)
      d = normAxis(d, r);
  } else {
    for (size_t i = 0; i < r; ++i)
      perm.push_back(int64_t(i));
    int64_t a = 0, b = 1;
    if (torchBaseName(ctx) == "transpose") {
      auto d0 = ctx.intArg(1);
      if (!d0)
        return d0.takeError();
      auto d1 = ctx.intArg(2);
      if (!d1)
        return d1.takeError();
      a = normAxis(*d0, r);
      b = normAxis(*d1, r);
    }
    if (r >= 2 && a >= 0 && b >= 0 && a < int64_t(r) && b < int64_t(r))
      std::swap(perm[size_t(a)], perm[size_t(b)]);
    else if (r >= 2)
      return ctx.error("dims out of range for " + (*x)->shape().str());
  }
  Attributes at;
  at.set("perm", perm);
  return ctx.emitOut(OpKind::Transpose, {*x}, at);
}

llvm::Error importCat(Ctx &ctx) {
  auto xs = ctx.tensorsArg(0);
  if (!xs)
    return xs.takeError();
  if (xs->empty())
    return ctx.error("cat of an empty list");
  auto dim = ctx.intArg(1);
  if (!dim)
    return dim.takeError();
  Attributes a;
  a.set("axis", normAxis(*dim, (*xs)[0]->shape().rank()));
  return ctx.emitOut(OpKind::Concat, *xs, a);
}

/// aten::chunk(x, chunks, dim); aten::split(x, size or sizes, dim);
/// aten::split_with_sizes(x, sizes, dim). The result is a list.
llvm::Error importSplit(Ctx &ctx) {
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  const Shape &sh = (*x)->shape();
  auto dim = ctx.intArg(2);
  if (!dim)
    return dim.takeError();
  int64_t axis = normAxis(*dim, sh.rank());
  if (axis < 0 || axis >= int64_t(sh.rank()))
    return ctx.error("dim out of range for " + sh.str());
  int64_t n = sh[size_t(axis)];
  std::vector<int64_t> sizes;
  llvm::StringRef op = torchBaseName(ctx);
  if (op.contains("chunk")) {
    auto c = ctx.intArg(1);
    if (!c)
      return c.takeError();
    if (*c <= 0)
      return ctx.error("chunks must be positive");
    int64_t each = (n + *c - 1) / *c;
    for (int64_t done = 0; done < n; done += each)
      sizes.push_back(std::min(each, n - done));
  } else if (ctx.in(1).kind == TVal::Int) {
    int64_t each = ctx.in(1).i;
    if (each <= 0)
      return ctx.error("split size must be positive");
    for (int64_t done = 0; done < n; done += each)
      sizes.push_back(std::min(each, n - done));
  } else {
    auto s = ctx.intsArg(1);
    if (!s)
      return s.takeError();
    sizes = *s;
  }
  // One Slice per piece (the backend lowers Slice as strided copies).
  std::vector<Value *> outs;
  int64_t start = 0;
  Value *axes = ctx.constInts({axis}, "axes");
  for (size_t i = 0; i < sizes.size(); ++i) {
    Value *b = ctx.constInts({start}, "start" + std::to_string(i));
    Value *e = ctx.constInts({start + sizes[i]}, "end" + std::to_string(i));
    auto v = ctx.emit(OpKind::Slice, {*x, b, e, axes});
    if (!v)
      return v.takeError();
    outs.push_back(*v);
    start += sizes[i];
  }
  if (start != n)
    return ctx.error("split sizes add up to " + llvm::Twine(start) +
                     ", the dim is " + llvm::Twine(n));
  TVal l;
  l.kind = TVal::List;
  for (Value *v : outs)
    l.items.push_back(TVal::tensor(v));
  if (ctx.numOutputs() == 1) {
    ctx.setOut(0, l);
  } else {
    if (ctx.numOutputs() != l.items.size())
      return ctx.error("produces " + llvm::Twine(l.items.size()) +
                       " pieces for " + llvm::Twine(ctx.numOutputs()) +
                       " outputs");
    for (unsigned i = 0; i < ctx.numOutputs(); ++i)
      ctx.setOut(i, l.items[i]);
  }
  return llvm::Error::success();
}

llvm::Error importSoftmax(Ctx &ctx) {
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  auto dim = ctx.intArg(1);
  if (!dim)
    return dim.takeError();
  Attributes a;
  a.set("axis", normAxis(*dim, (*x)->shape().rank()));
  return ctx.emitOut(ctx.row().kind, {*x}, a);
}

/// aten::mean(x, dims, keepdim, dtype) or aten::mean(x, dtype).
llvm::Error importMean(Ctx &ctx) {
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  size_t r = (*x)->shape().rank();
  std::vector<int64_t> axes;
  int64_t keep = 0;
  if (ctx.numInputs() >= 3) {
    auto d = ctx.intsArg(1);
    if (!d)
      return d.takeError();
    axes = *d;
    auto k = ctx.intArg(2);
    if (!k)
      return k.takeError();
    keep = *k;
  }
  if (axes.empty())
    for (size_t i = 0; i < r; ++i)
      axes.push_back(int64_t(i));
  for (int64_t &a : axes)
    a = normAxis(a, r);
  Attributes a;
  a.set("axes", axes);
  a.set("keepdims", keep);
  return ctx.emitOut(OpKind::ReduceMean, {*x}, a);
}

/// aten::upsample_nearest2d / upsample_bilinear2d, the output_size or
/// scale_factors overloads.
llvm::Error importUpsample(Ctx &ctx) {
  bool linear = torchBaseName(ctx).contains("bilinear");
  auto x = ctx.tensor(0);
  if (!x)
    return x.takeError();
  const Shape &sh = (*x)->shape();
  if (sh.rank() != 4)
    return ctx.error("expects NCHW input, got " + sh.str());
  std::vector<int64_t> size;
  if (!ctx.isNone(1)) {
    auto s = ctx.intsArg(1);
    if (!s)
      return s.takeError();
    size = *s;
  } else {
    unsigned si = linear ? 3 : 2;
    const TVal &f = ctx.in(si);
    if (f.kind != TVal::List || f.items.size() != 2)
      return ctx.error("needs output_size or two scale factors");
    for (size_t i = 0; i < 2; ++i)
      size.push_back(int64_t(std::floor(double(sh[i + 2]) *
                                        f.items[i].number())));
  }
  if (size.size() != 2)
    return ctx.error("output_size must have 2 dims");
  Attributes a;
  a.set("mode", std::string(linear ? "linear" : "nearest"));
  if (linear) {
    auto ac = ctx.intArg(2);
    if (!ac)
      return ac.takeError();
    a.set("coordinate_transformation_mode",
          std::string(*ac ? "align_corners" : "pytorch_half_pixel"));
  } else {
    a.set("coordinate_transformation_mode", std::string("asymmetric"));
    a.set("nearest_mode", std::string("floor"));
  }
  Value *sizes = ctx.constInts({sh[0], sh[1], size[0], size[1]}, "sizes");
  return ctx.emitOut(OpKind::Resize, {*x, nullptr, nullptr, sizes}, a);
}

#define ROW(name, fn, kind) {name, fn, OpKind::kind}
const TorchOpRow kTable[] = {
    ROW("aten::Float", importNumber, Identity),
    ROW("aten::Int", importNumber, Identity),
    ROW("aten::ScalarImplicit", importNumber, Identity),
    ROW("aten::_convolution", importConvolution, Conv),
    ROW("aten::abs", importUnary, Abs),
    ROW("aten::adaptive_avg_pool2d", importAdaptiveAvgPool, AveragePool),
    ROW("aten::add", importArith, Add),
    ROW("aten::add_", importArith, Add),
    ROW("aten::addmm", importAddmm, Gemm),
    ROW("aten::avg_pool2d", importPool, AveragePool),
    ROW("aten::batch_norm", importBatchNorm, BatchNormalization),
    ROW("aten::bmm", importMatmul, MatMul),
    ROW("aten::cat", importCat, Concat),
    ROW("aten::chunk", importSplit, Slice),
    ROW("aten::clone", importIdentity, Identity),
    ROW("aten::contiguous", importIdentity, Identity),
    ROW("aten::conv1d", importConvolution, Conv),
    ROW("aten::conv2d", importConvolution, Conv),
    ROW("aten::convolution", importConvolution, Conv),
    ROW("aten::detach", importIdentity, Identity),
    ROW("aten::div", importArith, Div),
    ROW("aten::div_", importArith, Div),
    ROW("aten::dropout", importIdentity, Identity),
    ROW("aten::dropout_", importIdentity, Identity),
    ROW("aten::exp", importUnary, Exp),
    ROW("aten::feature_dropout", importIdentity, Identity),
    ROW("aten::flatten", importFlatten, Reshape),
    ROW("aten::floor_divide", importArith, Div),
    ROW("aten::floordiv", importArith, Div),
    ROW("aten::gelu", importGelu, Gelu),
    ROW("aten::hardsigmoid", importHardsigmoid, HardSigmoid),
    ROW("aten::hardsigmoid_", importHardsigmoid, HardSigmoid),
    ROW("aten::hardswish", importUnary, HardSwish),
    ROW("aten::hardswish_", importUnary, HardSwish),
    ROW("aten::hardtanh", importHardtanh, Clip),
    ROW("aten::hardtanh_", importHardtanh, Clip),
    ROW("aten::leaky_relu", importLeakyRelu, LeakyRelu),
    ROW("aten::leaky_relu_", importLeakyRelu, LeakyRelu),
    ROW("aten::linear", importLinear, Gemm),
    ROW("aten::log_softmax", importSoftmax, LogSoftmax),
    ROW("aten::matmul", importMatmul, MatMul),
    ROW("aten::max_pool2d", importPool, MaxPool),
    ROW("aten::mean", importMean, ReduceMean),
    ROW("aten::mm", importMatmul, MatMul),
    ROW("aten::mul", importArith, Mul),
    ROW("aten::mul_", importArith, Mul),
    ROW("aten::permute", importPermute, Transpose),
    ROW("aten::relu", importUnary, Relu),
    ROW("aten::relu6", importHardtanh, Clip),
    ROW("aten::relu_", importUnary, Relu),
    ROW("aten::remainder", importArith, Mod),
    ROW("aten::reshape", importView, Reshape),
    ROW("aten::rsub", importArith, Sub),
    ROW("aten::sigmoid", importUnary, Sigmoid),
    ROW("aten::sigmoid_", importUnary, Sigmoid),
    ROW("aten::silu", importSilu, Sigmoid),
    ROW("aten::silu_", importSilu, Sigmoid),
    ROW("aten::size", importSize, Shape),
    ROW("aten::softmax", importSoftmax, Softmax),
    ROW("aten::split", importSplit, Slice),
    ROW("aten::split_with_sizes", importSplit, Slice),
    ROW("aten::sqrt", importUnary, Sqrt),
    ROW("aten::sub", importArith, Sub),
    ROW("aten::sub_", importArith, Sub),
    ROW("aten::t", importPermute, Transpose),
    ROW("aten::tanh", importUnary, Tanh),
    ROW("aten::tanh_", importUnary, Tanh),
    ROW("aten::transpose", importPermute, Transpose),
    ROW("aten::unsafe_chunk", importSplit, Slice),
    ROW("aten::unsafe_split", importSplit, Slice),
    ROW("aten::upsample_bilinear2d", importUpsample, Resize),
    ROW("aten::upsample_nearest2d", importUpsample, Resize),
    ROW("aten::view", importView, Reshape),
    ROW("prim::Constant", nullptr, Constant),
    ROW("prim::GetAttr", importGetAttr, Identity),
    ROW("prim::ListConstruct", importListConstruct, Identity),
    ROW("prim::ListUnpack", importListUnpack, Identity),
    ROW("prim::NumToTensor", importNumber, Identity),
    ROW("prim::TupleConstruct", importListConstruct, Identity),
    ROW("prim::TupleUnpack", importListUnpack, Identity),
};
#undef ROW

} // namespace

llvm::ArrayRef<TorchOpRow> torchOpTable() { return kTable; }

const TorchOpRow *findTorchOp(llvm::StringRef kind) {
  assert(llvm::is_sorted(kTable, [](const TorchOpRow &a, const TorchOpRow &b) {
    return llvm::StringRef(a.name) < llvm::StringRef(b.name);
  }) && "the TorchScript op table must be sorted");
  const TorchOpRow *it = llvm::partition_point(
      kTable, [&](const TorchOpRow &r) { return llvm::StringRef(r.name) < kind; });
  if (it == std::end(kTable) || kind != it->name)
    return nullptr;
  return it;
}

std::vector<llvm::StringRef> supportedTorchOps() {
  std::vector<llvm::StringRef> out;
  for (const TorchOpRow &r : kTable)
    out.push_back(r.name);
  return out;
}

} // namespace onntc
