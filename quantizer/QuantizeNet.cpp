//===- QuantizeNet.cpp - the quantize stage --------------------------------===//
#include "quantizer/QuantizeNet.h"

#include "quantizer/Calibrator.h"
#include "quantizer/QuantMath.h"

#include "ir/Diagnostics.h"
#include "ir/KernelContext.h"
#include "ir/OpInfo.h"
#include "ir/Verifier.h"

#include "llvm/ADT/StringExtras.h"

#include <cmath>

namespace onntc {

void parseFp32List(llvm::StringRef v, bool &all, std::set<std::string> &names) {
  std::string low = v.trim().lower();
  all = low == "true" || low == "1" || low == "all";
  if (all || low.empty() || low == "false" || low == "0")
    return;
  llvm::SmallVector<llvm::StringRef, 8> parts;
  v.split(parts, ',', -1, false);
  for (llvm::StringRef p : parts)
    if (!p.trim().empty())
      names.insert(p.trim().str());
}

namespace {

bool isDataMove(const Node &n) {
  switch (n.kind()) {
  case OpKind::Reshape:
  case OpKind::Flatten:
  case OpKind::Transpose:
  case OpKind::Squeeze:
  case OpKind::Unsqueeze:
  case OpKind::Identity:
  case OpKind::Slice:
    return true;
  case OpKind::MaxPool:
    return n.numOutputs() == 1;
  case OpKind::Resize:
    return n.getString("mode") == "nearest";
  case OpKind::Pad: {
    if (n.getString("mode") != "constant")
      return false;
    const Value *c = n.input(2);
    if (!c)
      return true;
    const Tensor *t = c->constantValue();
    return t && t->numElements() == 1 && t->castTo(DType::F32).data<float>()[0] == 0;
  }
  default:
    return false;
  }
}

/// One rescale as the chip's (multiplier, shift).
RequantParams rescale(double real) { return requantFromScale(real); }

class NetQuantizer {
public:
  NetQuantizer(Module &m, const UModel &u, const QuantizeOptions &o)
      : m_(m), g_(m.graph), u_(u), o_(o) {}

  llvm::Expected<QuantizeSummary> run();

private:
  Module &m_;
  Graph &g_;
  const UModel &u_;
  const QuantizeOptions &o_;
  QuantizeSummary sum_;
  KernelContext ctx_{1};
  std::map<Value *, Value *> q_, fp_;
  std::set<Node *> fused_;
  /// Original value -> its replacement, for the names after clean-up.
  std::vector<std::pair<std::string, Value *>> renames_;

  const ActivationQuant *act(const Value *v) const {
    auto it = u_.activations.find(v->name());
    return it == u_.activations.end() ? nullptr : &it->second;
  }
  bool keepFp32(const Node &n) const {
    if (o_.fp32Layers.count(n.name()))
      return true;
    for (unsigned i = 0; i < n.numOutputs(); ++i) {
      const Value *v = n.output(i);
      if (o_.fp32Layers.count(v->name()))
        return true;
      if (const ActivationQuant *a = act(v))
        if (a->fp32)
          return true;
    }
    return false;
  }
  static float scaleOf(const Value *q) { return q->type().quant->scale[0]; }
  static QuantParams symmetric(float scale) {
    return QuantParams{{scale}, {0}, -1};
  }
  bool isGraphOutput(const Value *v) const {
    for (const Value *o : g_.outputs())
      if (o == v)
        return true;
    return false;
  }

  /// A node before `before` with one output of quantization `q` (kept by
  /// the quantized family's inference; set after inference for others).
  llvm::Expected<Node *> make(OpKind k, llvm::ArrayRef<Value *> ins,
                              const std::string &outName, const Node &from,
                              Node *before,
                              const std::vector<std::pair<std::string, AttrValue>> &attrs,
                              std::optional<QuantParams> q) {
    Node *n = g_.createNode(k, ins, {outName}, from.name(), from.loc(), before);
    for (const auto &a : attrs)
      n->setAttr(a.first, a.second);
    if (q) {
      TensorType t = n->output()->type();
      t.quant = q;
      n->output()->setType(t);
    }
    if (llvm::Error e = opHooks(k).infer(*n))
      return nodeError(from, "quantized form '" + opInfo(k).name +
                                 "': " + llvm::toString(std::move(e)));
    if (q) {
      TensorType t = n->output()->type();
      t.quant = q;
      n->output()->setType(t);
    }
    return n;
  }

