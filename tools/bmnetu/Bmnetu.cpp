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
#include "driver/ToolMain.h"
#include "ir/Diagnostics.h"
#include "ir/OpInfo.h"
#include "ir/Verifier.h"
#include "quantizer/NetText.h"
#include "quantizer/QuantizeNet.h"
#include "quantizer/UModel.h"

#include "llvm/Support/FileSystem.h"

using namespace onntc;

namespace {

struct State {
  UModel umodel;
  int maxN = 0;
  std::string inputsFp32, outputsFp32, prec = "INT8";
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
  tool.addFlags = [&](CLI::App &app) {
    app.add_option("--max_n", st.maxN,
                   "batch size to compile for (sets dim 0 of every input)");
    app.add_option("--input_as_fp32", st.inputsFp32,
                   "inputs kept FP32 (names, comma-separated, or true for "
                   "all); others take INT8 with the calibrated scale");
    app.add_option("--output_as_fp32", st.outputsFp32,
                   "outputs given as FP32 (names or true for all); others "
                   "stay INT8 where an INT8 op produces them");
    app.add_option("--prec", st.prec, "precision: INT8 (the only one)");
  };
  tool.prepare = [&](FrontendOptions &o, const SdkFlagValues &f) -> llvm::Error {
    if (llvm::StringRef(st.prec).upper() != "INT8")
      return makeError("--prec=" + st.prec +
                       ": bmnetu compiles INT8 nets only (FP32 nets go "
                       "through their front-end, e.g. bmneto)");
    if (o.mode == CompileMode::GenUmodel)
      return makeError("--mode=GenUmodel makes an fp32umodel from a framework "
                       "model; bmnetu compiles int8umodels");
    if (st.maxN < 0)
      return makeError("--max_n must be positive, got " +
                       std::to_string(st.maxN));
    if (st.maxN > 0 && !o.shapes.empty())
      return makeError("give --max_n or --shapes, not both");
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
    if (u->kind != UModelKind::Int8)
      return makeError(o.weight + ": is an fp32umodel; calibrate it first "
                                  "(calibration_use_pb quantize) and pass the "
                                  ".int8umodel it writes");
    auto text = readNetText(o.model);
    if (!text)
      return text.takeError();
    if (llvm::Error e = checkNetTextMatches(*text, o.model, *u->module,
                                            u->netName, o.weight))
      return std::move(e);
    Graph &g = u->module->graph;
    if (!o.shapes.empty()) {
      if (o.shapes.size() != g.inputs().size())
        return makeError("--shapes gives " + std::to_string(o.shapes.size()) +
                         " shapes but the net has " +
                         std::to_string(g.inputs().size()) + " inputs");
      for (size_t i = 0; i < o.shapes.size(); ++i)
        g.inputs()[i]->setType(TensorType(g.inputs()[i]->dtype(), o.shapes[i]));
    } else if (st.maxN > 0) {
      for (Value *in : g.inputs()) {
        Shape s = in->shape();
        if (s.rank() == 0)
          return makeError("--max_n: input '" + in->name() + "' is a scalar");
        s.mutableDims()[0] = st.maxN;
        in->setType(TensorType(in->dtype(), s));
      }
    }
    if (!o.shapes.empty() || st.maxN > 0)
      if (llvm::Error e = inferTypes(g))
        return makeError(o.weight + ": the net does not take the requested "
                                    "shapes: " + llvm::toString(std::move(e)));
    std::unique_ptr<Module> m = std::move(u->module);
    st.umodel = std::move(*u);
    return m;
  };
  tool.quantize = [&](Module &m) -> llvm::Expected<std::string> {
    QuantizeOptions qo;
    parseFp32List(st.inputsFp32, qo.allInputsFp32, qo.inputsFp32);
    parseFp32List(st.outputsFp32, qo.allOutputsFp32, qo.outputsFp32);
    for (const std::string &n : qo.inputsFp32)
      if (!m.graph.findValue(n))
        return makeError("--input_as_fp32: the net has no input '" + n + "'");
    for (const std::string &n : qo.outputsFp32)
      if (!m.graph.findValue(n))
        return makeError("--output_as_fp32: the net has no output '" + n + "'");
    auto s = quantizeModule(m, st.umodel, qo);
    if (!s)
      return s.takeError();
    std::string line = std::to_string(s->int8Nodes) + " INT8 nodes, " +
                       std::to_string(s->fp32Nodes) + " FP32 nodes, " +
                       std::to_string(s->casts) + " quantize/dequantize";
    if (!s->fp32Ops.empty()) {
      line += "; FP32 ops:";
      for (const auto &kv : s->fp32Ops)
        line += " " + kv.first + "x" + std::to_string(kv.second);
    }
    return line;
  };
  return runFrontendTool(argc, argv, tool);
}
