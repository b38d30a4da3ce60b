//===- Commands.cpp - names and engine/opcode of commands -----------------===//
#include "isa/Commands.h"

#include "llvm/Support/ErrorHandling.h"

#include <type_traits>

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

Engine Command::engine() const {
  return std::visit(
      [](const auto &b) { return CmdTraits<std::decay_t<decltype(b)>>::engine; },
      body);
}
uint8_t Command::opcode() const {
  return std::visit(
      [](const auto &b) { return CmdTraits<std::decay_t<decltype(b)>>::opcode; },
      body);
}
llvm::StringRef Command::mnemonic() const {
  return std::visit(
      [](const auto &b) {
        return llvm::StringRef(CmdTraits<std::decay_t<decltype(b)>>::mnemonic);
      },
      body);
}

} // namespace isa
} // namespace onntc
