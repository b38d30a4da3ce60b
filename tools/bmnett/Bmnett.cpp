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
#include "driver/ToolMain.h"
#include "frontends/tensorflow/TfImporter.h"

using namespace onntc;

int main(int argc, char **argv) {
  FrontendTool tool;
  tool.name = "bmnett";
  tool.description =
      "bmnett: compile a frozen TensorFlow GraphDef (.pb, .pbtxt) "
      "for a Sophon-class TPU";
  tool.missingInputs = "--model is required (see --help)";
  tool.listOpsHelp = "print the supported TensorFlow ops and exit";
  tool.listOps = [](llvm::raw_ostream &os) {
    std::vector<TfOpDesc> ops = supportedTfOps();
    os << ops.size() << " supported TensorFlow ops:\n";
    for (const TfOpDesc &op : ops)
      os << "  " << op.name << ": " << op.note << "\n";
  };
  tool.import =
      [](const FrontendOptions &o) -> llvm::Expected<std::unique_ptr<Module>> {
    TfImportOptions io;
    io.shapes = o.shapes;
    io.inputNames = o.inputNames;
    io.outputNames = o.outputNames;
    return importTfFile(o.model, io);
  };
  return runFrontendTool(argc, argv, tool);
}
