//===- OpInfo.h - the op tables derived from Ops.def ----------*- C++ -*-===//
//
// Everything here is generated from ir/Ops.def: the OpKind enum, names,
// arities, traits and attribute specs. Per-op behaviour (shape inference and
// reference kernels) is attached through OpHooks, filled by each family file
// in ir/ops/.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_IR_OPINFO_H
#define ONNTC_IR_OPINFO_H

#include "ir/Attributes.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <optional>

namespace onntc {

class Node;
struct KernelContext;

enum class OpKind : uint16_t {
#define OP(Id, Mn, MinIn, MaxIn, MinOut, MaxOut, Traits) Id,
#include "ir/Ops.def"
};

constexpr unsigned kNumOps = 0
#define OP(Id, Mn, MinIn, MaxIn, MinOut, MaxOut, Traits) +1
#include "ir/Ops.def"
    ;

/// Op traits, combined as a bit mask in Ops.def.
enum OpTrait : unsigned {
  kNoTraits = 0,
  /// Output has the broadcast shape of the inputs and is computed per element.
  kElementwise = 1u << 0,
  /// Inputs may be swapped.
  kCommutative = 1u << 1,
  /// Data-dependent output shape or host-only semantics: never lowered to
  /// TPU commands; becomes a CPU subnet.
  kCpuOnly = 1u << 2,
};

struct AttrSpec {
  llvm::StringRef name;
  AttrKind kind;
  /// Default as textual-IR literal; "" optional without default, "!" required.
  llvm::StringRef defaultText;
  /// The parsed default (monostate-like: only meaningful if hasDefault).
  AttrValue defaultValue;
  bool hasDefault = false;
  bool required = false;
};

struct OpInfo {
  OpKind kind;
  llvm::StringRef name;     ///< e.g. "Conv" (the Ops.def id).
  llvm::StringRef mnemonic; ///< e.g. "conv" (the textual IR spelling).
  int minInputs, maxInputs, minOutputs, maxOutputs; ///< -1 max: variadic.
  unsigned traits;
  std::vector<AttrSpec> attrs;

  bool has(OpTrait t) const { return (traits & t) != 0; }
  const AttrSpec *findAttr(llvm::StringRef n) const;
};

const OpInfo &opInfo(OpKind k);
std::optional<OpKind> lookupOpByMnemonic(llvm::StringRef mnemonic);
std::optional<OpKind> lookupOpByName(llvm::StringRef name);
llvm::ArrayRef<OpInfo> allOps();

/// Parses an attribute literal of kind `k` as written in the textual IR
/// (ints: `[1, 2]`, floats `[0.5]`, strings `"x"`, types `f32`). Tensor
/// literals are not handled here (they need the weight sidecar).
llvm::Expected<AttrValue> parseAttrLiteral(AttrKind k, llvm::StringRef text);

/// Inputs handed to a kernel: one Tensor per input slot; absent optional
/// inputs are invalid Tensors.
using ComputeFn = llvm::Error (*)(const Node &node, llvm::ArrayRef<Tensor> inputs,
                                  std::vector<Tensor> &outputs,
                                  KernelContext &ctx);
/// Checks the node and sets the types of its outputs from its inputs (and
/// from constant inputs where the result shape depends on data). Dimensions
/// it cannot know stay kDynamicDim.
using InferFn = llvm::Error (*)(Node &node);

struct OpHooks {
  InferFn infer = nullptr;
  ComputeFn compute = nullptr;
};

/// Hooks of one op; filled once from the family registration functions.
const OpHooks &opHooks(OpKind k);

/// Each family file defines one of these to attach its hooks.
using HookTable = std::vector<OpHooks>;
void registerNnOps(HookTable &t);
void registerReductionOps(HookTable &t);
void registerMiscOps(HookTable &t);
void registerActivationOps(HookTable &t);
void registerElementwiseOps(HookTable &t);
void registerTensorOps(HookTable &t);
void registerQuantOps(HookTable &t);

} // namespace onntc

#endif
