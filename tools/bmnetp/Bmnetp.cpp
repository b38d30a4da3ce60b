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
#include "driver/ToolMain.h"
#include "frontends/torch/TorchImporter.h"

using namespace onntc;

int main(int argc, char **argv) {
  FrontendTool tool;
  tool.name = "bmnetp";
  tool.description = "bmnetp: compile a PyTorch TorchScript model (.pt) for a "
                     "Sophon-class TPU";
  tool.missingInputs = "--model is required (see --help)";
  tool.listOpsHelp = "print the supported TorchScript node kinds and exit";
  tool.listOps = [](llvm::raw_ostream &os) {
    std::vector<llvm::StringRef> ops = supportedTorchOps();
    os << ops.size() << " supported TorchScript node kinds:\n";
    for (llvm::StringRef op : ops)
      os << "  " << op << "\n";
  };
  tool.check = [](const FrontendOptions &o) -> llvm::Error {
    if (!o.shapes.empty())
      return llvm::Error::success();
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "%s: --shapes is required: TorchScript carries no input shapes "
        "(e.g. --shapes=[1,3,224,224])",
        o.model.c_str());
  };
  tool.import =
      [](const FrontendOptions &o) -> llvm::Expected<std::unique_ptr<Module>> {
    TorchImportOptions io;
    io.shapes = o.shapes;
    io.inputNames = o.inputNames;
    io.outputNames = o.outputNames;
    return importTorchFile(o.model, io);
  };
  return runFrontendTool(argc, argv, tool);
}
