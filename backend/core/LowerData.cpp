//===- LowerData.cpp - data movement rows ---------------------------------===//
//
// Ops that only move data run on the GDMA engine, global to global:
// concat (one strided copy per input), transpose (permuted source strides),
// nearest resize by integer factors (one strided copy per output phase).
// Reshape-like ops are free: their output aliases the input buffer.
//
//===----------------------------------------------------------------------===//

#include "backend/core/OpHooks.h"

#include "backend/core/Builders.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <climits>
#include <cmath>

using namespace onntc;
using namespace onntc::backend;
using isa::Shape4;
using isa::Strides4;

namespace {

llvm::Error checkStatic(const Node &n) {
  for (const Value *v : n.inputs())
    if (v && !v->shape().isStatic())
      return nodeError(n, "only static shapes are supported");
  if (!n.output(0)->shape().isStatic())
    return nodeError(n, "only static shapes are supported");
  for (unsigned i = 1; i < n.numOutputs(); ++i)
    if (n.output(i)->hasUses())
      return nodeError(n, "only the first output can be used");
  return llvm::Error::success();
}

/// Data movement is dtype-agnostic: f32, and the 8-bit values of an INT8
/// net (moved unchanged, the output keeps the input's scale).
llvm::Error checkF32Data(const Node &n) {
  if (llvm::Error e = checkStatic(n))
    return e;
  DType t = n.output(0)->dtype();
  if (t != DType::F32 && t != DType::I8 && t != DType::U8)
    return nodeError(n, "only f32, i8 and u8 are supported (got " +
                            dtypeName(t) + ")");
  if (n.input(0)->dtype() != t)
    return nodeError(n, "input and output types differ");
  return llvm::Error::success();
}

//===-- aliases and constants ---------------------------------------------===//

llvm::Error checkAlias(const Node &n, const isa::TargetInfo &) {
  return checkStatic(n);
}
llvm::Error lowerNothing(const Node &, LowerContext &) {
  return llvm::Error::success();
}
llvm::Error checkConstant(const Node &, const isa::TargetInfo &) {
  return llvm::Error::success();
}

//===-- concat ------------------------------------------------------------===//

llvm::Error checkConcat(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkF32Data(n))
    return e;
  for (const Value *v : n.inputs())
    if (v->dtype() != n.output(0)->dtype())
      return nodeError(n, "inputs of different types");
  return llvm::Error::success();
}

llvm::Error lowerConcat(const Node &n, LowerContext &ctx) {
  isa::DType dt = ctx.storageDType(n.output(0));
  uint64_t es = isa::dtypeBytes(dt);
  auto od = dimsOf(n.output(0));
  int64_t ax = n.getInt("axis");
  if (ax < 0)
    ax += int64_t(od.size());
  uint64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < int64_t(od.size()); ++i) {
    if (i < ax)
      outer *= uint64_t(od[size_t(i)]);
    else if (i > ax)
      inner *= uint64_t(od[size_t(i)]);
  }
  uint64_t outRow = uint64_t(od[size_t(ax)]) * inner;
  if (outer > UINT32_MAX || outRow > UINT32_MAX)
    return nodeError(n, "tensor too large for one copy");
  uint64_t yAddr = ctx.addressOf(n.output(0));
  uint64_t at = 0;
  for (const Value *v : n.inputs()) {
    uint64_t row = uint64_t(dimsOf(v)[size_t(ax)]) * inner;
    if (row > 0) {
      isa::GdmaMoveCmd m;
      m.shape = {1, 1, uint32_t(outer), uint32_t(row)};
      m.dtype = dt;
      m.src = isa::globalSide(ctx.addressOf(v), {0, 0, int64_t(row), 1});
      m.dst = isa::globalSide(yAddr + es * at, {0, 0, int64_t(outRow), 1});
      ctx.stream().gdma(m);
    }
    at += row;
  }
  return llvm::Error::success();
}

