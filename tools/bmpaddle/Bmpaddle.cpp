//===- Bmpaddle.cpp - the Paddle front-end compiler -----------------------===//
//
//   bmpaddle --model=<inference-model dir | x.pdmodel> --shapes=[1,3,224,224]
//            --outdir=out --target=BM1684 [--input_names=..]
//            [--output_names=..] [--opt=1] [--cmp=true] [--descs=..]
//            [--test_input=x.npz] [--emit=ir] [--list_ops] [--v=N]
//
// Flags follow the SDK's bmpaddle (also `-opt=2` single-dash spellings).
//
//===----------------------------------------------------------------------===//
#include "driver/CompileDriver.h"
#include "driver/SdkFlags.h"
#include "frontends/paddle/PaddleImporter.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

using namespace onntc;

int main(int argc, char **argv) {
  std::vector<std::string> args = normalizeSdkArgs(argc, argv);
  CLI::App app{"bmpaddle: compile a Paddle inference model (__model__ or "
               ".pdmodel + parameters) for a Sophon-class TPU"};
  SdkFlagValues flags;
  bool listOps = false;
  addSdkFlags(app, flags, /*withWeight=*/false);
  app.add_flag("--list_ops", listOps, "print the supported Paddle ops and exit");
  std::vector<const char *> cargs;
  for (const std::string &a : args)
    cargs.push_back(a.c_str());
  try {
    app.parse(int(cargs.size()), cargs.data());
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }

  if (listOps) {
    std::vector<llvm::StringRef> ops = supportedPaddleOps();
    llvm::outs() << ops.size() << " supported Paddle ops:\n";
    for (llvm::StringRef op : ops)
      llvm::outs() << "  " << op << "\n";
    return 0;
  }
  if (flags.model.empty()) {
    llvm::errs() << "bmpaddle: error: --model is required (see --help)\n";
    return 1;
  }
  auto opts = makeFrontendOptions(flags);
  if (!opts) {
    llvm::errs() << "bmpaddle: error: " << llvm::toString(opts.takeError())
                 << "\n";
    return 1;
  }
  auto import = [&]() -> llvm::Expected<std::unique_ptr<Module>> {
    PaddleImportOptions io;
    io.shapes = opts->shapes;
    io.inputNames = opts->inputNames;
    io.outputNames = opts->outputNames;
    return importPaddleModel(opts->model, io);
  };
  if (llvm::Error e = runCompile(*opts, "bmpaddle", import, llvm::outs())) {
    llvm::outs().flush();
    llvm::errs() << "bmpaddle: error: " << llvm::toString(std::move(e))
                 << "\n";
    return 1;
  }
  return 0;
}
