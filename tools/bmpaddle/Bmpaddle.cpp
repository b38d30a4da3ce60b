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
#include "driver/ToolMain.h"
#include "frontends/paddle/PaddleImporter.h"

using namespace onntc;

int main(int argc, char **argv) {
  FrontendTool tool;
  tool.name = "bmpaddle";
  tool.description = "bmpaddle: compile a Paddle inference model (__model__ or "
                     ".pdmodel + parameters) for a Sophon-class TPU";
  tool.missingInputs = "--model is required (see --help)";
  tool.listOpsHelp = "print the supported Paddle ops and exit";
  tool.listOps = [](llvm::raw_ostream &os) {
    std::vector<llvm::StringRef> ops = supportedPaddleOps();
    os << ops.size() << " supported Paddle ops:\n";
    for (llvm::StringRef op : ops)
      os << "  " << op << "\n";
  };
  tool.import =
      [](const FrontendOptions &o) -> llvm::Expected<std::unique_ptr<Module>> {
    PaddleImportOptions io;
    io.shapes = o.shapes;
    io.inputNames = o.inputNames;
    io.outputNames = o.outputNames;
    return importPaddleModel(o.model, io);
  };
  return runFrontendTool(argc, argv, tool);
}