  Value *constant(const std::string &name, Tensor t) {
    return g_.createConstant(g_.uniqueName(name), std::move(t))->output();
  }

  /// The INT8 form of `v`, quantizing its FP32 form before `before`.
  llvm::Expected<Value *> getQ(Value *v, Node *before, const Node &user) {
    auto it = q_.find(v);
    if (it != q_.end())
      return it->second;
    const ActivationQuant *a = act(v);
    if (!a)
      return nodeError(user, "no calibration entry for its input '" +
                                 v->name() + "' (is the int8umodel from "
                                 "this net?)");
    Value *f = getFp(v, before, user);
    auto qn = make(OpKind::Quantize, {f}, v->name() + "_int8", user, before,
                   {{"scale", a->scale}, {"zero_point", int64_t(a->zeroPoint)},
                    {"to", DType::I8}},
                   std::nullopt);
    if (!qn)
      return qn.takeError();
    ++sum_.casts;
    q_[v] = (*qn)->output();
    return (*qn)->output();
  }

  /// The FP32 form of `v`, dequantizing its INT8 form before `before`.
  Value *getFp(Value *v, Node *before, const Node &user) {
    auto it = fp_.find(v);
    if (it != fp_.end())
      return it->second;
    auto qi = q_.find(v);
    if (qi == q_.end())
      return v; // an FP32 input, a constant, or a value of an FP32 node
    Value *qv = qi->second;
    const QuantParams &qp = *qv->type().quant;
    Node *dn = g_.createNode(OpKind::Dequantize, {qv}, {v->name() + "_fp32"},
                             user.name(), user.loc(), before);
    dn->setAttr("scale", qp.scale[0]);
    dn->setAttr("zero_point", int64_t(qp.zeroPoint[0]));
    llvm::consumeError(opHooks(OpKind::Dequantize).infer(*dn));
    ++sum_.casts;
    fp_[v] = dn->output();
    return dn->output();
  }

  /// A single Relu / Clip(0, max) user that can be folded into n's
  /// requant: returns it and its output scale.
  Node *foldableRelu(Node &n, float &outScale) {
    Value *v = n.output();
    if (v->uses().size() != 1 || isGraphOutput(v))
      return nullptr;
    Node *u = v->uses()[0].user;
    if (keepFp32(*u))
      return nullptr;
    const ActivationQuant *a = act(u->output());
    if (!a || !(a->scale > 0))
      return nullptr;
    if (u->kind() == OpKind::Relu) {
      outScale = a->scale;
      return u;
    }
    if (u->kind() != OpKind::Clip || !u->input(1))
      return nullptr;
    const Tensor *lo = u->input(1)->constantValue();
    if (!lo || lo->numElements() != 1 || lo->castTo(DType::F32).data<float>()[0] != 0)
      return nullptr;
    if (const Value *hiV = u->input(2)) {
      const Tensor *hi = hiV->constantValue();
      if (!hi || hi->numElements() != 1 ||
          hi->castTo(DType::F32).data<float>()[0] / a->scale < 126.5f)
        return nullptr; // the clamp bites below saturation: keep it
    }
    outScale = a->scale;
    return u;
  }

  /// Where a conv / gemm / add writes its requantized result: the output
  /// of a Relu folded into it (and that Relu), else its own output, with
  /// the calibrated scale. None when that value has no calibration entry.
  struct RequantTarget {
    Value *out = nullptr;
    float scale = 0;
    Node *relu = nullptr;
  };
  std::optional<RequantTarget> requantTarget(Node &n) {
    RequantTarget t;
    t.relu = foldableRelu(n, t.scale);
    if (t.relu) {
      t.out = t.relu->output();
      return t;
    }
    const ActivationQuant *a = act(n.output());
    if (!a)
      return std::nullopt;
    t.out = n.output();
    t.scale = a->scale;
    return t;
  }
  llvm::Error missingOutput(Node &n) {
    return nodeError(n, "no calibration entry for its output '" +
                            n.output()->name() + "'");
  }
  /// Records the quantized node made for `t`, and the Relu it folded.
  bool defineTarget(const RequantTarget &t, Node *qn) {
    if (t.relu)
      fused_.insert(t.relu);
    defineQ(t.out, qn->output());
    return true;
  }

