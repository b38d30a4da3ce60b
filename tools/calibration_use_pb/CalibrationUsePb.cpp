//===- CalibrationUsePb.cpp - fp32umodel -> int8umodel ---------------------===//
//
//   calibration_use_pb quantize -model=net_bmneto_test_fp32.prototxt
//       -weights=net_bmneto.fp32umodel [-iterations=100] [-bitwidth=TO_INT8]
//       [-th_method=KL|MAX|MSE|PERCENTILE9999] [-per_channel=true]
//       [-fpfwd_outputs=a,b] [-save_test_proto=true] [-dump_dist=f] [-load_dist=f]
//
// The SDK's flags (also `--flag=v`). Runs the FP32 reference over the LMDB the
// prototxt's Data layer names, picks a threshold per activation, and writes
// `<net>_bmneto.int8umodel`, `..._deploy_int8_unique_top.prototxt` and, with
// -save_test_proto, `..._test_int8_unique_top.prototxt` next to the
// fp32umodel. Prints one table row per layer: threshold, range and the cosine
// of simulated INT8 against FP32 activations.
//
//===----------------------------------------------------------------------===//
#include "quantizer/Calibrator.h"
#include "quantizer/NetText.h"
#include "driver/FrontendOptions.h"
#include "quantizer/ToolSupport.h"
#include "quantizer/UModel.h"

#include "ir/Diagnostics.h"
#include "ir/Weights.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

using namespace onntc;

namespace {
struct Flags {
  std::string model, weights, bitwidth = "TO_INT8", thMethod = "KL";
  std::string perChannel = "false", saveTestProto = "false";
  std::string fpfwdOutputs, dumpDist, loadDist;
  size_t iterations = 10;
  size_t cosineIterations = 5;
  unsigned threads = 0;
};

/// Names of the output files, derived from the fp32umodel's name
/// (`<stem>.fp32umodel` -> `<stem>.int8umodel`, ...).
struct Outputs {
  std::string umodel, deploy, test;
};

Outputs outputNames(llvm::StringRef weights) {
  llvm::StringRef stem = weights;
  if (stem.endswith(".fp32umodel"))
    stem = stem.drop_back(strlen(".fp32umodel"));
  return {(stem + ".int8umodel").str(),
          (stem + "_deploy_int8_unique_top.prototxt").str(),
          (stem + "_test_int8_unique_top.prototxt").str()};
}
} // namespace