//===-- transpose ---------------------------------------------------------===//

/// A permutation over at most 4 axes: input dims and, per output axis, the
/// input axis it reads.
struct Perm4 {
  uint64_t in[4] = {1, 1, 1, 1};
  int perm[4] = {0, 1, 2, 3};
};

std::optional<Perm4> reducePerm(const std::vector<int64_t> &d,
                                std::vector<int64_t> p) {
  // Drop unit axes.
  std::vector<int> newIdx(d.size(), -1);
  std::vector<uint64_t> d2;
  for (size_t i = 0; i < d.size(); ++i)
    if (d[i] != 1) {
      newIdx[i] = int(d2.size());
      d2.push_back(uint64_t(d[i]));
    }
  std::vector<int> p2;
  for (int64_t a : p)
    if (newIdx[size_t(a)] >= 0)
      p2.push_back(newIdx[size_t(a)]);
  // Merge output axes that read consecutive input axes.
  std::vector<std::vector<int>> runs;
  for (int a : p2) {
    if (!runs.empty() && runs.back().back() + 1 == a)
      runs.back().push_back(a);
    else
      runs.push_back({a});
  }
  if (runs.size() > 4)
    return std::nullopt;
  std::vector<size_t> byFirst(runs.size());
  for (size_t i = 0; i < runs.size(); ++i)
    byFirst[i] = i;
  std::sort(byFirst.begin(), byFirst.end(),
            [&](size_t a, size_t b) { return runs[a][0] < runs[b][0]; });
  Perm4 r;
  size_t pad = 4 - runs.size();
  for (size_t pos = 0; pos < byFirst.size(); ++pos) {
    uint64_t len = 1;
    for (int a : runs[byFirst[pos]])
      len *= d2[size_t(a)];
    if (len > UINT32_MAX)
      return std::nullopt;
    r.in[pad + pos] = len;
  }
  for (size_t k = 0; k < runs.size(); ++k) {
    size_t pos =
        size_t(std::find(byFirst.begin(), byFirst.end(), k) - byFirst.begin());
    r.perm[pad + k] = int(pad + pos);
  }
  for (size_t k = 0; k < pad; ++k)
    r.perm[k] = int(k);
  return r;
}

std::vector<int64_t> transposePerm(const Node &n) {
  size_t r = n.input(0)->shape().rank();
  std::vector<int64_t> def;
  for (size_t i = 0; i < r; ++i)
    def.push_back(int64_t(r - 1 - i));
  return intsOr(n, "perm", def);
}

llvm::Error checkTranspose(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkF32Data(n))
    return e;
  if (!reducePerm(dimsOf(n.input(0)), transposePerm(n)))
    return nodeError(n, "the permutation needs more than 4 axes after "
                        "merging adjacent ones");
  return llvm::Error::success();
}

llvm::Error lowerTranspose(const Node &n, LowerContext &ctx) {
  isa::DType dt = ctx.storageDType(n.output(0));
  Perm4 p = *reducePerm(dimsOf(n.input(0)), transposePerm(n));
  int64_t is[4];
  int64_t acc = 1;
  for (int d = 3; d >= 0; --d) {
    is[d] = acc;
    acc *= int64_t(p.in[d]);
  }
  Shape4 os{uint32_t(p.in[p.perm[0]]), uint32_t(p.in[p.perm[1]]),
            uint32_t(p.in[p.perm[2]]), uint32_t(p.in[p.perm[3]])};
  isa::GdmaMoveCmd m;
  m.shape = os;
  m.dtype = dt;
  m.src = isa::globalSide(
      ctx.addressOf(n.input(0)),
      {is[p.perm[0]], is[p.perm[1]], is[p.perm[2]], is[p.perm[3]]});
  m.dst = isa::globalSide(ctx.addressOf(n.output(0)), denseStrides(os));
  ctx.stream().gdma(m);
  return llvm::Error::success();
}

