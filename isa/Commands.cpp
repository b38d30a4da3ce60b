//===- Commands.cpp - names and engine/opcode of commands
//------------------===//
#include "isa/Commands.h"

#include "llvm/Support/ErrorHandling.h"

namespace onntc {
namespace isa {

llvm::StringRef engineName(Engine e) {
  switch (e) {
  case Engine::BDC:
    return "bdc";
  case Engine::GDMA:
    return "gdma";
  }
  llvm_unreachable("bad Engine");
}

llvm::StringRef binaryOpName(BinaryOp op) {
  static const char *const Names[kNumBinaryOps] = {
      "add", "sub", "mul", "div", "max", "min", "pow", "prelu", "sqdiff",
      "eq",  "ne",  "lt",  "le",  "gt",  "ge",  "and", "or"};
  return Names[unsigned(op)];
}

llvm::StringRef unaryOpName(UnaryOp op) {
  static const char *const Names[kNumUnaryOps] = {
      "relu",     "leaky_relu", "sigmoid", "tanh", "exp",      "log",  "sqrt",
      "rsqrt",    "recip",      "abs",     "neg",  "square",   "gelu", "erf",
      "hsigmoid", "hswish",     "clip",    "silu", "softplus", "elu",  "mish",
      "floor",    "ceil",       "round",   "sin",  "cos",      "sign"};
  return Names[unsigned(op)];
}

llvm::StringRef reduceOpName(ReduceOp op) {
  static const char *const Names[kNumReduceOps] = {"sum", "mean", "max",
                                                   "min", "prod", "sumsq"};
  return Names[unsigned(op)];
}

namespace {
struct EngineOf {
  Engine operator()(const GdmaMoveCmd &) const { return Engine::GDMA; }
  Engine operator()(const GdmaFillCmd &) const { return Engine::GDMA; }
  template <class T> Engine operator()(const T &) const { return Engine::BDC; }
};
struct OpcodeOf {
  uint8_t operator()(const ConvCmd &) const { return uint8_t(BdcOpcode::Conv); }
  uint8_t operator()(const MatMulCmd &) const {
    return uint8_t(BdcOpcode::MatMul);
  }
  uint8_t operator()(const PoolCmd &) const { return uint8_t(BdcOpcode::Pool); }
  uint8_t operator()(const BinaryCmd &) const {
    return uint8_t(BdcOpcode::Binary);
  }
  uint8_t operator()(const UnaryCmd &) const {
    return uint8_t(BdcOpcode::Unary);
  }
  uint8_t operator()(const ReduceCmd &) const {
    return uint8_t(BdcOpcode::Reduce);
  }
  uint8_t operator()(const CopyCmd &) const { return uint8_t(BdcOpcode::Copy); }
  uint8_t operator()(const FillCmd &) const { return uint8_t(BdcOpcode::Fill); }
  uint8_t operator()(const CastCmd &) const { return uint8_t(BdcOpcode::Cast); }
  uint8_t operator()(const RequantCmd &) const {
    return uint8_t(BdcOpcode::Requant);
  }
  uint8_t operator()(const LutCmd &) const { return uint8_t(BdcOpcode::Lut); }
  uint8_t operator()(const GdmaMoveCmd &) const {
    return uint8_t(GdmaOpcode::Move);
  }
  uint8_t operator()(const GdmaFillCmd &) const {
    return uint8_t(GdmaOpcode::Fill);
  }
};
struct MnemonicOf {
  const char *operator()(const ConvCmd &) const { return "conv"; }
  const char *operator()(const MatMulCmd &) const { return "matmul"; }
  const char *operator()(const PoolCmd &) const { return "pool"; }
  const char *operator()(const BinaryCmd &) const { return "binary"; }
  const char *operator()(const UnaryCmd &) const { return "unary"; }
  const char *operator()(const ReduceCmd &) const { return "reduce"; }
  const char *operator()(const CopyCmd &) const { return "copy"; }
  const char *operator()(const FillCmd &) const { return "fill"; }
  const char *operator()(const CastCmd &) const { return "cast"; }
  const char *operator()(const RequantCmd &) const { return "requant"; }
  const char *operator()(const LutCmd &) const { return "lut"; }
  const char *operator()(const GdmaMoveCmd &) const { return "gdma.move"; }
  const char *operator()(const GdmaFillCmd &) const { return "gdma.fill"; }
};
} // namespace

Engine Command::engine() const { return std::visit(EngineOf(), body); }
uint8_t Command::opcode() const { return std::visit(OpcodeOf(), body); }
llvm::StringRef Command::mnemonic() const {
  return std::visit(MnemonicOf(), body);
}

} // namespace isa
} // namespace onntc
