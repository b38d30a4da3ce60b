//===- AutoCali.cpp - one-step calibration: model + images -> INT8 bmodel -===//
//
//   auto_cali --model=net.onnx [--net_name=net] --cali_image_path=DIR
//             --cali_image_preprocess='resize_h=224,resize_w=224;mean_value=..,scale=..'
//             [--input_shapes=[1,3,224,224]] [--cali_iterations=N]
//             [--test_iterations=N] [--target=BM1684] [--outdir=DIR]
//             [--try_cali_accuracy_opt='-th_method=KL;-per_channel=true']
//             [--fp32_layer_list=a,b] [--convert_bmodel_cmd_opt='--opt=2']
//             [--target_cosine=0.99]
//
// The flags of the SDK's `python3 -m ufw.cali.cali_model` (also with one
// dash). Imports and optimises the FP32 net, reads the calibration images
// (an image folder, decoded and preprocessed directly, or --cali_lmdb),
// collects statistics once, searches quantization strategies scored by the
// INT8 reference's output cosine on held-out images (quantizer/AutoCali.h),
// then writes the umodels, their prototxts, the bmodel (compiled as bmnetu
// compiles: runCompile with the quantize stage, flags from
// --convert_bmodel_cmd_opt) and auto_cali_report.{txt,html} into --outdir,
// all at once.
//
//===----------------------------------------------------------------------===//
#include "driver/Int8Compile.h"
#include "driver/Npy.h"
#include "driver/OutputDir.h"
#include "driver/SdkFlags.h"
#include "frontends/caffe/CaffeImporter.h"
#include "frontends/onnx/OnnxImporter.h"
#include "quantizer/AutoCali.h"
#include "quantizer/AutoCaliReport.h"
#include "quantizer/Calibrator.h"
#include "quantizer/ToolSupport.h"

#include "ir/Diagnostics.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <set>

using namespace onntc;

namespace {

struct Flags {
  std::string model, weights, netName, imagePath, lmdb, preprocess;
  std::string inputShapes, inputNames, target = "BM1684", outdir;
  std::string fp32Layers, accuracyOpt, bmodelOpt, scoreClass, debugCmd;
  size_t caliIterations = 10, testIterations = 5;
  double targetCosine = 0.99;
  unsigned maxFp32Layers = 8;
  unsigned fallbackCandidates = 3;
  unsigned threads = 0;
};

/// Flags whose value is itself a list of dash-flags: joined to their value
/// before normalizeSdkArgs, so that the value is not taken for a flag.
bool takesFlagText(llvm::StringRef a) {
  a = a.ltrim('-');
  return a == "try_cali_accuracy_opt" || a == "convert_bmodel_cmd_opt";
}

std::vector<std::string> joinFlagTexts(int argc, char **argv) {
  std::vector<std::string> out;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (i > 0 && takesFlagText(a) && i + 1 < argc) {
      out.push_back("--" + llvm::StringRef(a).ltrim('-').str() + "=" +
                    argv[i + 1]);
      ++i;
      continue;
    }
    if (i > 0 && a[0] == '-' && a.find('=') != std::string::npos &&
        takesFlagText(llvm::StringRef(a).split('=').first)) {
      out.push_back("--" + llvm::StringRef(a).ltrim('-').str());
      continue;
    }
    out.push_back(a);
  }
  return out;
}

/// Splits `--opt=2 --cmp=false` at spaces (single or double quotes group).
std::vector<std::string> splitCommandLine(llvm::StringRef s) {
  std::vector<std::string> out;
  std::string cur;
  bool any = false;
  char quote = 0;
  for (char c : s) {
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        cur += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      any = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (any || !cur.empty())
        out.push_back(cur);
      cur.clear();
      any = false;
    } else {
      cur += c;
    }
  }
  if (any || !cur.empty())
    out.push_back(cur);
  return out;
}

/// The bmnetu flags of --convert_bmodel_cmd_opt, on top of auto_cali's own
/// target and net name.
struct BmodelFlags {
  SdkFlagValues sdk;
  Int8CompileFlags int8;
};

