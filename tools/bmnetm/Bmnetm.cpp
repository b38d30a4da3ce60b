//===- Bmnetm.cpp - the MXNet front-end compiler --------------------------===//
//
//   bmnetm --model=det1-symbol.json --weight=det1-0001.params
//          --shapes=[1,3,12,12] --outdir=out --target=BM1684
//          [--input_names=..] [--output_names=..] [--opt=1] [--cmp=true]
//          [--descs=..] [--test_input=x.npz] [--emit=ir] [--list_ops] [--v=N]
//
// Flags follow the SDK's bmnetm (also `-opt=2` single-dash spellings).
//
//===----------------------------------------------------------------------===//
#include "driver/CompileDriver.h"
#include "driver/SdkFlags.h"
#include "frontends/mxnet/MxnetImporter.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

using namespace onntc;

int main(int argc, char **argv) {
  std::vector<std::string> args = normalizeSdkArgs(argc, argv);
  CLI::App app{"bmnetm: compile an MXNet model (-symbol.json + .params) for "
               "a Sophon-class TPU"};
  SdkFlagValues flags;
  bool listOps = false;
  addSdkFlags(app, flags, /*withWeight=*/true);
  app.add_flag("--list_ops", listOps, "print the supported MXNet ops and exit");
  std::vector<const char *> cargs;
  for (const std::string &a : args)
    cargs.push_back(a.c_str());
  try {
    app.parse(int(cargs.size()), cargs.data());
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }

  if (listOps) {
    std::vector<llvm::StringRef> ops = supportedMxnetOps();
    llvm::outs() << ops.size() << " supported MXNet ops:\n";
    for (llvm::StringRef op : ops)
      llvm::outs() << "  " << op << "\n";
    return 0;
  }
  if (flags.model.empty() || flags.weight.empty()) {
    llvm::errs() << "bmnetm: error: --model (the -symbol.json) and --weight "
                    "(the .params) are required (see --help)\n";
    return 1;
  }
  auto opts = makeFrontendOptions(flags);
  if (!opts) {
    llvm::errs() << "bmnetm: error: " << llvm::toString(opts.takeError())
                 << "\n";
    return 1;
  }
  auto import = [&]() -> llvm::Expected<std::unique_ptr<Module>> {
    MxnetImportOptions io;
    io.shapes = opts->shapes;
    io.inputNames = opts->inputNames;
    io.outputNames = opts->outputNames;
    return importMxnetFiles(opts->model, opts->weight, io);
  };
  if (llvm::Error e = runCompile(*opts, "bmnetm", import, llvm::outs())) {
    llvm::outs().flush();
    llvm::errs() << "bmnetm: error: " << llvm::toString(std::move(e)) << "\n";
    return 1;
  }
  return 0;
}