static llvm::Error run(const Flags &f, llvm::raw_ostream &out,
                       llvm::raw_ostream &err) {
  if (f.model.empty() || f.weights.empty())
    return makeError("-model= (the _test_fp32.prototxt) and -weights= (the "
                     ".fp32umodel) are required");
  if (f.bitwidth != "TO_INT8")
    return makeError("-bitwidth=" + f.bitwidth +
                     " is not supported (only TO_INT8)");
  auto method = parseThMethod(f.thMethod);
  if (!method)
    return makeError("-th_method=" + f.thMethod +
                     " is not supported (KL, MAX, MSE, PERCENTILE9999)");
  bool perChannel = false, saveTest = false;
  if (!parseSdkBool(f.perChannel, perChannel) ||
      !parseSdkBool(f.saveTestProto, saveTest))
    return makeError("-per_channel and -save_test_proto take true or false");
  if (f.iterations == 0)
    return makeError("-iterations must be at least 1");

  auto um = readUModel(f.weights);
  if (!um)
    return um.takeError();
  if (um->kind != UModelKind::Fp32)
    return makeError(f.weights + ": is an int8umodel; -weights takes the "
                                 ".fp32umodel");
  auto proto = readNetText(f.model);
  if (!proto)
    return proto.takeError();
  const Graph &g = um->module->graph;
  if (llvm::Error e = checkNetTextMatches(*proto, f.model, *um->module,
                                          um->netName, f.weights))
    return e;

  std::vector<std::string> fp32;
  if (!f.fpfwdOutputs.empty()) {
    llvm::SmallVector<llvm::StringRef, 8> parts;
    llvm::StringRef(f.fpfwdOutputs).split(parts, ',', -1, false);
    std::vector<std::string> unknown;
    for (llvm::StringRef p : parts) {
      p = p.trim();
      bool found = g.findValue(p) != nullptr;
      for (const auto &n : g.nodes())
        found |= n->name() == p || n->loc().node == p;
      if (!found)
        unknown.push_back(p.str());
      fp32.push_back(p.str());
    }
    if (!unknown.empty())
      return makeError("-fpfwd_outputs names no layer or tensor of net '" +
                       um->netName + "': " + llvm::join(unknown, ", "));
  }

  bool tty = llvm::sys::Process::StandardErrIsDisplayed();
  KernelContext ctx(f.threads);
  std::unique_ptr<BatchSource> src;
  size_t iterations = f.iterations;
  auto openSource = [&]() -> llvm::Error {
    auto s = BatchSource::open(g, proto->data, f.model);
    if (!s)
      return s.takeError();
    src = std::move(*s);
    if (src->numBatches() == 0)
      return makeError(src->limitingSource() +
                       ": the dataset holds fewer images than one batch "
                       "(data_param.batch_size)");
    if (iterations > src->numBatches()) {
      err << "calibration_use_pb: warning: -iterations=" << iterations
          << " is larger than the dataset '" << src->limitingSource() << "' ("
          << src->numBatches() << " batches); using " << src->numBatches()
          << "\n";
      iterations = src->numBatches();
    }
    return llvm::Error::success();
  };

  CalibrationStats stats;
  if (!f.loadDist.empty()) {
    auto s = loadStats(f.loadDist);
    if (!s)
      return s.takeError();
    stats = std::move(*s);
    for (const auto &[name, st] : stats.tensors)
      if (!g.findValue(name))
        return makeError(f.loadDist + ": tensor '" + name +
                         "' is not a value of net '" + um->netName +
                         "' (the distribution was dumped for another net)");
    for (const Value *in : g.inputs())
      if (!stats.tensors.count(in->name()))
        return makeError(f.loadDist + ": has no statistics for input '" +
                         in->name() + "' of net '" + um->netName + "'");
  } else {
    if (llvm::Error e = openSource())
      return e;
    ProgressBar bar(err, tty, "calibration");
    auto s = collectStats(g, *src, iterations, ctx,
                          [&](size_t d, size_t t) { bar.update(d, t); });
    bar.finish();
    if (!s)
      return s.takeError();
    stats = std::move(*s);
  }
  if (!f.dumpDist.empty())
    if (llvm::Error e = saveStats(stats, f.dumpDist))
      return e;

  UModel q;
  q.kind = UModelKind::Int8;
  q.netName = um->netName;
  q.thMethod = thMethodName(*method).str();
  q.perChannel = perChannel;
  q.calibrationSamples = uint32_t(stats.samples);
  q.activations = makeActivationTable(stats, *method, fp32, g);
  quantizeWeights(g, perChannel, q);

  std::map<std::string, double> cosine;
  if (f.cosineIterations > 0) {
    if (!src)
      if (llvm::Error e = openSource())
        return e;
    ProgressBar bar(err, tty, "int8 check");
    size_t n = std::min(iterations, f.cosineIterations);
    auto c = simulateInt8(g, q.activations, perChannel, *src, n, ctx,
                          [&](size_t d, size_t t) { bar.update(d, t); });
    bar.finish();
    if (!c)
      return c.takeError();
    cosine = std::move(*c);
  }

  // Everything is computed before the first file is written.
  Outputs o = outputNames(f.weights);
  NetTextOptions deploy;
  deploy.phase = NetPhase::DeployInt8;
  std::string deployText = printNetText(*um->module, um->netName, deploy);
  NetTextOptions test;
  test.phase = NetPhase::TestInt8;
  test.data = proto->data;
  std::string testText = printNetText(*um->module, um->netName, test);
  q.module = std::move(um->module);
  auto bytes = serializeUModel(q);
  if (!bytes)
    return bytes.takeError();
  for (const std::string &p : {o.umodel, o.deploy, o.test})
    if (llvm::Error e = checkReplaceableTarget(p))
      return e;
  if (llvm::Error e = writeFileAtomically(o.deploy, deployText))
    return e;
  if (saveTest)
    if (llvm::Error e = writeFileAtomically(o.test, testText))
      return e;
  if (llvm::Error e = writeFileAtomically(o.umodel, *bytes))
    return e;

  // The per-layer table, in graph order.
  out << llvm::formatv("{0,-32} {1,-14} {2,12} {3,12} {4,12} {5,9}\n", "layer",
                       "type", "threshold", "min", "max", "cosine");
  auto row = [&](llvm::StringRef layer, llvm::StringRef type,
                 const std::string &value) {
    auto a = q.activations.find(value);
    if (a == q.activations.end())
      return;
    auto c = cosine.find(value);
    std::string cs = c == cosine.end() ? "-" : llvm::formatv("{0:F6}", c->second).str();
    if (a->second.fp32)
      cs += " fp32";
    out << llvm::format("%-32s %-14s %12.6g %12.6g %12.6g %9s\n",
                        layer.str().c_str(), type.str().c_str(),
                        a->second.threshold, a->second.min, a->second.max,
                        cs.c_str());
  };
  for (const Value *in : q.module->graph.inputs())
    row(in->name(), "Data", in->name());
  for (const auto &n : q.module->graph.nodes())
    for (unsigned i = 0; i < n->numOutputs(); ++i)
      row(n->output(i)->name(), n->info().name, n->output(i)->name());
  out << "calibration_use_pb: " << thMethodName(*method) << " thresholds of "
      << q.activations.size() << " tensors from " << stats.samples
      << " images; " << q.int8Weights.size() << " int8 weights ("
      << (perChannel ? "per channel" : "per tensor") << ")\n";
  out << "calibration_use_pb: wrote " << o.umodel << ", " << o.deploy;
  if (saveTest)
    out << ", " << o.test;
  out << "\n";
  return llvm::Error::success();
}