llvm::Expected<BmodelFlags> parseBmodelOpt(const Flags &f) {
  BmodelFlags b;
  b.sdk.target = f.target;
  b.sdk.outdir = "";
  CLI::App app{"--convert_bmodel_cmd_opt"};
  addSdkFlags(app, b.sdk, true);
  addInt8CompileFlags(app, b.int8);
  std::vector<std::string> words = splitCommandLine(f.bmodelOpt);
  std::vector<const char *> argv{"bmnetu"};
  for (const std::string &w : words)
    argv.push_back(w.c_str());
  std::vector<std::string> args = normalizeSdkArgs(int(argv.size()), argv.data());
  std::vector<const char *> cargs;
  for (const std::string &a : args)
    cargs.push_back(a.c_str());
  try {
    app.parse(int(cargs.size()), cargs.data());
  } catch (const CLI::ParseError &e) {
    return makeError("--convert_bmodel_cmd_opt '" + f.bmodelOpt +
                     "': " + e.what() + " (it takes bmnetu's flags)");
  }
  for (const auto &[flag, value] :
       {std::pair<const char *, std::string>{"--model", b.sdk.model},
        {"--weight", b.sdk.weight},
        {"--outdir", b.sdk.outdir},
        {"--net_name", b.sdk.netName}})
    if (!value.empty())
      return makeError("--convert_bmodel_cmd_opt: " + std::string(flag) +
                       " is auto_cali's to set; give it to auto_cali itself");
  b.sdk.outdir = "compilation"; // Replaced by a folder of the stage.
  if (llvm::StringRef(b.sdk.mode).lower() != "compile")
    return makeError("--convert_bmodel_cmd_opt: --mode=" + b.sdk.mode +
                     " makes no bmodel");
  return b;
}

/// Names of layers (node or value names, or source node names) that the
/// net has; the error names the flag and the unknown ones.
llvm::Error checkLayers(const Graph &g, const std::vector<std::string> &names,
                        llvm::StringRef flag, llvm::StringRef net) {
  std::vector<std::string> unknown;
  for (const std::string &n : names) {
    bool found = g.findValue(n) != nullptr;
    for (const auto &node : g.nodes())
      found |= node->name() == n || node->loc().node == n;
    if (!found)
      unknown.push_back(n);
  }
  if (unknown.empty())
    return llvm::Error::success();
  return makeError(flag + " names no layer or tensor of net '" + net +
                   "': " + llvm::join(unknown, ", "));
}

class Run {
public:
  Run(const Flags &f, llvm::raw_ostream &out, llvm::raw_ostream &err)
      : f_(f), out_(out), err_(err) {}
  llvm::Error run();

private:
  void progress(const std::string &s) { err_ << "[auto_cali] " << s << "\n"; }
  void warn(const std::string &s) {
    err_ << "auto_cali: warning: " << s << "\n";
    warnings_.push_back(s);
  }
  llvm::Expected<std::unique_ptr<Module>> import(const FrontendOptions &o);
  llvm::Error compile(StagedOutputDir &stage, const BmodelFlags &b,
                      const std::string &net, const Tensor &testInput,
                      std::string &note);

  const Flags &f_;
  llvm::raw_ostream &out_, &err_;
  std::vector<std::string> warnings_;
};

llvm::Expected<std::unique_ptr<Module>> Run::import(const FrontendOptions &o) {
  llvm::StringRef ext = llvm::sys::path::extension(o.model);
  if (ext.equals_insensitive(".onnx")) {
    OnnxImportOptions io;
    io.shapes = o.shapes;
    io.inputNames = o.inputNames;
    return importOnnxFile(o.model, io);
  }
  if (ext.equals_insensitive(".prototxt")) {
    if (o.weight.empty())
      return makeError("--model " + o.model +
                       ": a Caffe .prototxt needs --weights (the .caffemodel)");
    CaffeImportOptions io;
    io.shapes = o.shapes;
    io.inputNames = o.inputNames;
    return importCaffeFiles(o.model, o.weight, io);
  }
  return makeError("--model " + o.model +
                   ": expected an ONNX model (.onnx) or a Caffe .prototxt "
                   "with --weights");
}

