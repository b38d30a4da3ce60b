//===- Bmnetp.cpp - the PyTorch (TorchScript) front-end compiler ----------===//
//
//   bmnetp --model=resnet18.pt --shapes=[1,3,224,224] --outdir=out
//          --target=BM1684 [--input_names=..] [--output_names=..] [--opt=1]
//          [--cmp=true] [--test_input=x.npy] [--emit=ir] [--list_ops] [--v=N]
//
// Flags follow the SDK's bmnetp. The model is a TorchScript archive
// (torch.jit.trace or torch.jit.script, then torch.jit.save); it is loaded
// with libtorch, frozen and imported op by op. TorchScript has no input
// shapes, so --shapes is required.
//
//===----------------------------------------------------------------------===//
#include "driver/CompileDriver.h"
#include "driver/SdkFlags.h"
#include "frontends/torch/TorchImporter.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

using namespace onntc;

int main(int argc, char **argv) {
  std::vector<std::string> args = normalizeSdkArgs(argc, argv);
  CLI::App app{"bmnetp: compile a PyTorch TorchScript model (.pt) for a "
               "Sophon-class TPU"};
  SdkFlagValues flags;
  bool listOps = false;
  addSdkFlags(app, flags, /*withWeight=*/false);
  app.add_flag("--list_ops", listOps,
               "print the supported TorchScript node kinds and exit");
  std::vector<const char *> cargs;
  for (const std::string &a : args)
    cargs.push_back(a.c_str());
  try {
    app.parse(int(cargs.size()), cargs.data());
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }

  if (listOps) {
    std::vector<llvm::StringRef> ops = supportedTorchOps();
    llvm::outs() << ops.size() << " supported TorchScript node kinds:\n";
    for (llvm::StringRef op : ops)
      llvm::outs() << "  " << op << "\n";
    return 0;
  }
  if (flags.model.empty()) {
    llvm::errs() << "bmnetp: error: --model is required (see --help)\n";
    return 1;
  }
  auto opts = makeFrontendOptions(flags);
  if (!opts) {
    llvm::errs() << "bmnetp: error: " << llvm::toString(opts.takeError())
                 << "\n";
    return 1;
  }
  if (opts->shapes.empty()) {
    llvm::errs() << "bmnetp: error: " << opts->model
                 << ": --shapes is required: TorchScript carries no input "
                    "shapes (e.g. --shapes=[1,3,224,224])\n";
    return 1;
  }
  auto import = [&]() -> llvm::Expected<std::unique_ptr<Module>> {
    TorchImportOptions io;
    io.shapes = opts->shapes;
    io.inputNames = opts->inputNames;
    io.outputNames = opts->outputNames;
    return importTorchFile(opts->model, io);
  };
  if (llvm::Error e = runCompile(*opts, "bmnetp", import, llvm::outs())) {
    llvm::outs().flush();
    llvm::errs() << "bmnetp: error: " << llvm::toString(std::move(e)) << "\n";
    return 1;
  }
  return 0;
}