//===-- resize (nearest, integer factors) ---------------------------------===//

/// The input index ONNX Resize (nearest) reads for output index i.
std::optional<int64_t> nearestSource(const Node &n, int64_t i, int64_t inLen,
                                     int64_t outLen) {
  double scale = double(outLen) / double(inLen);
  const std::string &ct = n.getString("coordinate_transformation_mode");
  double x;
  if (ct == "half_pixel")
    x = (double(i) + 0.5) / scale - 0.5;
  else if (ct == "pytorch_half_pixel")
    x = outLen > 1 ? (double(i) + 0.5) / scale - 0.5 : 0.0;
  else if (ct == "align_corners")
    x = outLen == 1 ? 0.0 : double(i) * double(inLen - 1) / double(outLen - 1);
  else if (ct == "asymmetric")
    x = double(i) / scale;
  else if (ct == "tf_half_pixel_for_nn")
    x = (double(i) + 0.5) / scale;
  else
    return std::nullopt;
  const std::string &nm = n.getString("nearest_mode");
  double r;
  if (nm == "round_prefer_floor")
    r = (x == std::floor(x) + 0.5) ? std::floor(x) : std::round(x);
  else if (nm == "round_prefer_ceil")
    r = (x == std::floor(x) + 0.5) ? std::ceil(x) : std::round(x);
  else if (nm == "floor")
    r = std::floor(x);
  else if (nm == "ceil")
    r = std::ceil(x);
  else
    return std::nullopt;
  return std::min<int64_t>(std::max<int64_t>(int64_t(r), 0), inLen - 1);
}

llvm::Error checkResize(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkF32Data(n))
    return e;
  if (n.getString("mode") != "nearest")
    return nodeError(n, "only mode='nearest' is supported");
  auto xd = dimsOf(n.input(0)), yd = dimsOf(n.output(0));
  if (xd.size() != 4 || xd[0] != yd[0] || xd[1] != yd[1])
    return nodeError(n, "only spatial resizing of rank-4 tensors is supported");
  for (int a = 2; a < 4; ++a) {
    if (yd[size_t(a)] % xd[size_t(a)] != 0)
      return nodeError(n, "only integer upsampling factors are supported");
    int64_t s = yd[size_t(a)] / xd[size_t(a)];
    for (int64_t i = 0; i < yd[size_t(a)]; ++i) {
      auto src = nearestSource(n, i, xd[size_t(a)], yd[size_t(a)]);
      if (!src || *src != i / s)
        return nodeError(n, "coordinate_transformation_mode='" +
                                n.getString("coordinate_transformation_mode") +
                                "' with nearest_mode='" +
                                n.getString("nearest_mode") +
                                "' is not a plain repetition; not supported");
    }
  }
  return llvm::Error::success();
}

llvm::Error lowerResize(const Node &n, LowerContext &ctx) {
  isa::DType dt = ctx.storageDType(n.output(0));
  uint64_t es = isa::dtypeBytes(dt);
  auto xd = dimsOf(n.input(0)), yd = dimsOf(n.output(0));
  Shape4 in{uint32_t(xd[0]), uint32_t(xd[1]), uint32_t(xd[2]), uint32_t(xd[3])};
  uint32_t oh = uint32_t(yd[2]), ow = uint32_t(yd[3]);
  uint32_t sh = oh / in.h, sw = ow / in.w;
  uint64_t x = ctx.addressOf(n.input(0)), y = ctx.addressOf(n.output(0));
  Strides4 dst{int64_t(in.c) * oh * ow, int64_t(oh) * ow, int64_t(sh) * ow,
               int64_t(sw)};
  for (uint32_t dy = 0; dy < sh; ++dy)
    for (uint32_t dx = 0; dx < sw; ++dx) {
      isa::GdmaMoveCmd m;
      m.shape = in;
      m.dtype = dt;
      m.src = isa::globalSide(x, denseStrides(in));
      m.dst = isa::globalSide(y + es * (uint64_t(dy) * ow + dx), dst);
      ctx.stream().gdma(m);
    }
  return llvm::Error::success();
}