llvm::Error Run::compile(StagedOutputDir &stage, const BmodelFlags &b,
                         const std::string &net, const Tensor &testInput,
                         std::string &note) {
  auto opts = makeFrontendOptions(b.sdk);
  if (!opts)
    return makeError("--convert_bmodel_cmd_opt: " +
                     llvm::toString(opts.takeError()));
  opts->model = stage.stagedPath(int8DeployProtoName(net, "bmneto"));
  opts->weight = stage.stagedPath(int8UmodelName(net, "bmneto"));
  opts->netName = net;
  const std::string sub = "bmnetu";
  opts->outdir = stage.stagedPath(sub);
  if (llvm::Error e = checkInt8CompileFlags(*opts, b.int8))
    return makeError("--convert_bmodel_cmd_opt: " + llvm::toString(std::move(e)));
  // The reference data come from the first test image unless the flags
  // name another input.
  if (opts->testInput.empty()) {
    const std::string npy = "auto_cali_test_input.npy";
    if (llvm::Error e = stage.writeFile(npy, encodeNpy(testInput)))
      return e;
    opts->testInput = stage.stagedPath(npy);
  }
  UModel u;
  auto importFn = [&]() -> llvm::Expected<std::unique_ptr<Module>> {
    auto r = readUModel(opts->weight);
    if (!r)
      return r.takeError();
    auto text = readNetText(opts->model);
    if (!text)
      return text.takeError();
    u = std::move(*r);
    return takeInt8Net(u, *text, *opts, b.int8);
  };
  auto quantize = [&](Module &m) { return quantizeInt8Net(m, u, b.int8); };
  progress("compiling the INT8 net as bmnetu does" +
           (f_.bmodelOpt.empty() ? std::string()
                                 : " (" + f_.bmodelOpt + ")"));
  if (llvm::Error e = runCompile(*opts, "auto_cali: bmnetu", importFn, err_,
                                 quantize))
    return makeError("compiling the INT8 net (bmnetu" +
                     (f_.bmodelOpt.empty() ? std::string()
                                           : " " + f_.bmodelOpt) +
                     "): " + llvm::toString(std::move(e)));
  // Move what the compile wrote up into the stage.
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(opts->outdir, ec), end;
       it != end && !ec; it.increment(ec)) {
    std::string name = llvm::sys::path::filename(it->path()).str();
    if (std::error_code rc =
            llvm::sys::fs::rename(it->path(), stage.stagedPath(name)))
      return makeError(it->path() + ": cannot move into the output: " +
                       rc.message());
    stage.addFile(name);
  }
  if (ec)
    return makeError(opts->outdir + ": " + ec.message());
  (void)llvm::sys::fs::remove(opts->outdir);
  note = "bmodel: compiled by the bmnetu path for " +
         std::string(opts->target->name) +
         (opts->emit == EmitKind::None
              ? std::string()
              : " (stopped after --emit=" + emitKindName(opts->emit).str() +
                    ")");
  return llvm::Error::success();
}

