//===- Bmnetd.cpp - the Darknet front-end compiler ------------------------===//
//
//   bmnetd --model=yolov3-tiny.cfg --weight=yolov3-tiny.weights
//          --outdir=out --target=BM1684 [--shapes=[1,3,416,416]]
//          [--output_names=conv_15,..] [--opt=1] [--cmp=true]
//          [--test_input=x.npy] [--emit=ir] [--list_ops] [--v=N]
//
// Flags follow the SDK's bmnetd (also `-opt=2` single-dash spellings).
//
//===----------------------------------------------------------------------===//
#include "driver/CompileDriver.h"
#include "driver/SdkFlags.h"
#include "frontends/darknet/DarknetImporter.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

using namespace onntc;

int main(int argc, char **argv) {
  std::vector<std::string> args = normalizeSdkArgs(argc, argv);
  CLI::App app{"bmnetd: compile a Darknet model (.cfg + .weights) for a "
               "Sophon-class TPU"};
  SdkFlagValues flags;
  bool listOps = false;
  addSdkFlags(app, flags, /*withWeight=*/true);
  app.add_flag("--list_ops", listOps,
               "print the supported layer types and activations and exit");
  std::vector<const char *> cargs;
  for (const std::string &a : args)
    cargs.push_back(a.c_str());
  try {
    app.parse(int(cargs.size()), cargs.data());
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }

  if (listOps) {
    std::vector<llvm::StringRef> ops = supportedDarknetSections();
    llvm::outs() << ops.size() << " supported Darknet layer types:\n";
    for (llvm::StringRef op : ops)
      llvm::outs() << "  [" << op << "]\n";
    std::vector<llvm::StringRef> acts = supportedDarknetActivations();
    llvm::outs() << acts.size() << " supported activations:\n";
    for (llvm::StringRef a : acts)
      llvm::outs() << "  " << a << "\n";
    return 0;
  }
  if (flags.model.empty() || flags.weight.empty()) {
    llvm::errs() << "bmnetd: error: --model (the .cfg) and --weight (the "
                    ".weights) are required (see --help)\n";
    return 1;
  }
  auto opts = makeFrontendOptions(flags);
  if (!opts) {
    llvm::errs() << "bmnetd: error: " << llvm::toString(opts.takeError())
                 << "\n";
    return 1;
  }
  auto import = [&]() -> llvm::Expected<std::unique_ptr<Module>> {
    DarknetImportOptions io;
    io.shapes = opts->shapes;
    io.inputNames = opts->inputNames;
    io.outputNames = opts->outputNames;
    return importDarknetFiles(opts->model, opts->weight, io);
  };
  if (llvm::Error e = runCompile(*opts, "bmnetd", import, llvm::outs())) {
    llvm::outs().flush();
    llvm::errs() << "bmnetd: error: " << llvm::toString(std::move(e)) << "\n";
    return 1;
  }
  return 0;
}