//===-- slice and pad -----------------------------------------------------===//

/// A strided global-to-global copy of `dims` elements; unit axes dropped
/// and axes merged while both sides stay contiguous across them. None when
/// more than 4 axes remain.
struct StridedCopy {
  Shape4 shape;
  Strides4 src, dst;
};
std::optional<StridedCopy> reduceCopy(const std::vector<int64_t> &dims,
                                      const std::vector<int64_t> &src,
                                      const std::vector<int64_t> &dst) {
  std::vector<int64_t> d, s, t;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == 1)
      continue;
    if (!d.empty() && s.back() == src[i] * dims[i] &&
        t.back() == dst[i] * dims[i]) {
      d.back() *= dims[i];
      s.back() = src[i];
      t.back() = dst[i];
      continue;
    }
    d.push_back(dims[i]);
    s.push_back(src[i]);
    t.push_back(dst[i]);
  }
  if (d.size() > 4)
    return std::nullopt;
  while (d.size() < 4) {
    d.insert(d.begin(), 1);
    s.insert(s.begin(), 0);
    t.insert(t.begin(), 0);
  }
  for (int64_t v : d)
    if (v > UINT32_MAX)
      return std::nullopt;
  StridedCopy c;
  c.shape = {uint32_t(d[0]), uint32_t(d[1]), uint32_t(d[2]), uint32_t(d[3])};
  c.src = {s[0], s[1], s[2], s[3]};
  c.dst = {t[0], t[1], t[2], t[3]};
  return c;
}

std::vector<int64_t> denseOf(const std::vector<int64_t> &dims) {
  std::vector<int64_t> st(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;)
    st[i - 1] = st[i] * dims[i];
  return st;
}

/// Source element offset and per-output-axis source strides of a Slice.
struct SlicePlan {
  int64_t offset = 0;
  std::vector<int64_t> strides;
};
llvm::Expected<SlicePlan> slicePlan(const Node &n) {
  auto xd = dimsOf(n.input(0));
  size_t r = xd.size();
  auto ints = [&](unsigned i) -> std::optional<std::vector<int64_t>> {
    const Value *v = n.input(i);
    if (!v)
      return std::nullopt;
    const Tensor *t = v->constantValue();
    if (!t)
      return std::vector<int64_t>{INT64_MIN};
    return t->toInts();
  };
  auto starts = ints(1), axes = ints(3), steps = ints(4);
  if (!starts || (*starts)[0] == INT64_MIN ||
      (axes && !axes->empty() && (*axes)[0] == INT64_MIN) ||
      (steps && !steps->empty() && (*steps)[0] == INT64_MIN))
    return nodeError(n, "starts, axes and steps must be constant");
  std::vector<int64_t> ax;
  if (axes && !axes->empty())
    ax = *axes;
  else
    for (size_t i = 0; i < starts->size(); ++i)
      ax.push_back(int64_t(i));
  SlicePlan p;
  std::vector<int64_t> in = denseOf(xd);
  p.strides = in;
  for (size_t k = 0; k < ax.size(); ++k) {
    int64_t a = ax[k] < 0 ? ax[k] + int64_t(r) : ax[k];
    if (a < 0 || a >= int64_t(r))
      return nodeError(n, "slice axis out of range");
    int64_t dim = xd[size_t(a)];
    int64_t step = steps && !steps->empty() ? (*steps)[k] : 1;
    if (step == 0)
      return nodeError(n, "slice step 0");
    int64_t st = (*starts)[k];
    if (st < 0)
      st += dim;
    st = step > 0 ? std::clamp<int64_t>(st, 0, dim)
                  : std::clamp<int64_t>(st, 0, dim - 1);
    p.offset += st * in[size_t(a)];
    p.strides[size_t(a)] = step * in[size_t(a)];
  }
  return p;
}

