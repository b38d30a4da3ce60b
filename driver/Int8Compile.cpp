//===- Int8Compile.cpp - what an INT8 compile adds to runCompile ----------===//
#include "driver/Int8Compile.h"

#include "ir/Diagnostics.h"
#include "ir/Verifier.h"

namespace onntc {

llvm::Error checkInt8CompileFlags(const FrontendOptions &o,
                                  const Int8CompileFlags &f) {
  if (llvm::StringRef(f.prec).upper() != "INT8")
    return makeError("--prec=" + f.prec +
                     ": bmnetu compiles INT8 nets only (FP32 nets go "
                     "through their front-end, e.g. bmneto)");
  if (o.mode == CompileMode::GenUmodel)
    return makeError("--mode=GenUmodel makes an fp32umodel from a framework "
                     "model; bmnetu compiles int8umodels");
  if (f.maxN < 0)
    return makeError("--max_n must be positive, got " + std::to_string(f.maxN));
  if (f.maxN > 0 && !o.shapes.empty())
    return makeError("give --max_n or --shapes, not both");
  return llvm::Error::success();
}

QuantizeOptions int8QuantizeOptions(const Int8CompileFlags &f) {
  QuantizeOptions qo;
  parseFp32List(f.inputsFp32, qo.allInputsFp32, qo.inputsFp32);
  parseFp32List(f.outputsFp32, qo.allOutputsFp32, qo.outputsFp32);
  return qo;
}

llvm::Expected<std::unique_ptr<Module>>
takeInt8Net(UModel &u, const NetText &proto, const FrontendOptions &o,
            const Int8CompileFlags &f) {
  if (u.kind != UModelKind::Int8)
    return makeError(o.weight + ": is an fp32umodel; calibrate it first "
                                "(calibration_use_pb quantize) and pass the "
                                ".int8umodel it writes");
  if (llvm::Error e =
          checkNetTextMatches(proto, o.model, *u.module, u.netName, o.weight))
    return std::move(e);
  Graph &g = u.module->graph;
  if (!o.shapes.empty()) {
    if (o.shapes.size() != g.inputs().size())
      return makeError("--shapes gives " + std::to_string(o.shapes.size()) +
                       " shapes but the net has " +
                       std::to_string(g.inputs().size()) + " inputs");
    for (size_t i = 0; i < o.shapes.size(); ++i)
      g.inputs()[i]->setType(TensorType(g.inputs()[i]->dtype(), o.shapes[i]));
  } else if (f.maxN > 0) {
    for (Value *in : g.inputs()) {
      Shape s = in->shape();
      if (s.rank() == 0)
        return makeError("--max_n: input '" + in->name() + "' is a scalar");
      s.mutableDims()[0] = f.maxN;
      in->setType(TensorType(in->dtype(), s));
    }
  }
  if (!o.shapes.empty() || f.maxN > 0)
    if (llvm::Error e = inferTypes(g))
      return makeError(o.weight + ": the net does not take the requested "
                                  "shapes: " + llvm::toString(std::move(e)));
  return std::move(u.module);
}

llvm::Expected<std::string> quantizeInt8Net(Module &m, const UModel &u,
                                            const Int8CompileFlags &f) {
  QuantizeOptions qo = int8QuantizeOptions(f);
  for (const std::string &n : qo.inputsFp32)
    if (!m.graph.findValue(n))
      return makeError("--input_as_fp32: the net has no input '" + n + "'");
  for (const std::string &n : qo.outputsFp32)
    if (!m.graph.findValue(n))
      return makeError("--output_as_fp32: the net has no output '" + n + "'");
  auto s = quantizeModule(m, u, qo);
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
}

} // namespace onntc