int main(int argc, char **argv) {
  std::vector<std::string> args = normalizeSdkArgs(argc, argv);
  CLI::App app{"calibration_use_pb: calibrate an fp32umodel on its Data "
               "layer's LMDB and write the int8umodel"};
  app.require_subcommand(1);
  CLI::App *quant = app.add_subcommand(
      "quantize", "run the FP32 net over the calibration set and write "
                  "<net>_bmneto.int8umodel and its prototxts");
  Flags f;
  quant->add_option("--model", f.model, "the _test_fp32.prototxt (Data layer "
                                        "names the LMDB)");
  quant->add_option("--weights", f.weights, "the .fp32umodel");
  quant->add_option("--iterations", f.iterations,
                    "calibration batches (default 10; clamped to the dataset)");
  quant->add_option("--bitwidth", f.bitwidth, "TO_INT8");
  quant->add_option("--th_method", f.thMethod,
                    "threshold method: KL (default), MAX, MSE, PERCENTILE9999");
  quant->add_option("--per_channel", f.perChannel,
                    "per-channel weight scales (true/false, default false)")
      ->expected(0, 1);
  quant->add_option("--fpfwd_outputs", f.fpfwdOutputs,
                    "layers or tensors to keep in FP32, comma-separated");
  quant->add_option("--save_test_proto", f.saveTestProto,
                    "also write the _test_int8_unique_top.prototxt")
      ->expected(0, 1);
  quant->add_option("--dump_dist", f.dumpDist,
                    "save the activation statistics to this file");
  quant->add_option("--load_dist", f.loadDist,
                    "use statistics saved by -dump_dist instead of running");
  quant->add_option("--cosine_iterations", f.cosineIterations,
                    "extension: batches for the INT8-vs-FP32 cosine column "
                    "(default 5; 0 skips it)");
  quant->add_option("--threads", f.threads,
                    "extension: kernel threads (default: all cores)");
  std::vector<const char *> cargs;
  for (const std::string &a : args)
    cargs.push_back(a.c_str());
  try {
    app.parse(int(cargs.size()), cargs.data());
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }
  if (llvm::Error e = run(f, llvm::outs(), llvm::errs())) {
    llvm::outs().flush();
    llvm::errs() << "calibration_use_pb: error: " << llvm::toString(std::move(e))
                 << "\n";
    return 1;
  }
  return 0;
}
