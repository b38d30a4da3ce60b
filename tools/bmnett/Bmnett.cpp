//===- Bmnett.cpp - the TensorFlow front-end compiler ---------------------===//
//
//   bmnett --model=frozen.pb --input_names=data --shapes=[1,300,300,3]
//          --output_names=a,b --outdir=out --target=BM1684 [--opt=1]
//          [--cmp=true] [--descs=..] [--test_input=x.npz] [--emit=ir]
//          [--list_ops] [--v=N]
//
// Flags follow the SDK's bmnett (also `-opt=2` single-dash spellings).
// Shapes, reference inputs and outputs are in TensorFlow's layout (NHWC for
// images), as the model defines its tensors; the bmodel's inputs and outputs
// are too.
//
//===----------------------------------------------------------------------===//
#include "driver/CompileDriver.h"
#include "driver/SdkFlags.h"
#include "frontends/tensorflow/TfImporter.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

using namespace onntc;

int main(int argc, char **argv) {
  std::vector<std::string> args = normalizeSdkArgs(argc, argv);
  CLI::App app{"bmnett: compile a frozen TensorFlow GraphDef (.pb, .pbtxt) "
               "for a Sophon-class TPU"};
  SdkFlagValues flags;
  bool listOps = false;
  addSdkFlags(app, flags, /*withWeight=*/false);
  app.add_flag("--list_ops", listOps,
               "print the supported TensorFlow ops and exit");
  std::vector<const char *> cargs;
  for (const std::string &a : args)
    cargs.push_back(a.c_str());
  try {
    app.parse(int(cargs.size()), cargs.data());
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }

  if (listOps) {
    std::vector<TfOpDesc> ops = supportedTfOps();
    llvm::outs() << ops.size() << " supported TensorFlow ops:\n";
    for (const TfOpDesc &op : ops)
      llvm::outs() << "  " << op.name << ": " << op.note << "\n";
    return 0;
  }
  if (flags.model.empty()) {
    llvm::errs() << "bmnett: error: --model is required (see --help)\n";
    return 1;
  }
  auto opts = makeFrontendOptions(flags);
  if (!opts) {
    llvm::errs() << "bmnett: error: " << llvm::toString(opts.takeError())
                 << "\n";
    return 1;
  }
  auto import = [&]() -> llvm::Expected<std::unique_ptr<Module>> {
    TfImportOptions io;
    io.shapes = opts->shapes;
    io.inputNames = opts->inputNames;
    io.outputNames = opts->outputNames;
    return importTfFile(opts->model, io);
  };
  if (llvm::Error e = runCompile(*opts, "bmnett", import, llvm::outs())) {
    llvm::outs().flush();
    llvm::errs() << "bmnett: error: " << llvm::toString(std::move(e)) << "\n";
    return 1;
  }
  return 0;
}