llvm::Error checkSlice(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkF32Data(n))
    return e;
  auto p = slicePlan(n);
  if (!p)
    return p.takeError();
  auto od = dimsOf(n.output(0));
  if (!reduceCopy(od, p->strides, denseOf(od)))
    return nodeError(n, "the slice needs more than 4 axes");
  return llvm::Error::success();
}

llvm::Error lowerSlice(const Node &n, LowerContext &ctx) {
  isa::DType dt = ctx.storageDType(n.output(0));
  uint64_t es = isa::dtypeBytes(dt);
  auto p = slicePlan(n);
  if (!p)
    return p.takeError();
  auto od = dimsOf(n.output(0));
  for (int64_t d : od)
    if (d == 0)
      return llvm::Error::success();
  StridedCopy c = *reduceCopy(od, p->strides, denseOf(od));
  isa::GdmaMoveCmd m;
  m.shape = c.shape;
  m.dtype = dt;
  m.src = isa::globalSide(ctx.addressOf(n.input(0)) + es * uint64_t(p->offset),
                          c.src);
  m.dst = isa::globalSide(ctx.addressOf(n.output(0)), c.dst);
  ctx.stream().gdma(m);
  return llvm::Error::success();
}

llvm::Error checkPad(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkF32Data(n))
    return e;
  if (n.getString("mode") != "constant")
    return nodeError(n, "only mode='constant' is supported");
  const Tensor *pads = n.input(1)->constantValue();
  if (!pads)
    return nodeError(n, "pads must be constant");
  if (n.numInputs() > 3 && n.input(3))
    return nodeError(n, "the axes input is not supported");
  if (n.input(2) && n.input(2)->constantValue() == nullptr)
    return nodeError(n, "constant_value must be constant");
  if (n.output(0)->dtype() != DType::F32 && n.input(2) &&
      n.input(2)->constantValue()->numElements() > 0 &&
      n.input(2)->constantValue()->getDouble(0) != 0)
    return nodeError(n, "an 8-bit pad must pad with 0");
  for (int64_t v : pads->toInts())
    if (v < 0)
      return nodeError(n, "negative pads (cropping) are not supported");
  auto xd = dimsOf(n.input(0)), od = dimsOf(n.output(0));
  if (!reduceCopy(xd, denseOf(xd), denseOf(od)))
    return nodeError(n, "the padded copy needs more than 4 axes");
  return llvm::Error::success();
}

llvm::Error lowerPad(const Node &n, LowerContext &ctx) {
  isa::DType dt = ctx.storageDType(n.output(0));
  uint64_t es = isa::dtypeBytes(dt);
  auto xd = dimsOf(n.input(0)), od = dimsOf(n.output(0));
  std::vector<int64_t> pads = n.input(1)->constantValue()->toInts();
  double value = 0;
  if (n.input(2) && n.input(2)->constantValue()->numElements() > 0)
    value = n.input(2)->constantValue()->getDouble(0);
  uint64_t y = ctx.addressOf(n.output(0));
  uint64_t total = 1;
  for (int64_t d : od)
    total *= uint64_t(d);
  std::vector<int64_t> ost = denseOf(od);
  StridedCopy all = *reduceCopy(od, ost, ost);
  isa::GdmaFillCmd f;
  f.shape = all.shape;
  f.dtype = dt;
  f.dst = isa::globalSide(y, all.dst);
  f.value = value;
  ctx.stream().gdma(f);
  uint64_t off = 0;
  for (size_t i = 0; i < xd.size(); ++i)
    off += uint64_t(pads[i]) * uint64_t(ost[i]);
  StridedCopy c = *reduceCopy(xd, denseOf(xd), ost);
  isa::GdmaMoveCmd m;
  m.shape = c.shape;
  m.dtype = dt;
  m.src = isa::globalSide(ctx.addressOf(n.input(0)), c.src);
  m.dst = isa::globalSide(y + es * off, c.dst);
  ctx.stream().gdma(m);
  return llvm::Error::success();
}

