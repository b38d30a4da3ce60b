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
#include "driver/ToolMain.h"
#include "frontends/onnx/OnnxImporter.h"

using namespace onntc;

int main(int argc, char **argv) {
  FrontendTool tool;
  tool.name = "bmneto";
  tool.description = "bmneto: compile an ONNX model (opsets " +
                     std::to_string(kMinOnnxOpset) + " to " +
                     std::to_string(kMaxOnnxOpset) + ") for a Sophon-class TPU";
  tool.missingInputs = "--model is required (see --help)";
  tool.listOpsHelp = "print the supported ONNX ops and exit";
  tool.listOps = [](llvm::raw_ostream &os) {
    std::vector<OnnxOpDesc> ops = supportedOnnxOps();
    os << ops.size() << " supported ONNX ops (ai.onnx, opsets " << kMinOnnxOpset
       << " to " << kMaxOnnxOpset << "):\n";
    for (const OnnxOpDesc &op : ops) {
      os << "  " << op.name;
      if (op.minOpset > kMinOnnxOpset)
        os << " (since opset " << op.minOpset << ")";
      os << "\n";
    }
  };
  tool.import =
      [](const FrontendOptions &o) -> llvm::Expected<std::unique_ptr<Module>> {
    OnnxImportOptions io;
    io.shapes = o.shapes;
    io.inputNames = o.inputNames;
    io.outputNames = o.outputNames;
    return importOnnxFile(o.model, io);
  };
  return runFrontendTool(argc, argv, tool);
}
