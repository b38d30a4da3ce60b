//===- Bmnetc.cpp - the Caffe front-end compiler --------------------------===//
//
//   bmnetc --model=net.prototxt --weight=net.caffemodel --outdir=out
//          --target=BM1684 [--shapes=[1,3,224,224]] [--input_names=..]
//          [--output_names=..] [--opt=1] [--cmp=true] [--test_input=x.npz]
//          [--emit=ir] [--list_ops] [--v=N]
//
// Flags follow the SDK's bmnetc (also `-opt=2` single-dash spellings).
//
//===----------------------------------------------------------------------===//
#include "frontends/caffe/CaffeImporter.h"
#include "driver/CompileDriver.h"
#include "driver/SdkFlags.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

using namespace onntc;

int main(int argc, char **argv) {
  std::vector<std::string> args = normalizeSdkArgs(argc, argv);
  CLI::App app{"bmnetc: compile a Caffe model (.prototxt + .caffemodel) for "
               "a Sophon-class TPU"};
  SdkFlagValues flags;
  bool listOps = false;
  addSdkFlags(app, flags, /*withWeight=*/true);
  app.add_flag("--list_ops", listOps, "print the supported Caffe layers and exit");
  std::vector<const char *> cargs;
  for (const std::string &a : args)
    cargs.push_back(a.c_str());
  try {
    app.parse(int(cargs.size()), cargs.data());
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }

  if (listOps) {
    std::vector<CaffeLayerDesc> layers = supportedCaffeLayers();
    llvm::outs() << layers.size() << " supported Caffe layer types:\n";
    for (const CaffeLayerDesc &l : layers)
      llvm::outs() << "  " << l.type << ": " << l.irForm << "\n";
    return 0;
  }
  if (flags.model.empty()) {
    llvm::errs() << "bmnetc: error: --model (the .prototxt) is required (see "
                    "--help)\n";
    return 1;
  }
  auto opts = makeFrontendOptions(flags);
  if (!opts) {
    llvm::errs() << "bmnetc: error: " << llvm::toString(opts.takeError())
                 << "\n";
    return 1;
  }
  auto import = [&]() -> llvm::Expected<std::unique_ptr<Module>> {
    CaffeImportOptions io;
    io.shapes = opts->shapes;
    io.inputNames = opts->inputNames;
    io.outputNames = opts->outputNames;
    return importCaffeFiles(opts->model, opts->weight, io);
  };
  if (llvm::Error e = runCompile(*opts, "bmnetc", import, llvm::outs())) {
    llvm::outs().flush();
    llvm::errs() << "bmnetc: error: " << llvm::toString(std::move(e)) << "\n";
    return 1;
  }
  return 0;
}