//===-- gather with constant indices --------------------------------------===//

/// Gathers with more indices than this are rejected (one copy per index).
constexpr int64_t kMaxGatherIndices = 4096;

llvm::Error checkGather(const Node &n, const isa::TargetInfo &) {
  if (llvm::Error e = checkF32Data(n))
    return e;
  const Tensor *idx = n.input(1)->constantValue();
  if (!idx)
    return nodeError(n, "indices must be constant");
  if (idx->numElements() > kMaxGatherIndices)
    return nodeError(n, "more than 4096 indices");
  auto d = dimsOf(n.input(0));
  int64_t ax = n.getInt("axis");
  if (ax < 0)
    ax += int64_t(d.size());
  if (ax < 0 || ax >= int64_t(d.size()))
    return nodeError(n, "axis out of range");
  for (int64_t k : idx->toInts())
    if (k < -d[size_t(ax)] || k >= d[size_t(ax)])
      return nodeError(n, "index out of range");
  return llvm::Error::success();
}

llvm::Error lowerGather(const Node &n, LowerContext &ctx) {
  isa::DType dt = ctx.storageDType(n.output(0));
  uint64_t es = isa::dtypeBytes(dt);
  auto d = dimsOf(n.input(0));
  int64_t ax = n.getInt("axis");
  if (ax < 0)
    ax += int64_t(d.size());
  uint64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < int64_t(d.size()); ++i) {
    if (i < ax)
      outer *= uint64_t(d[size_t(i)]);
    else if (i > ax)
      inner *= uint64_t(d[size_t(i)]);
  }
  if (outer > UINT32_MAX || inner > UINT32_MAX)
    return nodeError(n, "tensor too large");
  std::vector<int64_t> idx = n.input(1)->constantValue()->toInts();
  int64_t dim = d[size_t(ax)];
  uint64_t x = ctx.addressOf(n.input(0)), y = ctx.addressOf(n.output(0));
  for (size_t j = 0; j < idx.size(); ++j) {
    int64_t k = idx[j] < 0 ? idx[j] + dim : idx[j];
    isa::GdmaMoveCmd m;
    m.shape = {1, 1, uint32_t(outer), uint32_t(inner)};
    m.dtype = dt;
    m.src = isa::globalSide(x + es * uint64_t(k) * inner,
                            {0, 0, int64_t(dim * int64_t(inner)), 1});
    m.dst = isa::globalSide(y + es * uint64_t(j) * inner,
                            {0, 0, int64_t(idx.size() * inner), 1});
    ctx.stream().gdma(m);
  }
  return llvm::Error::success();
}

} // namespace

void backend::registerDataRows(LoweringTable &t) {
  const LoweringRow rows[] = {
      {OpKind::Constant, checkConstant, nullptr, lowerNothing},
      {OpKind::Reshape, checkAlias, nullptr, lowerNothing},
      {OpKind::Flatten, checkAlias, nullptr, lowerNothing},
      {OpKind::Squeeze, checkAlias, nullptr, lowerNothing},
      {OpKind::Unsqueeze, checkAlias, nullptr, lowerNothing},
      {OpKind::Identity, checkAlias, nullptr, lowerNothing},
      {OpKind::Dropout, checkAlias, nullptr, lowerNothing},
      {OpKind::Concat, checkConcat, nullptr, lowerConcat},
      {OpKind::Transpose, checkTranspose, nullptr, lowerTranspose},
      {OpKind::Resize, checkResize, nullptr, lowerResize},
      {OpKind::Slice, checkSlice, nullptr, lowerSlice},
      {OpKind::Pad, checkPad, nullptr, lowerPad},
      {OpKind::Gather, checkGather, nullptr, lowerGather},
  };
  t.insert(t.end(), std::begin(rows), std::end(rows));
}
