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
#include "driver/ToolMain.h"
#include "frontends/mxnet/MxnetImporter.h"

using namespace onntc;

int main(int argc, char **argv) {
  FrontendTool tool;
  tool.name = "bmnetm";
  tool.description =
      "bmnetm: compile an MXNet model (-symbol.json + .params) for "
      "a Sophon-class TPU";
  tool.withWeight = true;
  tool.requireWeight = true;
  tool.missingInputs = "--model (the -symbol.json) and --weight (the .params) "
                       "are required (see --help)";
  tool.listOpsHelp = "print the supported MXNet ops and exit";
  tool.listOps = [](llvm::raw_ostream &os) {
    std::vector<llvm::StringRef> ops = supportedMxnetOps();
    os << ops.size() << " supported MXNet ops:\n";
    for (llvm::StringRef op : ops)
      os << "  " << op << "\n";
  };
  tool.import =
      [](const FrontendOptions &o) -> llvm::Expected<std::unique_ptr<Module>> {
    MxnetImportOptions io;
    io.shapes = o.shapes;
    io.inputNames = o.inputNames;
    io.outputNames = o.outputNames;
    return importMxnetFiles(o.model, o.weight, io);
  };
  return runFrontendTool(argc, argv, tool);
}
