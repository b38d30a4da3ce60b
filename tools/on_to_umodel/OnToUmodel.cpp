//===- OnToUmodel.cpp - ONNX model -> fp32umodel + test prototxt ----------===//
//
//   on_to_umodel -m resnet18.onnx -s '(1,3,224,224)' -d compilation
//                -D calib_lmdb [-n resnet18] [--preprocess='mean_value=..,scale=..']
//
// The flags of the SDK's `python3 -m ufw.tools.on_to_umodel`: imports the
// model, runs the `optimize` pipeline (BN folding etc., the graph an INT8 net
// is made from), and writes `<net>_bmneto.fp32umodel` and
// `<net>_bmneto_test_fp32.prototxt` whose Data layer reads the LMDB of -D.
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/OnnxImporter.h"
#include "driver/FrontendOptions.h"
#include "quantizer/ToolSupport.h"
#include "quantizer/UModel.h"

#include "ir/Diagnostics.h"
#include "ir/PassManager.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <CLI/CLI.hpp>

using namespace onntc;

static llvm::Expected<Shape> parseShape(llvm::StringRef s) {
  s = s.trim().trim("()[]");
  llvm::SmallVector<llvm::StringRef, 6> parts;
  s.split(parts, ',', -1, false);
  Shape sh;
  for (llvm::StringRef p : parts) {
    int64_t d;
    if (p.trim().getAsInteger(10, d) || d <= 0)
      return makeError("-s '" + s + "': expected a shape like (1,3,224,224)");
    sh.mutableDims().push_back(d);
  }
  if (sh.rank() == 0)
    return makeError("-s is empty: expected a shape like (1,3,224,224)");
  return sh;
}

int main(int argc, char **argv) {
  CLI::App app{"on_to_umodel: ONNX model -> <net>_bmneto.fp32umodel + "
               "<net>_bmneto_test_fp32.prototxt"};
  std::string model, shape, outdir = "compilation", lmdb, net, pre;
  app.add_option("-m,--model", model, "the .onnx model")->required();
  app.add_option("-s,--shape", shape, "input shape, e.g. (1,3,224,224)");
  app.add_option("-d,--outdir", outdir, "output folder (default compilation)");
  app.add_option("-D,--dataset", lmdb,
                 "calibration LMDB the Data layer reads (editable later)");
  app.add_option("-n,--net_name", net, "net name (default: the model file name)");
  app.add_option("--preprocess", pre,
                 "extension: Data-layer preprocessing in auto_cali form, e.g. "
                 "'resize_h=224,resize_w=224;mean_value=123.7:116.3:103.5,"
                 "scale=0.0171,bgr2rgb=True'");
  std::vector<std::string> args = normalizeSdkArgs(argc, argv);
  std::vector<const char *> cargs;
  for (const std::string &a : args)
    cargs.push_back(a.c_str());
  try {
    app.parse(int(cargs.size()), cargs.data());
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }
  auto fail = [](llvm::Error e) {
    llvm::errs() << "on_to_umodel: error: " << llvm::toString(std::move(e))
                 << "\n";
    return 1;
  };
  OnnxImportOptions io;
  if (!shape.empty()) {
    auto s = parseShape(shape);
    if (!s)
      return fail(s.takeError());
    io.shapes.push_back(*s);
  }
  DataLayer data;
  data.source = lmdb;
  if (!pre.empty()) {
    auto p = parsePreprocess(pre);
    if (!p)
      return fail(p.takeError());
    data.preprocess = *p;
  }
  auto m = importOnnxFile(model, io);
  if (!m)
    return fail(m.takeError());
  KernelContext ctx(0);
  PipelineOptions po;
  po.passes = "optimize";
  if (llvm::Error e = runPipeline(**m, po, ctx))
    return fail(std::move(e));
  if (net.empty())
    net = llvm::sys::path::stem(model).str();
  (*m)->name = net;
  if ((*m)->graph.inputs().empty())
    return fail(makeError(model + ": the model has no inputs"));
  data.name = data.top = (*m)->graph.inputs()[0]->name();
  const Shape &s0 = (*m)->graph.inputs()[0]->shape();
  data.batchSize = s0.rank() && s0[0] > 0 ? unsigned(s0[0]) : 1;
  if (std::error_code ec = llvm::sys::fs::create_directories(outdir))
    return fail(makeError(outdir + ": cannot create: " + ec.message()));
  if (llvm::Error e = writeFp32Umodel(**m, outdir, net, "bmneto", {data}))
    return fail(std::move(e));
  llvm::outs() << "on_to_umodel: wrote " << outdir << "/"
               << fp32UmodelName(net, "bmneto") << " and " << outdir << "/"
               << fp32TestProtoName(net, "bmneto") << "\n";
  return 0;
}
