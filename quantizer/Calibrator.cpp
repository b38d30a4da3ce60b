//===- Calibrator.cpp - FP32 reference over a calibration set -------------===//
#include "quantizer/Calibrator.h"

#include "quantizer/Dataset.h"
#include "quantizer/Preprocess.h"

#include "ir/Diagnostics.h"
#include "ir/Interpreter.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <thread>

namespace onntc {

struct BatchSource::Input {
  const Value *value;
  DataLayer layer;
  std::unique_ptr<LmdbReader> reader;
  Shape shape;
};

llvm::Expected<std::unique_ptr<BatchSource>>
BatchSource::open(const Graph &g, const std::vector<DataLayer> &data,
                  llvm::StringRef protoPath) {
  std::unique_ptr<BatchSource> s(new BatchSource);
  s->batches_ = SIZE_MAX;
  for (const Value *in : g.inputs()) {
    const DataLayer *d = nullptr;
    for (const DataLayer &l : data)
      if (l.top == in->name())
        d = &l;
    if (!d)
      return makeError(protoPath + ": no Data layer feeds network input '" +
                       in->name() + "' (add one with top: \"" + in->name() +
                       "\")");
    const Shape &shape = in->shape();
    if (!shape.isStatic() || shape.rank() != 4 || in->dtype() != DType::F32)
      return makeError(protoPath + ": network input '" + in->name() +
                       "' is " + in->type().str() +
                       "; calibration from images needs a static NCHW f32 "
                       "input");
    if (d->source.empty())
      return makeError(protoPath + ": Data layer '" + d->name +
                       "' has no data_param.source; set it to the calibration "
                       "LMDB (made by convert_imageset)");
    if (d->batchSize != unsigned(shape[0]))
      return makeError(protoPath + ": Data layer '" + d->name +
                       "' has batch_size " + llvm::Twine(d->batchSize) +
                       " but network input '" + in->name() + "' has batch " +
                       llvm::Twine(shape[0]));
    if (d->preprocess.resizeH &&
        (d->preprocess.resizeH != shape[2] || d->preprocess.resizeW != shape[3]))
      return makeError(protoPath + ": Data layer '" + d->name +
                       "' resizes to " + llvm::Twine(d->preprocess.resizeH) +
                       "x" + llvm::Twine(d->preprocess.resizeW) +
                       " but network input '" + in->name() + "' is " +
                       llvm::Twine(shape[2]) + "x" + llvm::Twine(shape[3]));
    auto r = LmdbReader::open(d->source);
    if (!r)
      return makeError(protoPath + ": Data layer '" + d->name + "': " +
                       llvm::toString(r.takeError()));
    auto in2 = std::make_unique<Input>();
    in2->value = in;
    in2->layer = *d;
    in2->reader = std::move(*r);
    in2->shape = shape;
    size_t b = in2->reader->size() / size_t(shape[0]);
    if (b < s->batches_) {
      s->batches_ = b;
      s->limiting_ = d->source;
    }
    s->inputs_.push_back(std::move(in2));
  }
  if (s->inputs_.empty())
    return makeError(protoPath + ": the net has no inputs");
  return s;
}

BatchSource::~BatchSource() = default;
size_t BatchSource::numBatches() const { return batches_; }
const std::string &BatchSource::limitingSource() const { return limiting_; }

void BatchSource::rewind() {
  for (auto &in : inputs_)
    in->reader->rewind();
}

llvm::Expected<std::vector<Tensor>> BatchSource::next() {
  std::vector<Tensor> out;
  for (auto &in : inputs_) {
    Tensor t(DType::F32, in->shape);
    for (int64_t n = 0; n < in->shape[0]; ++n) {
      std::string key;
      DatumRecord rec;
      auto more = in->reader->next(key, rec);
      if (!more)
        return more.takeError();
      if (!*more) { // Wrap around: the caller decides how many to read.
        in->reader->rewind();
        if (auto again = in->reader->next(key, rec); !again || !*again)
          return again ? makeError(in->layer.source + ": no records")
                       : again.takeError();
      }
      std::string what = in->layer.source + ": record '" + key + "'";
      auto img = datumToImage(rec, what);
      if (!img)
        return img.takeError();
      if (llvm::Error e = preprocessInto(*img, in->layer.preprocess, t, n, what))
        return e;
    }
    out.push_back(std::move(t));
  }
  return out;
}

static bool observed(const Node &n) { return n.kind() != OpKind::Constant; }

/// Statistics of one batch: the graph inputs and every observed F32 output.
static std::string batchStats(const Graph &g, llvm::ArrayRef<Tensor> batch,
                       KernelContext &ctx, CalibrationStats &p) {
  for (size_t i = 0; i < batch.size(); ++i)
    p.tensors[g.inputs()[i]->name()].add(batch[i].data<float>(),
                                         size_t(batch[i].numElements()));
  auto outs = runGraph(g, batch, ctx, [&](const Node &n,
                                          llvm::ArrayRef<Tensor> r) {
    if (!observed(n))
      return;
    for (unsigned i = 0; i < n.numOutputs() && i < r.size(); ++i)
      if (r[i].isValid() && r[i].dtype() == DType::F32)
        p.tensors[n.output(i)->name()].add(r[i].data<float>(),
                                           size_t(r[i].numElements()));
  });
  if (!outs)
    return llvm::toString(outs.takeError());
  p.samples = size_t(batch[0].shape()[0]);
  return "";
}

llvm::Expected<CalibrationStats>
collectStats(const Graph &g, BatchSource &src, size_t iterations,
             KernelContext &ctx, const BatchProgressFn &progress) {
  // One batch per worker at a time, each worker single-threaded (whole
  // batches in parallel use two cores better than one batch's kernels
  // split in two). Every batch makes its own statistics and they merge in
  // batch order, so the result does not depend on the number of workers.
  CalibrationStats s;
  src.rewind();
  unsigned workers = std::max(1u, ctx.numThreads());
  std::vector<std::unique_ptr<KernelContext>> ctxs;
  for (unsigned w = 0; w < workers; ++w)
    ctxs.push_back(std::make_unique<KernelContext>(1));
  for (size_t it = 0; it < iterations; it += workers) {
    size_t n = std::min<size_t>(workers, iterations - it);
    std::vector<std::vector<Tensor>> batches;
    for (size_t k = 0; k < n; ++k) {
      auto batch = src.next();
      if (!batch)
        return batch.takeError();
      batches.push_back(std::move(*batch));
    }
    std::vector<CalibrationStats> part(n);
    std::vector<std::string> errs(n);
    std::vector<std::thread> threads;
    for (size_t k = 1; k < n; ++k)
      threads.emplace_back([&, k] {
        errs[k] = batchStats(g, batches[k], *ctxs[k], part[k]);
      });
    errs[0] = batchStats(g, batches[0], *ctxs[0], part[0]);
    for (std::thread &t : threads)
      t.join();
    for (size_t k = 0; k < n; ++k) {
      if (!errs[k].empty())
        return makeError(errs[k]);
      for (auto &[name, st] : part[k].tensors)
        s.tensors[name].merge(st);
      s.samples += part[k].samples;
    }
    if (progress)
      progress(it + n, iterations);
  }
  return s;
}

std::map<std::string, ActivationQuant>
makeActivationTable(const CalibrationStats &s, ThMethod method,
                    const std::vector<std::string> &fp32Values, const Graph &g) {
  std::map<std::string, ActivationQuant> t;
  for (const auto &[name, st] : s.tensors) {
    ActivationQuant a;
    a.threshold = float(computeThreshold(st, method));
    a.min = st.min();
    a.max = st.max();
    // An all-zero tensor gets scale 1/127 so that it still dequantizes.
    a.scale = a.threshold > 0 ? a.threshold / 127.f : 1.f / 127.f;
    a.zeroPoint = 0;
    const Value *v = g.findValue(name);
    for (const std::string &f : fp32Values)
      if (f == name || (v && v->producer() && (v->producer()->name() == f ||
                                              v->producer()->loc().node == f)))
        a.fp32 = true;
    t[name] = a;
  }
  return t;
}

Int8Weight quantizeWeight(const Tensor &w, int axis) {
  Int8Weight q;
  q.axis = axis;
  q.data = Tensor(DType::I8, w.shape());
  const float *x = w.data<float>();
  int8_t *y = q.data.data<int8_t>();
  int64_t n = w.numElements();
  int64_t channels = axis >= 0 ? w.shape()[axis] : 1;
  int64_t inner = 1;
  for (size_t d = size_t(axis >= 0 ? axis + 1 : 0); d < w.shape().rank(); ++d)
    inner *= w.shape()[d];
  if (axis < 0)
    inner = n;
  std::vector<float> absMax(size_t(channels), 0.f);
  for (int64_t i = 0; i < n; ++i) {
    int64_t c = (i / inner) % channels;
    absMax[size_t(c)] = std::max(absMax[size_t(c)], std::fabs(x[i]));
  }
  for (float a : absMax)
    q.scales.push_back(a > 0 ? a / 127.f : 1.f);
  for (int64_t i = 0; i < n; ++i) {
    float v = std::round(x[i] / q.scales[size_t((i / inner) % channels)]);
    y[i] = int8_t(std::clamp(v, -127.f, 127.f));
  }
  return q;
}

std::optional<WeightUse> weightOperand(const Node &n) {
  auto isConst = [&](unsigned i) {
    const Value *v = n.input(i);
    return v && v->constantValue() && v->dtype() == DType::F32;
  };
  switch (n.kind()) {
  case OpKind::Conv:
    return isConst(1) ? std::optional<WeightUse>(WeightUse{1, 0}) : std::nullopt;
  case OpKind::ConvTranspose: // Weight (C_in, C_out/group, kh, kw).
    return isConst(1) ? std::optional<WeightUse>(WeightUse{1, 1}) : std::nullopt;
  case OpKind::Gemm:
    if (!isConst(1))
      return std::nullopt;
    return WeightUse{1, n.getInt("transB") ? 0 : 1};
  case OpKind::MatMul:
    if (!isConst(1) || n.input(1)->shape().rank() != 2)
      return std::nullopt;
    return WeightUse{1, 1};
  default:
    return std::nullopt;
  }
}

void quantizeWeights(const Graph &g, bool perChannel, UModel &u) {
  for (const auto &np : g.nodes()) {
    const Node &n = *np;
    auto wu = weightOperand(n);
    if (!wu)
      continue;
    const Value *w = n.input(wu->operand);
    Int8Weight q = quantizeWeight(*w->constantValue(), perChannel ? wu->axis : -1);
    const Value *b = n.numInputs() > 2 ? n.input(2) : nullptr;
    auto in = u.activations.find(n.input(0)->name());
    if (b && b->constantValue() && b->dtype() == DType::F32 &&
        b->shape().rank() == 1 && in != u.activations.end() &&
        n.kind() != OpKind::Gemm) {
      const Tensor &bt = *b->constantValue();
      Int32Bias qb;
      qb.data = Tensor(DType::I32, bt.shape());
      for (int64_t c = 0; c < bt.numElements(); ++c) {
        float ws = q.scales.size() == 1 ? q.scales[0] : q.scales[size_t(c)];
        float sc = in->second.scale * ws;
        qb.scales.push_back(sc);
        double v = std::round(double(bt.data<float>()[c]) / sc);
        qb.data.data<int32_t>()[c] =
            int32_t(std::clamp(v, double(INT32_MIN), double(INT32_MAX)));
      }
      u.int32Biases[b->name()] = std::move(qb);
    }
    u.int8Weights[w->name()] = std::move(q);
  }
}

/// Quantize-dequantize in place with a symmetric scale.
static void fakeQuant(Tensor &t, float scale) {
  float *x = t.data<float>();
  float inv = 1.f / scale;
  for (int64_t i = 0; i < t.numElements(); ++i)
    x[i] = std::clamp(std::round(x[i] * inv), -128.f, 127.f) * scale;
}

static Tensor dequant(const Int8Weight &q, const Tensor &like) {
  Tensor t(DType::F32, like.shape());
  int64_t n = t.numElements();
  int64_t channels = q.axis >= 0 ? like.shape()[q.axis] : 1;
  int64_t inner = 1;
  for (size_t d = size_t(q.axis >= 0 ? q.axis + 1 : 0); d < like.shape().rank(); ++d)
    inner *= like.shape()[d];
  if (q.axis < 0)
    inner = n;
  for (int64_t i = 0; i < n; ++i)
    t.data<float>()[i] = float(q.data.data<int8_t>()[i]) *
                         q.scales[size_t((i / inner) % channels)];
  return t;
}

llvm::Expected<std::map<std::string, double>>
simulateInt8(const Graph &g, const std::map<std::string, ActivationQuant> &acts,
             bool perChannel, BatchSource &src, size_t iterations,
             KernelContext &ctx, const BatchProgressFn &progress) {
  struct Acc {
    double dot = 0, nf = 0, nq = 0;
  };
  std::map<std::string, Acc> acc;
  llvm::DenseMap<const Value *, Tensor> qWeights;
  for (const auto &np : g.nodes())
    if (auto wu = weightOperand(*np)) {
      const Value *w = np->input(wu->operand);
      const Tensor &t = *w->constantValue();
      qWeights[w] = dequant(quantizeWeight(t, perChannel ? wu->axis : -1), t);
    }
  auto quantOf = [&](const Value *v) -> const ActivationQuant * {
    auto it = acts.find(v->name());
    return it == acts.end() || it->second.fp32 ? nullptr : &it->second;
  };
  auto accumulate = [&](const Value *v, const Tensor &f, const Tensor &q) {
    Acc &a = acc[v->name()];
    const float *x = f.data<float>(), *y = q.data<float>();
    for (int64_t i = 0; i < f.numElements(); ++i) {
      a.dot += double(x[i]) * y[i];
      a.nf += double(x[i]) * x[i];
      a.nq += double(y[i]) * y[i];
    }
  };

  llvm::DenseMap<const Value *, size_t> uses;
  for (const auto &n : g.nodes())
    for (Value *v : n->inputs())
      if (v)
        ++uses[v];
  src.rewind();
  for (size_t it = 0; it < iterations; ++it) {
    auto batch = src.next();
    if (!batch)
      return batch.takeError();
    llvm::DenseMap<const Value *, Tensor> envF, envQ;
    llvm::DenseMap<const Value *, size_t> left = uses;
    for (size_t i = 0; i < batch->size(); ++i) {
      const Value *v = g.inputs()[i];
      envF[v] = (*batch)[i];
      Tensor q = (*batch)[i].clone();
      if (const ActivationQuant *a = quantOf(v))
        fakeQuant(q, a->scale);
      accumulate(v, envF[v], q);
      envQ[v] = std::move(q);
    }
    std::vector<Tensor> argsF, argsQ;
    for (const auto &np : g.nodes()) {
      const Node &n = *np;
      argsF.clear();
      argsQ.clear();
      auto wu = weightOperand(n);
      for (unsigned i = 0; i < n.numInputs(); ++i) {
        const Value *v = n.input(i);
        if (!v) {
          argsF.emplace_back();
          argsQ.emplace_back();
          continue;
        }
        argsF.push_back(envF.lookup(v));
        argsQ.push_back(wu && i == wu->operand ? qWeights.lookup(v)
                                               : envQ.lookup(v));
      }
      auto of = runNode(n, argsF, ctx);
      if (!of)
        return of.takeError();
      auto oq = n.kind() == OpKind::Constant ? std::move(of) : runNode(n, argsQ, ctx);
      if (!oq)
        return oq.takeError();
      if (n.kind() == OpKind::Constant) {
        envF[n.output(0)] = (*oq)[0];
        envQ[n.output(0)] = (*oq)[0];
        continue;
      }
      for (unsigned i = 0; i < n.numOutputs(); ++i) {
        const Value *v = n.output(i);
        Tensor &q = (*oq)[i];
        Tensor &f = (*of)[i];
        if (q.isValid() && q.dtype() == DType::F32) {
          if (const ActivationQuant *a = quantOf(v))
            fakeQuant(q, a->scale);
          accumulate(v, f, q);
        }
        envF[v] = std::move(f);
        envQ[v] = std::move(q);
      }
      for (const Value *v : n.inputs())
        if (v && --left[v] == 0 && !llvm::is_contained(g.outputs(), v)) {
          envF.erase(v);
          envQ.erase(v);
        }
    }
    if (progress)
      progress(it + 1, iterations);
  }
  std::map<std::string, double> cos;
  for (const auto &[name, a] : acc)
    cos[name] = a.nf == 0 && a.nq == 0 ? 1.0
                : a.nf == 0 || a.nq == 0
                    ? 0.0
                    : a.dot / std::sqrt(a.nf * a.nq);
  return cos;
}

} // namespace onntc
