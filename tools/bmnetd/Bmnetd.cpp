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
#include "driver/ToolMain.h"
#include "frontends/darknet/DarknetImporter.h"

using namespace onntc;

int main(int argc, char **argv) {
  FrontendTool tool;
  tool.name = "bmnetd";
  tool.description = "bmnetd: compile a Darknet model (.cfg + .weights) for a "
                     "Sophon-class TPU";
  tool.withWeight = true;
  tool.requireWeight = true;
  tool.missingInputs = "--model (the .cfg) and --weight (the .weights) are "
                       "required (see --help)";
  tool.listOpsHelp = "print the supported layer types and activations and exit";
  tool.listOps = [](llvm::raw_ostream &os) {
    std::vector<llvm::StringRef> ops = supportedDarknetSections();
    os << ops.size() << " supported Darknet layer types:\n";
    for (llvm::StringRef op : ops)
      os << "  [" << op << "]\n";
    std::vector<llvm::StringRef> acts = supportedDarknetActivations();
    os << acts.size() << " supported activations:\n";
    for (llvm::StringRef a : acts)
      os << "  " << a << "\n";
  };
  tool.import =
      [](const FrontendOptions &o) -> llvm::Expected<std::unique_ptr<Module>> {
    DarknetImportOptions io;
    io.shapes = o.shapes;
    io.inputNames = o.inputNames;
    io.outputNames = o.outputNames;
    return importDarknetFiles(o.model, o.weight, io);
  };
  return runFrontendTool(argc, argv, tool);
}
