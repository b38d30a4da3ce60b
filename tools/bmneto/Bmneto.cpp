//===- Bmneto.cpp - the ONNX front-end compiler ---------------------------===//
//
//   bmneto --model=resnet.onnx --shapes=[1,3,224,224] --outdir=out
//          --target=BM1684 [--input_names=..] [--output_names=..] [--opt=1]
//          [--cmp=true] [--descs=[0,int64,0,100]] [--test_input=x.npz]
//          [--emit=ir] [--list_ops] [--v=N]
//
// Flags follow the SDK's bmneto (also `-opt=2` single-dash spellings).
//
//===----------------------------------------------------------------------===//
#include "driver/CompileDriver.h"
#include "driver/SdkFlags.h"
#include "frontends/onnx/OnnxImporter.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

using namespace onntc;

int main(int argc, char **argv) {
  std::vector<std::string> args = normalizeSdkArgs(argc, argv);
  CLI::App app{"bmneto: compile an ONNX model (opsets " +
               std::to_string(kMinOnnxOpset) + " to " +
               std::to_string(kMaxOnnxOpset) + ") for a Sophon-class TPU"};
  SdkFlagValues flags;
  bool listOps = false;
  addSdkFlags(app, flags, /*withWeight=*/false);
  app.add_flag("--list_ops", listOps, "print the supported ONNX ops and exit");
  std::vector<const char *> cargs;
  for (const std::string &a : args)
    cargs.push_back(a.c_str());
  try {
    app.parse(int(cargs.size()), cargs.data());
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }

  if (listOps) {
    std::vector<OnnxOpDesc> ops = supportedOnnxOps();
    llvm::outs() << ops.size() << " supported ONNX ops (ai.onnx, opsets "
                 << kMinOnnxOpset << " to " << kMaxOnnxOpset << "):\n";
    for (const OnnxOpDesc &op : ops) {
      llvm::outs() << "  " << op.name;
      if (op.minOpset > kMinOnnxOpset)
        llvm::outs() << " (since opset " << op.minOpset << ")";
      llvm::outs() << "\n";
    }
    return 0;
  }
  if (flags.model.empty()) {
    llvm::errs() << "bmneto: error: --model is required (see --help)\n";
    return 1;
  }
  auto opts = makeFrontendOptions(flags);
  if (!opts) {
    llvm::errs() << "bmneto: error: " << llvm::toString(opts.takeError())
                 << "\n";
    return 1;
  }
  auto import = [&]() -> llvm::Expected<std::unique_ptr<Module>> {
    OnnxImportOptions io;
    io.shapes = opts->shapes;
    io.inputNames = opts->inputNames;
    io.outputNames = opts->outputNames;
    return importOnnxFile(opts->model, io);
  };
  if (llvm::Error e = runCompile(*opts, "bmneto", import, llvm::outs())) {
    llvm::outs().flush();
    llvm::errs() << "bmneto: error: " << llvm::toString(std::move(e)) << "\n";
    return 1;
  }
  return 0;
}