  /// Records that `orig`'s INT8 form is `q`.
  void defineQ(Value *orig, Value *q) {
    q_[orig] = q;
    renames_.push_back({orig->name(), q});
    ++sum_.int8Nodes;
  }

  llvm::Expected<bool> quantizeConv(Node &n);
  llvm::Expected<bool> quantizeGemm(Node &n);
  llvm::Expected<bool> quantizeAdd(Node &n);
  llvm::Expected<bool> quantizeAvgPool(Node &n);
  llvm::Expected<bool> quantizeConcat(Node &n);
  llvm::Expected<bool> quantizeMove(Node &n);
  llvm::Expected<bool> quantizeLut(Node &n);
  void fallback(Node &n, const std::string &why);
};

/// Int8 weight of `w` (the umodel's when it has one) and per-channel scales
/// expanded to `channels` entries.
Int8Weight weightOf(const UModel &u, const Value *w, int axis, bool perChannel) {
  auto it = u.int8Weights.find(w->name());
  if (it != u.int8Weights.end() && it->second.axis == (perChannel ? axis : -1) &&
      it->second.data.shape() == w->shape())
    return Int8Weight{it->second.data, it->second.scales, it->second.axis};
  return quantizeWeight(*w->constantValue(), perChannel ? axis : -1);
}

float channelScale(const Int8Weight &w, int64_t c) {
  return w.scales.size() == 1 ? w.scales[0] : w.scales[size_t(c)];
}

Tensor biasInt32(const Tensor *b, int64_t channels, float inScale,
                 const Int8Weight &w) {
  Tensor t(DType::I32, Shape{channels});
  if (!b)
    return t;
  Tensor bf = b->castTo(DType::F32);
  for (int64_t c = 0; c < channels; ++c) {
    double v = std::round(double(bf.data<float>()[c]) /
                          (double(inScale) * channelScale(w, c)));
    v = std::clamp(v, double(INT32_MIN), double(INT32_MAX));
    t.data<int32_t>()[c] = int32_t(v);
  }
  return t;
}

/// Per-channel (or one) requant of in_scale * w_scale[c] / out_scale.
void channelRequant(const Int8Weight &w, int64_t channels, float inScale,
                    float outScale, std::vector<int64_t> &mult,
                    std::vector<int64_t> &shift) {
  int64_t n = w.scales.size() == 1 ? 1 : channels;
  for (int64_t c = 0; c < n; ++c) {
    RequantParams p =
        rescale(double(inScale) * channelScale(w, c) / double(outScale));
    mult.push_back(p.multiplier);
    shift.push_back(p.shift);
  }
}

llvm::Expected<bool> NetQuantizer::quantizeConv(Node &n) {
  Value *x = n.input(0), *w = n.input(1), *b = n.input(2);
  if (x->shape().rank() != 4 || !w->constantValue() || w->dtype() != DType::F32 ||
      (b && (!b->constantValue() || b->shape().rank() != 1)))
    return false;
  auto qx = getQ(x, &n, n);
  if (!qx)
    return qx.takeError();
  auto tgt = requantTarget(n);
  if (!tgt)
    return missingOutput(n);
  Value *out = tgt->out;
  float outScale = tgt->scale;
  Node *relu = tgt->relu;
  int64_t oc = w->shape()[0];
  Int8Weight qw = weightOf(u_, w, 0, u_.perChannel);
  float inScale = scaleOf(*qx);
  std::vector<int64_t> mult, shift;
  channelRequant(qw, oc, inScale, outScale, mult, shift);
  std::vector<Value *> ins = {*qx, constant(w->name() + "_int8", qw.data)};
  if (b)
    ins.push_back(constant(b->name() + "_int32",
                           biasInt32(b->constantValue(), oc, inScale, qw)));
  std::vector<std::pair<std::string, AttrValue>> attrs = {
      {"multiplier", mult}, {"shift", shift},
      {"relu", int64_t(relu ? 1 : 0)}, {"to", DType::I8}};
  for (const char *k : {"kernel_shape", "strides", "pads", "dilations", "group"})
    if (n.hasAttr(k))
      attrs.push_back({k, *n.attrs().find(k)});
  auto qn = make(OpKind::QConv, ins, out->name() + "_q", n, &n, attrs,
                 symmetric(outScale));
  if (!qn)
    return qn.takeError();
  return defineTarget(*tgt, *qn);
}

llvm::Expected<bool> NetQuantizer::quantizeGemm(Node &n) {
  Value *a = n.input(0), *w = n.input(1);
  Value *c = n.kind() == OpKind::Gemm ? n.input(2) : nullptr;
  if (a->shape().rank() != 2 || !w->constantValue() || w->dtype() != DType::F32 ||
      w->shape().rank() != 2)
    return false;
  bool transB = false;
  if (n.kind() == OpKind::Gemm) {
    if (n.getInt("transA") || n.getFloat("alpha") != 1.0f ||
        (c && n.getFloat("beta") != 1.0f))
      return false;
    transB = n.getInt("transB") != 0;
  }
  int64_t N = transB ? w->shape()[0] : w->shape()[1];
  if (c && (!c->constantValue() || c->constantValue()->numElements() != N))
    return false;
  auto qa = getQ(a, &n, n);
  if (!qa)
    return qa.takeError();
  auto tgt = requantTarget(n);
  if (!tgt)
    return missingOutput(n);
  Value *out = tgt->out;
  float outScale = tgt->scale;
  Node *relu = tgt->relu;
  Int8Weight qw = weightOf(u_, w, transB ? 0 : 1, u_.perChannel);
  float inScale = scaleOf(*qa);
  std::vector<int64_t> mult, shift;
  channelRequant(qw, N, inScale, outScale, mult, shift);
  std::vector<Value *> ins = {*qa, constant(w->name() + "_int8", qw.data)};
  if (c) {
    Tensor flat = c->constantValue()->castTo(DType::F32);
    Tensor c1(DType::F32, Shape{N});
    std::copy(flat.data<float>(), flat.data<float>() + N, c1.data<float>());
    ins.push_back(constant(c->name() + "_int32", biasInt32(&c1, N, inScale, qw)));
  }
  auto qn = make(OpKind::QMatMul, ins, out->name() + "_q", n, &n,
                 {{"trans_b", int64_t(transB)}, {"multiplier", mult},
                  {"shift", shift}, {"relu", int64_t(relu ? 1 : 0)},
                  {"to", DType::I8}},
                 symmetric(outScale));
  if (!qn)
    return qn.takeError();
  return defineTarget(*tgt, *qn);
}

llvm::Expected<bool> NetQuantizer::quantizeAdd(Node &n) {
  Value *a = n.input(0), *b = n.input(1);
  if (a->constantValue() || b->constantValue() || !act(a) || !act(b))
    return false;
  auto tgt = requantTarget(n);
  if (!tgt)
    return false;
  Value *out = tgt->out;
  float outScale = tgt->scale;
  Node *relu = tgt->relu;
  auto qa = getQ(a, &n, n);
  if (!qa)
    return qa.takeError();
  auto qb = getQ(b, &n, n);
  if (!qb)
    return qb.takeError();
  double ma = scaleOf(*qa) / double(outScale), mb = scaleOf(*qb) / double(outScale);
  double mx = std::max(ma, mb);
  if (!(mx > 0) || mx > 32767)
    return false;
  // The largest shift that keeps both multipliers within 16 bits.
  int shift = std::min(30, int(std::floor(std::log2(32767.0 / mx))));
  int64_t ia = std::llround(ma * std::ldexp(1.0, shift)),
          ib = std::llround(mb * std::ldexp(1.0, shift));
  auto qn = make(OpKind::QAdd, {*qa, *qb}, out->name() + "_q", n, &n,
                 {{"multiplier", std::vector<int64_t>{ia, ib}},
                  {"shift", int64_t(shift)}, {"relu", int64_t(relu ? 1 : 0)},
                  {"to", DType::I8}},
                 symmetric(outScale));
  if (!qn)
    return qn.takeError();
  return defineTarget(*tgt, *qn);
}

llvm::Expected<bool> NetQuantizer::quantizeAvgPool(Node &n) {
  Value *x = n.input(0);
  const Shape &xs = x->shape();
  if (xs.rank() != 4 || !xs.isStatic())
    return false;
  std::vector<int64_t> kernel, strides, pads;
  if (n.kind() == OpKind::GlobalAveragePool) {
    kernel = {xs[2], xs[3]};
  } else {
    if (n.getInt("ceil_mode"))
      return false;
    kernel.assign(n.getInts("kernel_shape").begin(), n.getInts("kernel_shape").end());
    strides.assign(n.getInts("strides").begin(), n.getInts("strides").end());
    pads.assign(n.getInts("pads").begin(), n.getInts("pads").end());
    bool padded = false;
    for (int64_t p : pads)
      padded |= p != 0;
    if (padded && !n.getInt("count_include_pad"))
      return false; // the divisor would vary at the edges
    if (kernel.size() != 2)
      return false;
  }
  const ActivationQuant *a = act(n.output());
  if (!a)
    return false;
  auto qx = getQ(x, &n, n);
  if (!qx)
    return qx.takeError();
  double area = double(kernel[0]) * kernel[1];
  RequantParams p = rescale(scaleOf(*qx) / (area * a->scale));
  std::vector<std::pair<std::string, AttrValue>> attrs = {
      {"kernel_shape", kernel}, {"multiplier", int64_t(p.multiplier)},
      {"shift", int64_t(p.shift)}, {"to", DType::I8}};
  if (!strides.empty())
    attrs.push_back({"strides", strides});
  if (!pads.empty())
    attrs.push_back({"pads", pads});
  auto qn = make(OpKind::QAvgPool, {*qx}, n.output()->name() + "_q", n, &n,
                 attrs, symmetric(a->scale));
  if (!qn)
    return qn.takeError();
  defineQ(n.output(), (*qn)->output());
  return true;
}

llvm::Expected<bool> NetQuantizer::quantizeConcat(Node &n) {
  const ActivationQuant *a = act(n.output());
  if (!a)
    return false;
  for (Value *v : n.inputs())
    if (!v || (!q_.count(v) && !act(v)))
      return false;
  std::vector<Value *> ins;
  for (Value *v : n.inputs()) {
    auto qv = getQ(v, &n, n);
    if (!qv)
      return qv.takeError();
    Value *in = *qv;
    if (scaleOf(in) != a->scale) {
      RequantParams p = rescale(double(scaleOf(in)) / a->scale);
      auto rq = make(OpKind::Requant, {in}, v->name() + "_rescaled", n, &n,
                     {{"multiplier", std::vector<int64_t>{p.multiplier}},
                      {"shift", std::vector<int64_t>{p.shift}},
                      {"to", DType::I8}},
                     symmetric(a->scale));
      if (!rq)
        return rq.takeError();
      in = (*rq)->output();
    }
    ins.push_back(in);
  }
  auto qn = make(OpKind::Concat, ins, n.output()->name() + "_q", n, &n,
                 {{"axis", n.getInt("axis")}}, symmetric(a->scale));
  if (!qn)
    return qn.takeError();
  defineQ(n.output(), (*qn)->output());
  return true;
}

llvm::Expected<bool> NetQuantizer::quantizeMove(Node &n) {
  auto it = q_.find(n.input(0));
  if (it == q_.end())
    return false; // its input is FP32: move it in FP32
  std::vector<Value *> ins = {it->second};
  for (unsigned i = 1; i < n.numInputs(); ++i) {
    Value *v = n.input(i);
    if (v && !v->constantValue())
      return false;
    ins.push_back(v);
  }
  std::vector<std::pair<std::string, AttrValue>> attrs;
  for (const auto &kv : n.attrs().entries())
    attrs.push_back({kv.first, kv.second});
  auto qn = make(n.kind(), ins, n.output()->name() + "_q", n, &n, attrs,
                 it->second->type().quant);
  if (!qn)
    return qn.takeError();
  defineQ(n.output(), (*qn)->output());
  return true;
}

llvm::Expected<bool> NetQuantizer::quantizeLut(Node &n) {
  // An element-wise function of one INT8 activation (other operands scalar
  // constants) is a 256-entry table.
  if (!n.info().has(kElementwise) && n.kind() != OpKind::Clip)
    return false;
  if (n.numOutputs() != 1 || n.output()->dtype() != DType::F32)
    return false;
  int var = -1;
  for (unsigned i = 0; i < n.numInputs(); ++i) {
    Value *v = n.input(i);
    if (!v)
      continue;
    if (const Tensor *t = v->constantValue()) {
      if (t->numElements() != 1)
        return false;
      continue;
    }
    if (var >= 0)
      return false;
    var = int(i);
  }
  if (var < 0 || !q_.count(n.input(unsigned(var))))
    return false;
  const ActivationQuant *a = act(n.output());
  if (!a || !(a->scale > 0))
    return false;
  Value *qx = q_[n.input(unsigned(var))];
  float inScale = scaleOf(qx);
  Tensor xs(DType::F32, Shape{256});
  for (int b = 0; b < 256; ++b)
    xs.data<float>()[b] = float(int8_t(uint8_t(b))) * inScale;
  std::vector<Tensor> ins;
  for (unsigned i = 0; i < n.numInputs(); ++i) {
    Value *v = n.input(i);
    if (!v)
      ins.emplace_back();
    else if (int(i) == var)
      ins.push_back(xs);
    else
      ins.push_back(v->constantValue()->castTo(v->dtype()));
  }
  std::vector<Tensor> outs;
  if (llvm::Error e = opHooks(n.kind()).compute(n, ins, outs, ctx_)) {
    llvm::consumeError(std::move(e));
    return false;
  }
  if (outs.size() != 1 || outs[0].numElements() != 256 ||
      outs[0].dtype() != DType::F32)
    return false;
  Tensor table(DType::I8, Shape{256});
  for (int b = 0; b < 256; ++b) {
    double y = double(outs[0].data<float>()[b]) / a->scale;
    y = std::isnan(y) ? 0 : std::clamp(std::round(y), -128.0, 127.0);
    table.data<int8_t>()[b] = int8_t(y);
  }
  auto qn = make(OpKind::Lut, {qx, constant(n.output()->name() + "_lut", table)},
                 n.output()->name() + "_q", n, &n, {}, symmetric(a->scale));
  if (!qn)
    return qn.takeError();
  defineQ(n.output(), (*qn)->output());
  return true;
}

void NetQuantizer::fallback(Node &n, const std::string &why) {
  for (unsigned i = 0; i < n.numInputs(); ++i)
    if (Value *v = n.input(i))
      n.setInput(i, getFp(v, &n, n));
  for (unsigned i = 0; i < n.numOutputs(); ++i)
    fp_[n.output(i)] = n.output(i);
  ++sum_.fp32Nodes;
  ++sum_.fp32Ops[n.info().name.str()];
  sum_.fp32Reasons.push_back(n.name() + " (" + n.info().name.str() + "): " + why);
}

llvm::Expected<QuantizeSummary> NetQuantizer::run() {
  if (!g_.nodes().empty())
    for (auto &np : g_.nodes())
      for (unsigned i = 0; i < np->numOutputs(); ++i)
        if (np->output(i)->dtype() == DType::I8)
          return nodeError(*np, "the net is already quantized");
  // Inputs: INT8 with their calibrated scale unless kept FP32.
  for (Value *in : g_.inputs()) {
    if (o_.allInputsFp32 || o_.inputsFp32.count(in->name()) ||
        in->dtype() != DType::F32)
      continue;
    const ActivationQuant *a = act(in);
    if (!a)
      return makeError("no calibration entry for net input '" + in->name() +
                       "'");
    TensorType t(DType::I8, in->shape());
    t.quant = QuantParams{{a->scale}, {a->zeroPoint}, -1};
    in->setType(t);
    q_[in] = in;
  }
  std::vector<Node *> order;
  for (auto &np : g_.nodes())
    order.push_back(np.get());
  for (Node *np : order) {
    Node &n = *np;
    if (n.kind() == OpKind::Constant || fused_.count(&n))
      continue;
    bool allF32 = true;
    for (unsigned i = 0; i < n.numOutputs(); ++i)
      allF32 &= n.output(i)->dtype() == DType::F32;
    if (keepFp32(n)) {
      fallback(n, "kept in FP32 (-fpfwd_outputs / fp32 layer list)");
      continue;
    }
    if (!allF32) {
      fallback(n, "non-float output");
      continue;
    }
    llvm::Expected<bool> done = false;
    switch (n.kind()) {
    case OpKind::Conv:
      done = quantizeConv(n);
      break;
    case OpKind::Gemm:
    case OpKind::MatMul:
      done = quantizeGemm(n);
      break;
    case OpKind::Add:
      done = quantizeAdd(n);
      break;
    case OpKind::AveragePool:
    case OpKind::GlobalAveragePool:
      done = quantizeAvgPool(n);
      break;
    case OpKind::Concat:
      done = quantizeConcat(n);
      break;
    default:
      if (isDataMove(n))
        done = quantizeMove(n);
      else
        done = quantizeLut(n);
      break;
    }
    if (!done)
      return done.takeError();
    if (!*done)
      fallback(n, "no INT8 form for this operand combination");
  }
  // Outputs.
  std::vector<Value *> outs(g_.outputs().begin(), g_.outputs().end());
  std::vector<std::pair<std::string, Value *>> outNames;
  for (unsigned i = 0; i < outs.size(); ++i) {
    Value *v = outs[i];
    bool fp = o_.allOutputsFp32 || o_.outputsFp32.count(v->name()) ||
              !q_.count(v);
    Node *dummy = nullptr;
    Value *nv = v;
    if (fp) {
      if (q_.count(v)) {
        // Dequantized at the end of the net.
        Node *producer = q_[v]->producer();
        nv = getFp(v, dummy, producer ? *producer : *g_.nodes().back());
      } else {
        nv = fp_.count(v) ? fp_[v] : v;
      }
    } else {
      nv = q_[v];
    }
    g_.setOutput(i, nv);
    outNames.push_back({v->name(), nv});
  }
  // Drop the FP32 originals nothing uses any more.
  for (bool changed = true; changed;) {
    changed = false;
    std::vector<Node *> dead;
    for (auto &np : g_.nodes()) {
      bool used = false;
      for (unsigned i = 0; i < np->numOutputs(); ++i)
        used |= np->output(i)->hasUses() || isGraphOutput(np->output(i));
      if (!used)
        dead.push_back(np.get());
    }
    for (auto it = dead.rbegin(); it != dead.rend(); ++it) {
      bool used = false;
      for (unsigned i = 0; i < (*it)->numOutputs(); ++i)
        used |= (*it)->output(i)->hasUses();
      if (!used) {
        g_.eraseNode(*it);
        changed = true;
      }
    }
  }
  // Values take back the names of the FP32 values they replace: outputs
  // first (the bmodel's output names), then the INT8 forms.
  std::set<Value *> live(g_.inputs().begin(), g_.inputs().end());
  for (auto &np : g_.nodes())
    for (unsigned i = 0; i < np->numOutputs(); ++i)
      live.insert(np->output(i));
  for (auto &[name, v] : outNames)
    if (v->name() != name && !g_.findValue(name))
      g_.renameValue(v, name);
  for (auto &[name, v] : renames_)
    if (live.count(v) && v->name() != name && !g_.findValue(name))
      g_.renameValue(v, name);
  m_.stage = IRStage::Quantized;
  if (llvm::Error e = verifyGraphKeepTypes(g_))
    return e;
  return sum_;
}

} // namespace

llvm::Expected<QuantizeSummary> quantizeModule(Module &m, const UModel &u,
                                               const QuantizeOptions &opts) {
  NetQuantizer q(m, u, opts);
  return q.run();
}

} // namespace onntc
