//===- AutoCali.cpp - one-step calibration: the strategy search -----------===//
#include "quantizer/AutoCali.h"

#include "quantizer/Calibrator.h"
#include "quantizer/Dataset.h"
#include "quantizer/ImageSet.h"

#include "ir/Diagnostics.h"
#include "ir/Interpreter.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "support/IntMath.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

namespace onntc {

//===----------------------------------------------------------------------===//
// Images
//===----------------------------------------------------------------------===//

llvm::Expected<CaliBatches> readCaliBatches(const Graph &g,
                                            const CaliImageSource &src,
                                            size_t maxImages) {
  if (g.inputs().size() != 1)
    return makeError("the net has " + llvm::Twine(g.inputs().size()) +
                     " inputs; calibration from images needs exactly one");
  const Value *in = g.inputs()[0];
  const Shape &shape = in->shape();
  if (!shape.isStatic() || shape.rank() != 4 || in->dtype() != DType::F32)
    return makeError("network input '" + in->name() + "' is " +
                     in->type().str() +
                     "; calibration from images needs a static NCHW f32 input");
  const Preprocess &p = src.preprocess;
  if ((p.resizeH || p.resizeW) &&
      (p.resizeH != shape[2] || p.resizeW != shape[3]))
    return makeError("the preprocessing resizes to " + llvm::Twine(p.resizeH) +
                     "x" + llvm::Twine(p.resizeW) + " but network input '" +
                     in->name() + "' is " + llvm::Twine(shape[2]) + "x" +
                     llvm::Twine(shape[3]) + " (" + in->type().str() + ")");
  if (src.imageFolder.empty() == src.lmdb.empty())
    return makeError("give either an image folder or an LMDB");

  CaliBatches out;
  const int64_t batch = shape[0];
  Tensor cur;
  int64_t slot = 0;
  auto add = [&](const Image &img, const std::string &what) -> llvm::Error {
    if (slot == 0)
      cur = Tensor(DType::F32, shape);
    if (llvm::Error e = preprocessInto(img, p, cur, slot, what))
      return e;
    ++out.images;
    if (++slot == batch) {
      out.batches.push_back({std::move(cur)});
      slot = 0;
    }
    return llvm::Error::success();
  };

  if (!src.imageFolder.empty()) {
    std::vector<std::string> images, others;
    if (llvm::Error e = listImageFiles(src.imageFolder, images, others))
      return e;
    if (images.empty())
      return makeError(src.imageFolder +
                       ": no images (.jpg .jpeg .png .bmp) in the folder");
    for (const std::string &rel : images) {
      if (out.images >= maxImages)
        break;
      std::string path = src.imageFolder + "/" + rel;
      auto img = readImageFile(path);
      if (!img) {
        out.skipped.push_back(llvm::toString(img.takeError()));
        continue;
      }
      if (llvm::Error e = add(*img, path))
        return e;
    }
    if (out.images == 0)
      return makeError(src.imageFolder + ": none of the " +
                       llvm::Twine(images.size()) + " images decodes");
  } else {
    auto r = LmdbReader::open(src.lmdb);
    if (!r)
      return r.takeError();
    std::string key;
    DatumRecord rec;
    while (out.images < maxImages) {
      auto more = (*r)->next(key, rec);
      if (!more)
        return more.takeError();
      if (!*more)
        break;
      std::string what = src.lmdb + ": record '" + key + "'";
      auto img = datumToImage(rec, what);
      if (!img)
        return img.takeError();
      if (llvm::Error e = add(*img, what))
        return e;
    }
  }
  if (out.batches.empty())
    return makeError((src.imageFolder.empty() ? src.lmdb : src.imageFolder) +
                     ": " + llvm::Twine(out.images) +
                     " images, fewer than one batch of " + llvm::Twine(batch));
  out.images = out.batches.size() * size_t(batch); // A partial batch is dropped.
  return out;
}

//===----------------------------------------------------------------------===//
// Strategies
//===----------------------------------------------------------------------===//

std::string shortNumber(double x) {
  char buf[32];
  snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

std::string CaliStrategy::name() const {
  std::string s = thMethodName(method).str() +
                  (perChannel ? " per_channel" : " per_tensor");
  if (!fp32Layers.empty())
    s += " +fp32 [" + llvm::join(fp32Layers, ", ") + "]";
  return s;
}

std::vector<CaliStrategy>
defaultStrategies(const std::vector<std::string> &fp32Layers) {
  std::vector<CaliStrategy> v;
  for (ThMethod m : {ThMethod::KL, ThMethod::Max, ThMethod::Percentile9999,
                     ThMethod::Mse})
    for (bool pc : {false, true})
      v.push_back(CaliStrategy{m, pc, fp32Layers});
  return v;
}

llvm::Expected<CaliStrategy> parseCaliAccuracyOpt(llvm::StringRef text) {
  CaliStrategy s;
  llvm::SmallVector<llvm::StringRef, 4> items;
  text.split(items, ';', -1, false);
  for (llvm::StringRef item : items) {
    item = item.trim();
    if (item.empty())
      continue;
    auto [key, value] = item.ltrim('-').split('=');
    key = key.trim();
    value = value.trim();
    if (key == "th_method") {
      auto m = parseThMethod(value);
      if (!m)
        return makeError("'" + item + "': th_method takes KL, MAX, MSE or "
                                      "PERCENTILE9999");
      s.method = *m;
    } else if (key == "per_channel") {
      std::string l = value.lower();
      if (l == "true" || l == "1")
        s.perChannel = true;
      else if (l == "false" || l == "0")
        s.perChannel = false;
      else
        return makeError("'" + item + "': per_channel takes true or false");
    } else if (key == "fpfwd_outputs") {
      llvm::SmallVector<llvm::StringRef, 8> names;
      value.split(names, ',', -1, false);
      for (llvm::StringRef n : names)
        if (!n.trim().empty())
          s.fp32Layers.push_back(n.trim().str());
    } else {
      return makeError("'" + item + "': unknown key '" + key +
                       "' (known: -th_method, -per_channel, -fpfwd_outputs)");
    }
  }
  return s;
}

llvm::Expected<std::unique_ptr<Module>> cloneModule(const Module &m) {
  std::string text = printModuleToString(m);
  auto p = parseModuleText(text, m.name + " (copy)");
  if (!p)
    return p.takeError();
  return std::move(p->module);
}

llvm::Expected<UModel> makeInt8UModel(const Module &fp32,
                                      const CalibrationStats &stats,
                                      const CaliStrategy &s) {
  const Graph &g = fp32.graph;
  UModel q;
  q.kind = UModelKind::Int8;
  q.netName = fp32.name;
  q.thMethod = thMethodName(s.method).str();
  q.perChannel = s.perChannel;
  q.calibrationSamples = uint32_t(stats.samples);
  q.activations = makeActivationTable(stats, s.method, s.fp32Layers, g);
  quantizeWeights(g, s.perChannel, q);
  auto m = cloneModule(fp32);
  if (!m)
    return m.takeError();
  q.module = std::move(*m);
  return q;
}

//===----------------------------------------------------------------------===//
// Scoring
//===----------------------------------------------------------------------===//

namespace {

struct CosAcc {
  double dot = 0, na = 0, nb = 0;
  double value() const {
    if (na == 0 && nb == 0)
      return 1;
    if (na == 0 || nb == 0)
      return 0;
    return dot / std::sqrt(na * nb);
  }
};

/// The real values a tensor of value `v` stands for.
Tensor realValues(const Tensor &t, const Value *v) {
  Tensor f = t.dtype() == DType::F32 ? t : t.castTo(DType::F32);
  if (t.dtype() == DType::F32 || !v->type().quant)
    return f;
  const QuantParams &q = *v->type().quant;
  Tensor r(DType::F32, t.shape());
  float scale = q.scale[0];
  float zp = float(q.zeroPoint[0]);
  for (int64_t i = 0; i < t.numElements(); ++i)
    r.data<float>()[i] = (f.data<float>()[i] - zp) * scale;
  return r;
}

void accumulate(CosAcc &a, const Tensor &got, const Tensor &want) {
  if (got.numElements() != want.numElements())
    return;
  const float *x = got.data<float>(), *y = want.data<float>();
  for (int64_t i = 0; i < got.numElements(); ++i) {
    a.dot += double(x[i]) * y[i];
    a.na += double(x[i]) * x[i];
    a.nb += double(y[i]) * y[i];
  }
}

/// Inputs the INT8 net takes as INT8 are quantized with their scale, as the
/// bmodel's caller (and bmnetu's reference data) do.
std::vector<Tensor> quantizeInputs(const Graph &g,
                                   const std::vector<Tensor> &fp) {
  std::vector<Tensor> out;
  for (size_t i = 0; i < fp.size(); ++i) {
    const Value *v = g.inputs()[i];
    if (v->dtype() == DType::F32 || !v->type().quant) {
      out.push_back(fp[i]);
      continue;
    }
    const QuantParams &q = *v->type().quant;
    bool u8 = v->dtype() == DType::U8;
    Tensor t(v->dtype(), fp[i].shape());
    float mul = float(1.0 / double(q.scale[0]));
    for (int64_t k = 0; k < t.numElements(); ++k)
      t.setInt(k, support::quantizeF32(fp[i].data<float>()[k], mul,
                                       q.zeroPoint[0], u8 ? 0 : -128,
                                       u8 ? 255 : 127));
    out.push_back(std::move(t));
  }
  return out;
}

bool isFp32Layer(const Node &n, const std::set<std::string> &fp32) {
  if (fp32.count(n.name()) || fp32.count(n.loc().node))
    return true;
  for (unsigned i = 0; i < n.numOutputs(); ++i)
    if (fp32.count(n.output(i)->name()))
      return true;
  return false;
}

} // namespace

llvm::Expected<StrategyResult>
evaluateStrategy(const Module &fp32, const CalibrationStats &stats,
                 const CaliStrategy &s,
                 const std::vector<std::vector<Tensor>> &test,
                 const QuantizeOptions &qo, KernelContext &ctx) {
  auto u = makeInt8UModel(fp32, stats, s);
  if (!u)
    return u.takeError();
  auto qm = cloneModule(fp32);
  if (!qm)
    return qm.takeError();
  auto sum = quantizeModule(**qm, *u, qo);
  if (!sum)
    return sum.takeError();
  const Graph &fg = fp32.graph, &qg = (*qm)->graph;

  StrategyResult r;
  r.strategy = s;
  r.quantizeSummary = std::to_string(sum->int8Nodes) + " INT8 nodes, " +
                      std::to_string(sum->fp32Nodes) + " FP32 nodes, " +
                      std::to_string(sum->casts) + " quantize/dequantize";
  std::vector<CosAcc> outs(fg.outputs().size());
  std::map<std::string, CosAcc> layers;
  std::map<std::string, Tensor> fpValues;
  for (const std::vector<Tensor> &batch : test) {
    fpValues.clear();
    for (size_t i = 0; i < batch.size(); ++i)
      fpValues[fg.inputs()[i]->name()] = batch[i];
    auto fo = runGraph(fg, batch, ctx,
                       [&](const Node &n, llvm::ArrayRef<Tensor> res) {
                         if (n.kind() == OpKind::Constant)
                           return;
                         for (unsigned i = 0; i < n.numOutputs(); ++i)
                           if (i < res.size() && res[i].isValid() &&
                               res[i].dtype() == DType::F32)
                             fpValues[n.output(i)->name()] = res[i];
                       });
    if (!fo)
      return fo.takeError();
    std::vector<Tensor> qin = quantizeInputs(qg, batch);
    for (size_t i = 0; i < qin.size(); ++i)
      accumulate(layers[qg.inputs()[i]->name()],
                 realValues(qin[i], qg.inputs()[i]), batch[i]);
    auto qo2 = runGraph(qg, qin, ctx,
                        [&](const Node &n, llvm::ArrayRef<Tensor> res) {
                          if (n.kind() == OpKind::Constant)
                            return;
                          for (unsigned i = 0; i < n.numOutputs(); ++i) {
                            const Value *v = n.output(i);
                            auto f = fpValues.find(v->name());
                            if (f == fpValues.end() || i >= res.size() ||
                                !res[i].isValid())
                              continue;
                            accumulate(layers[v->name()], realValues(res[i], v),
                                       f->second);
                          }
                        });
    if (!qo2)
      return qo2.takeError();
    for (size_t i = 0; i < outs.size() && i < qo2->size(); ++i)
      accumulate(outs[i], realValues((*qo2)[i], qg.outputs()[i]),
                 (*fo)[i].castTo(DType::F32));
  }
  r.score = outs.empty() ? 0 : 1;
  for (const CosAcc &a : outs) {
    r.outputCosines.push_back(a.value());
    r.score = std::min(r.score, a.value());
  }

  // The layers along the FP32 net, in its order.
  std::set<std::string> kept(s.fp32Layers.begin(), s.fp32Layers.end());
  auto cosOf = [&](const std::string &v) {
    auto it = layers.find(v);
    return it == layers.end() ? std::numeric_limits<double>::quiet_NaN()
                              : it->second.value();
  };
  for (const Value *in : fg.inputs())
    r.layers.push_back({in->name(), "input", in->name(), cosOf(in->name()),
                        qo.allInputsFp32 || qo.inputsFp32.count(in->name())});
  for (const auto &np : fg.nodes()) {
    if (np->kind() == OpKind::Constant)
      continue;
    const Value *v = np->output(0);
    r.layers.push_back({np->name(), np->info().name.str(), v->name(),
                        cosOf(v->name()), isFp32Layer(*np, kept)});
  }
  return r;
}

std::vector<std::string> sensitiveLayers(const Graph &fg,
                                         const StrategyResult &r, size_t k) {
  std::map<std::string, double> cos; // value name -> cosine
  std::map<std::string, bool> fp32;  // node name -> already FP32
  for (const LayerCosine &l : r.layers) {
    if (!std::isnan(l.cosine))
      cos[l.value] = l.cosine;
    fp32[l.node] = l.fp32;
  }
  // A node the INT8 net fused into its only user (conv + relu) takes the
  // user's cosine; walk backwards so that users come first.
  std::map<const Node *, double> eff;
  for (auto it = fg.nodes().rbegin(); it != fg.nodes().rend(); ++it) {
    const Node *n = it->get();
    if (n->kind() == OpKind::Constant)
      continue;
    auto c = cos.find(n->output(0)->name());
    if (c != cos.end()) {
      eff[n] = c->second;
      continue;
    }
    const auto &uses = n->output(0)->uses();
    if (uses.size() == 1 && eff.count(uses[0].user))
      eff[n] = eff[uses[0].user];
  }
  std::vector<std::pair<double, std::string>> drops;
  for (const auto &np : fg.nodes()) {
    const Node *n = np.get();
    if (n->kind() == OpKind::Constant || fp32[n->name()] || !eff.count(n))
      continue;
    double in = 1;
    for (const Value *v : n->inputs()) {
      if (!v || v->constantValue())
        continue;
      if (const Node *p = v->producer()) {
        if (eff.count(p))
          in = std::min(in, eff[p]);
      } else if (cos.count(v->name())) {
        in = std::min(in, cos[v->name()]);
      }
    }
    double drop = in - eff[n];
    if (drop > 1e-6)
      drops.push_back({drop, n->name()});
  }
  std::stable_sort(drops.begin(), drops.end(),
                   [](const auto &a, const auto &b) { return a.first > b.first; });
  std::vector<std::string> v;
  for (size_t i = 0; i < drops.size() && i < k; ++i)
    v.push_back(drops[i].second);
  return v;
}

std::string mostSensitiveLayer(const Graph &fg, const StrategyResult &r) {
  std::vector<std::string> v = sensitiveLayers(fg, r, 1);
  return v.empty() ? std::string() : v[0];
}

llvm::Expected<AutoCaliResult>
searchStrategies(const Module &fp32, const CalibrationStats &stats,
                 const std::vector<std::vector<Tensor>> &test,
                 const AutoCaliOptions &opts, KernelContext &ctx) {
  if (opts.strategies.empty())
    return makeError("no strategy to try");
  if (test.empty())
    return makeError("no test images to score the strategies on");
  auto log = [&](const std::string &s) {
    if (opts.log)
      opts.log(s);
  };
  AutoCaliResult res;
  auto better = [&](size_t i) {
    return res.tried[i].score > res.tried[res.chosen].score;
  };
  for (const CaliStrategy &s : opts.strategies) {
    auto r = evaluateStrategy(fp32, stats, s, test, opts.quantize, ctx);
    if (!r)
      return makeError("strategy " + s.name() + ": " +
                       llvm::toString(r.takeError()));
    log(llvm::formatv("strategy {0,-28} output cosine {1:F6}", s.name(),
                      r->score));
    res.tried.push_back(std::move(*r));
    if (better(res.tried.size() - 1))
      res.chosen = res.tried.size() - 1;
  }
  res.reachedTarget = res.tried[res.chosen].score >= opts.targetCosine;

  // FP32 fallback from the best strategy, one layer at a time.
  if (!res.reachedTarget && opts.maxFp32Layers > 0) {
    log(llvm::formatv("no strategy reaches cosine {0}; keeping the most "
                      "sensitive layers in FP32 (at most {1})",
                      shortNumber(opts.targetCosine),
                      opts.maxFp32Layers));
    size_t cur = res.chosen;
    for (unsigned k = 0; k < opts.maxFp32Layers; ++k) {
      std::vector<std::string> cands = sensitiveLayers(
          fp32.graph, res.tried[cur], std::max(1u, opts.fallbackCandidates));
      if (cands.empty()) {
        log("no quantized layer loses cosine any more; fallback stops");
        break;
      }
      std::optional<StrategyResult> pick;
      for (const std::string &layer : cands) {
        CaliStrategy s = res.tried[cur].strategy;
        s.fp32Layers.push_back(layer);
        auto r = evaluateStrategy(fp32, stats, s, test, opts.quantize, ctx);
        if (!r)
          return makeError("strategy " + s.name() + ": " +
                           llvm::toString(r.takeError()));
        log(llvm::formatv("fallback candidate: FP32 '{0}': output cosine "
                          "{1:F6}",
                          layer, r->score));
        if (!pick || r->score > pick->score)
          pick = std::move(*r);
      }
      if (pick->score <= res.tried[cur].score) {
        log("no candidate layer raises the output cosine; fallback stops");
        break;
      }
      pick->fallback = true;
      log(llvm::formatv("fallback: FP32 '{0}': output cosine {1:F6}",
                        pick->strategy.fp32Layers.back(), pick->score));
      auto r = std::move(pick);
      res.tried.push_back(std::move(*r));
      cur = res.tried.size() - 1;
      if (better(cur))
        res.chosen = cur;
      if (res.tried[cur].score >= opts.targetCosine) {
        res.reachedTarget = true;
        break;
      }
    }
  }
  auto u = makeInt8UModel(fp32, stats, res.tried[res.chosen].strategy);
  if (!u)
    return u.takeError();
  res.int8 = std::move(*u);
  return res;
}

} // namespace onntc