llvm::Error Run::run() {
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  // Flags first, all of them, before any work.
  if (f_.model.empty())
    return makeError("--model is required (an .onnx model, or a Caffe "
                     ".prototxt with --weights)");
  if (f_.imagePath.empty() == f_.lmdb.empty())
    return makeError(f_.imagePath.empty()
                         ? "give the calibration images: --cali_image_path "
                           "DIR (an image folder) or --cali_lmdb DIR"
                         : "give --cali_image_path or --cali_lmdb, not both");
  if (!f_.scoreClass.empty() && f_.scoreClass != "feature_similarity")
    return makeError("--postprocess_and_calc_score_class=" + f_.scoreClass +
                     ": only feature_similarity (the output cosine) is "
                     "supported");
  if (f_.caliIterations == 0 || f_.testIterations == 0)
    return makeError("--cali_iterations and --test_iterations must be at "
                     "least 1");
  if (!(f_.targetCosine > 0 && f_.targetCosine <= 1))
    return makeError("--target_cosine must be in (0, 1], got " +
                     std::to_string(f_.targetCosine));
  CaliImageSource src;
  src.imageFolder = f_.imagePath;
  src.lmdb = f_.lmdb;
  if (!f_.preprocess.empty()) {
    auto p = parsePreprocess(f_.preprocess);
    if (!p)
      return makeError("--cali_image_preprocess: " +
                       llvm::toString(p.takeError()));
    src.preprocess = *p;
  }
  std::optional<CaliStrategy> fixed;
  if (!f_.accuracyOpt.empty()) {
    auto s = parseCaliAccuracyOpt(f_.accuracyOpt);
    if (!s)
      return makeError("--try_cali_accuracy_opt: " +
                       llvm::toString(s.takeError()));
    fixed = *s;
  }
  auto bflags = parseBmodelOpt(f_);
  if (!bflags)
    return bflags.takeError();
  SdkFlagValues imp;
  imp.model = f_.model;
  imp.weight = f_.weights;
  imp.inputNames = f_.inputNames;
  imp.netName = f_.netName;
  imp.target = f_.target;
  imp.opt = bflags->sdk.opt;
  if (!f_.inputShapes.empty()) {
    if (auto s = parseShapes(f_.inputShapes); !s)
      return makeError("--input_shapes: " + llvm::toString(s.takeError()));
    imp.shapes = f_.inputShapes;
  }
  auto io = makeFrontendOptions(imp);
  if (!io)
    return io.takeError();
  const std::string net = io->netName;

  // Import and optimise.
  progress("importing " + f_.model);
  auto m = importStage(*io, [&] { return import(*io); });
  if (!m) {
    std::string msg = llvm::toString(m.takeError());
    if (!f_.inputShapes.empty())
      msg += " (with --input_shapes " + f_.inputShapes + ")";
    return makeError(msg);
  }
  KernelContext ctx(f_.threads);
  if (llvm::Error e = optimizeStage(**m, *io, ctx))
    return e;
  Module &fp32 = **m;
  fp32.name = net;
  const Graph &g = fp32.graph;
  progress(llvm::formatv("net '{0}': {1} nodes after optimisation", net,
                         g.numNodes()));

  // The layer lists name layers of this net.
  std::vector<std::string> fp32Layers = parseNameList(f_.fp32Layers);
  if (llvm::Error e = checkLayers(g, fp32Layers, "--fp32_layer_list", net))
    return e;
  if (fixed)
    if (llvm::Error e = checkLayers(g, fixed->fp32Layers,
                                    "--try_cali_accuracy_opt -fpfwd_outputs",
                                    net))
      return e;

  // The output directory can be written (before the expensive part).
  std::string outdir = f_.outdir;
  if (outdir.empty()) {
    llvm::SmallString<256> d(llvm::sys::path::parent_path(f_.model));
    int64_t n = g.inputs().empty() || g.inputs()[0]->shape().rank() == 0
                    ? 1
                    : g.inputs()[0]->shape()[0];
    llvm::sys::path::append(d, net + "_batch" + std::to_string(n));
    outdir = d.str().str();
  }
  auto stage = StagedOutputDir::create(outdir);
  if (!stage)
    return stage.takeError();

  // Images.
  const std::string flag = f_.imagePath.empty() ? "--cali_lmdb" : "--cali_image_path";
  const std::string dataset = f_.imagePath.empty() ? f_.lmdb : f_.imagePath;
  if (!g.inputs().empty() && g.inputs()[0]->shape().rank() == 4) {
    const Shape &s = g.inputs()[0]->shape();
    const Preprocess &p = src.preprocess;
    if ((p.resizeH || p.resizeW) && (p.resizeH != s[2] || p.resizeW != s[3]))
      return makeError(llvm::formatv(
          "--cali_image_preprocess resizes to {0}x{1} but input '{2}' of {3} "
          "is {4}x{5} ({6}); make resize_h/resize_w the input's size",
          p.resizeH, p.resizeW, g.inputs()[0]->name(), f_.model, s[2], s[3],
          g.inputs()[0]->type().str()));
  }
  int64_t batch = g.inputs().empty() ? 1 : g.inputs()[0]->shape()[0];
  size_t want = (f_.caliIterations + f_.testIterations) * size_t(batch);
  progress("reading up to " + std::to_string(want) + " images from " + dataset);
  auto images = readCaliBatches(g, src, want);
  if (!images)
    return makeError(flag + ": " + llvm::toString(images.takeError()));
  for (const std::string &s : images->skipped)
    warn("skipped " + s);
  std::vector<std::vector<Tensor>> &all = images->batches;
  size_t nb = all.size();
  size_t caliN = std::min(f_.caliIterations, nb);
  std::vector<std::vector<Tensor>> cali(all.begin(), all.begin() + caliN);
  std::vector<std::vector<Tensor>> test(all.begin() + caliN, all.end());
  if (caliN < f_.caliIterations)
    warn(llvm::formatv("{0} holds {1} batches of {2}; calibrating on {1} "
                       "instead of --cali_iterations={3}",
                       dataset, nb, batch, f_.caliIterations));
  if (test.empty()) {
    size_t k = std::min(f_.testIterations, nb);
    test.assign(all.end() - k, all.end());
    warn(llvm::formatv("no images are left for testing after the {0} "
                       "calibration batches; scoring on {1} of the "
                       "calibration batches again (the scores are optimistic; "
                       "give more images)",
                       caliN, k));
  } else if (test.size() < f_.testIterations) {
    warn(llvm::formatv("only {0} held-out test batches instead of "
                       "--test_iterations={1}",
                       test.size(), f_.testIterations));
  }
  progress(llvm::formatv("{0} calibration and {1} test batches of {2}", caliN,
                         test.size(), batch));

  // Statistics, once.
  bool tty = llvm::sys::Process::StandardErrIsDisplayed();
  CalibrationStats stats;
  {
    auto bs = BatchSource::fromBatches(cali, dataset);
    ProgressBar bar(err_, tty, "calibration");
    auto s = collectStats(g, *bs, caliN, ctx,
                          [&](size_t d, size_t t) { bar.update(d, t); });
    bar.finish();
    if (!s)
      return s.takeError();
    stats = std::move(*s);
  }
  progress("statistics of " + std::to_string(stats.tensors.size()) +
           " tensors from " + std::to_string(stats.samples) + " images");

  // The search.
  AutoCaliOptions ao;
  if (fixed) {
    CaliStrategy s = *fixed;
    s.fp32Layers.insert(s.fp32Layers.begin(), fp32Layers.begin(),
                        fp32Layers.end());
    ao.strategies = {s};
  } else {
    ao.strategies = defaultStrategies(fp32Layers);
  }
  ao.targetCosine = f_.targetCosine;
  ao.maxFp32Layers = f_.maxFp32Layers;
  ao.fallbackCandidates = f_.fallbackCandidates;
  ao.quantize = int8QuantizeOptions(bflags->int8);
  ao.log = [&](const std::string &s) { progress(s); };
  auto res = searchStrategies(fp32, stats, test, ao, ctx);
  if (!res)
    return res.takeError();
  const StrategyResult &chosen = res->tried[res->chosen];
  progress(llvm::formatv("chosen: {0}, output cosine {1:F6}{2}",
                         chosen.strategy.name(), chosen.score,
                         res->reachedTarget ? "" : " (below the target)"));
  if (!res->reachedTarget)
    warn(llvm::formatv("no strategy reaches --target_cosine={0}; the best "
                       "({1:F6}) is written",
                       shortNumber(f_.targetCosine),
                       chosen.score));

  // Files: the fp32umodel + test prototxt, the int8umodel + prototxts.
  DataLayer data;
  data.name = data.top = g.inputs()[0]->name();
  data.source = f_.lmdb;
  data.batchSize = unsigned(batch);
  data.preprocess = src.preprocess;
  if (llvm::Error e =
          writeFp32Umodel(fp32, (*stage)->stagedPath(""), net, "bmneto", {data}))
    return e;
  (*stage)->addFile(fp32UmodelName(net, "bmneto"));
  (*stage)->addFile(fp32TestProtoName(net, "bmneto"));
  NetTextOptions deploy;
  deploy.phase = NetPhase::DeployInt8;
  NetTextOptions testProto;
  testProto.phase = NetPhase::TestInt8;
  testProto.data = {data};
  if (llvm::Error e = (*stage)->writeFile(
          int8DeployProtoName(net, "bmneto"),
          printNetText(*res->int8.module, net, deploy)))
    return e;
  if (llvm::Error e = (*stage)->writeFile(
          int8TestProtoName(net, "bmneto"),
          printNetText(*res->int8.module, net, testProto)))
    return e;
  auto bytes = serializeUModel(res->int8);
  if (!bytes)
    return bytes.takeError();
  if (llvm::Error e =
          (*stage)->writeFile(int8UmodelName(net, "bmneto"), *bytes))
    return e;

  // The bmodel, as bmnetu makes it.
  std::string note;
  if (llvm::Error e = compile(**stage, *bflags, net, test[0][0], note))
    return e;

  // The report.
  AutoCaliReportInfo info;
  info.netName = net;
  info.model = f_.model;
  info.target = io->target->name;
  info.dataset = dataset;
  info.caliImages = stats.samples;
  info.testImages = test.size() * size_t(batch);
  info.targetCosine = f_.targetCosine;
  for (const Value *v : g.outputs())
    info.outputNames.push_back(v->name());
  info.warnings = warnings_;
  info.files = (*stage)->files();
  info.files.push_back("auto_cali_report.txt");
  info.files.push_back("auto_cali_report.html");
  info.compileNote = note;
  std::string text = autoCaliReportText(info, *res);
  if (llvm::Error e = (*stage)->writeFile("auto_cali_report.txt", text))
    return e;
  if (llvm::Error e = (*stage)->writeFile("auto_cali_report.html",
                                          autoCaliReportHtml(info, *res)))
    return e;
  if (llvm::Error e = (*stage)->commit())
    return e;
  out_ << text;
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  progress(llvm::formatv("wrote {0} files into {1} in {2:F1} s",
                         (*stage)->files().size(), outdir, secs));
  return llvm::Error::success();
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> joined = joinFlagTexts(argc, argv);
  std::vector<const char *> jargv;
  for (const std::string &a : joined)
    jargv.push_back(a.c_str());
  std::vector<std::string> args =
      normalizeSdkArgs(int(jargv.size()), jargv.data());
  CLI::App app{"auto_cali: one-step INT8 calibration (the SDK's "
               "ufw.cali.cali_model): model + calibration images -> "
               "int8umodel, INT8 bmodel and a report, searching the "
               "quantization strategy"};
  Flags f;
  app.add_option("--model", f.model,
                 "the model: .onnx, or a Caffe .prototxt with --weights");
  app.add_option("--weights,--weight", f.weights,
                 "the weights file of a Caffe model (.caffemodel)");
  app.add_option("--net_name", f.netName,
                 "net name (default: from the model file name)");
  app.add_option("--cali_image_path", f.imagePath,
                 "folder of calibration images (.jpg .jpeg .png .bmp, "
                 "searched recursively, sorted by path)");
  app.add_option("--cali_lmdb", f.lmdb,
                 "calibration LMDB (convert_imageset) instead of a folder");
  app.add_option("--cali_image_preprocess", f.preprocess,
                 "'resize_h=H,resize_w=W;mean_value=a:b:c,scale=s,"
                 "bgr2rgb=True' (resize, channel swap, then (x-mean)*scale)");
  app.add_option("--input_shapes", f.inputShapes,
                 "input shapes, e.g. [1,3,224,224] (default: the model's)");
  app.add_option("--input_names", f.inputNames,
                 "network inputs, comma-separated");
  app.add_option("--cali_iterations", f.caliIterations,
                 "calibration batches: the first N (default 10)");
  app.add_option("--test_iterations", f.testIterations,
                 "held-out test batches that score the strategies: the next "
                 "N (default 5)");
  app.add_option("--target", f.target, "BM1684 (default) or BM1684X");
  app.add_option("--outdir", f.outdir,
                 "output folder (default: <model dir>/<net>_batch<N>)");
  app.add_option("--fp32_layer_list", f.fp32Layers,
                 "layers always kept in FP32 (node or tensor names, "
                 "comma-separated)");
  app.add_option("--try_cali_accuracy_opt", f.accuracyOpt,
                 "fix the strategy instead of searching: "
                 "'-th_method=KL|MAX|MSE|PERCENTILE9999;-per_channel=true;"
                 "-fpfwd_outputs=a,b'");
  app.add_option("--convert_bmodel_cmd_opt", f.bmodelOpt,
                 "bmnetu flags for the compile, e.g. '--input_as_fp32=true "
                 "--opt=2' (--emit=quantized-ir stops before the backend)");
  app.add_option("--target_cosine", f.targetCosine,
                 "extension: output cosine a strategy must reach (default "
                 "0.99)");
  app.add_option("--max_fp32_layers", f.maxFp32Layers,
                 "extension: layers the FP32 fallback may add when no "
                 "strategy reaches the target (default 8; 0: none)");
  app.add_option("--fallback_candidates", f.fallbackCandidates,
                 "extension: sensitive layers the fallback tries per step, "
                 "keeping the one that helps most (default 3)");
  app.add_option("--postprocess_and_calc_score_class", f.scoreClass,
                 "feature_similarity (the only score: output cosine)");
  app.add_option("--debug_cmd", f.debugCmd, "accepted; no effect");
  app.add_option("--threads", f.threads,
                 "extension: kernel threads (default: all cores)");
  std::vector<const char *> cargs;
  for (const std::string &a : args)
    cargs.push_back(a.c_str());
  try {
    app.parse(int(cargs.size()), cargs.data());
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }
  Run r(f, llvm::outs(), llvm::errs());
  if (llvm::Error e = r.run()) {
    llvm::outs().flush();
    llvm::errs() << "auto_cali: error: " << llvm::toString(std::move(e))
                 << "\n";
    return 1;
  }
  return 0;
}
