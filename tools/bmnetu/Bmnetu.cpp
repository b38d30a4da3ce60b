//===- Bmnetu.cpp - the INT8 umodel compiler -------------------------------===//
//
//   bmnetu --model=<net>_bmneto_deploy_int8_unique_top.prototxt
//          --weight=<net>_bmneto.int8umodel --target=BM1684 --outdir=out
//          [--max_n=N | --shapes=[..]] [--cmp=true] [--opt=1]
//          [--input_as_fp32=names|true] [--output_as_fp32=names|true]
//          [--net_name=..] [--test_input=x.npz] [--emit=quantized-ir|cmds]
//
// Reads the int8umodel calibration_use_pb wrote (the FP32 net plus its
// thresholds and INT8 weights), checks the deploy prototxt describes the
// same net, runs the quantize stage (quantizer/QuantizeNet.h) and compiles
// the INT8 net. input_ref_data.dat / output_ref_data.dat hold the INT8
// reference: INT8 inputs quantized with their scale, the INT8 interpreter's
// outputs. Flags follow the SDK's bmnetu (also `-max_n=4` spellings).
//
//===----------------------------------------------------------------------===//
#include "driver/Int8Compile.h"
#include "driver/ToolMain.h"
#include "ir/Diagnostics.h"
#include "quantizer/NetText.h"
#include "quantizer/UModel.h"

using namespace onntc;

namespace {

struct State {
  UModel umodel;
  Int8CompileFlags flags;
};

/// The ops the quantize stage gives an INT8 form, for --list_ops.
void listInt8Ops(llvm::raw_ostream &os) {
  os << "bmnetu compiles the nets of int8umodels. Ops with an INT8 form:\n"
        "  conv (per-channel or per-tensor weights, groups, depthwise), gemm "
        "and 2-D matmul with constant weights,\n"
        "  add of two activations (each rescaled), average and global "
        "average pooling, concat (inputs rescaled),\n"
        "  relu / clip(0, x) folded into the producer's requant, max pooling "
        "and data movement on INT8 values\n"
        "  (reshape, flatten, transpose, squeeze, unsqueeze, slice, pad 0, "
        "nearest resize),\n"
        "  element-wise functions of one activation (sigmoid, tanh, "
        "leaky_relu, hard_swish, ...) as 256-entry tables.\n"
        "Every other op of the IR runs in FP32 between a dequantize and a "
        "quantize (see docs/int8.md).\n";
}

} // namespace

int main(int argc, char **argv) {
  State st;
  FrontendTool tool;
  tool.name = "bmnetu";
  tool.description = "bmnetu: compile an INT8 umodel (calibration_use_pb's "
                     "int8umodel + deploy prototxt) for a Sophon-class TPU";
  tool.withWeight = true;
  tool.requireWeight = true;
  tool.missingInputs = "--model (the ..._deploy_int8_unique_top.prototxt) and "
                       "--weight (the .int8umodel) are required (see --help)";
  tool.listOpsHelp = "print the ops with an INT8 form and exit";
  tool.listOps = listInt8Ops;
  tool.addFlags = [&](CLI::App &app) { addInt8CompileFlags(app, st.flags); };
  tool.prepare = [&](FrontendOptions &o, const SdkFlagValues &f) -> llvm::Error {
    if (llvm::Error e = checkInt8CompileFlags(o, st.flags))
      return e;
    if (f.netName.empty()) {
      auto text = readNetText(o.model);
      if (!text)
        return text.takeError();
      if (!text->name.empty())
        o.netName = text->name;
    }
    return llvm::Error::success();
  };
  tool.import = [&](const FrontendOptions &o)
      -> llvm::Expected<std::unique_ptr<Module>> {
    auto u = readUModel(o.weight);
    if (!u)
      return u.takeError();
    auto text = readNetText(o.model);
    if (!text)
      return text.takeError();
    st.umodel = std::move(*u);
    return takeInt8Net(st.umodel, *text, o, st.flags);
  };
  tool.quantize = [&](Module &m) -> llvm::Expected<std::string> {
    return quantizeInt8Net(m, st.umodel, st.flags);
  };
  return runFrontendTool(argc, argv, tool);
}
