//===- Bmnetc.cpp - the Caffe front-end compiler --------------------------===//
//
//   bmnetc --model=net.prototxt --weight=net.caffemodel --outdir=out
//          --target=BM1684 [--shapes=[1,3,224,224]] [--input_names=..]
//          [--output_names=..] [--opt=1] [--cmp=true] [--test_input=x.npz]
//          [--emit=ir] [--list_ops] [--v=N]
//
// Flags follow the SDK's bmnetc (also `-opt=2` single-dash spellings).
//
//===----------------------------------------------------------------------===//
#include "driver/ToolMain.h"
#include "frontends/caffe/CaffeImporter.h"

using namespace onntc;

int main(int argc, char **argv) {
  FrontendTool tool;
  tool.name = "bmnetc";
  tool.description =
      "bmnetc: compile a Caffe model (.prototxt + .caffemodel) for "
      "a Sophon-class TPU";
  tool.withWeight = true;
  tool.missingInputs = "--model (the .prototxt) is required (see --help)";
  tool.listOpsHelp = "print the supported Caffe layers and exit";
  tool.listOps = [](llvm::raw_ostream &os) {
    std::vector<CaffeLayerDesc> layers = supportedCaffeLayers();
    os << layers.size() << " supported Caffe layer types:\n";
    for (const CaffeLayerDesc &l : layers)
      os << "  " << l.type << ": " << l.irForm << "\n";
  };
  tool.import =
      [](const FrontendOptions &o) -> llvm::Expected<std::unique_ptr<Module>> {
    CaffeImportOptions io;
    io.shapes = o.shapes;
    io.inputNames = o.inputNames;
    io.outputNames = o.outputNames;
    return importCaffeFiles(o.model, o.weight, io);
  };
  return runFrontendTool(argc, argv, tool);
}
