//===- Commands.h - BDC and GDMA command descriptors ------------*- C++ -*-===//
//
// The instruction set of the virtual TPU. Every command is a fixed-size
// (kCmdBytes) little-endian descriptor: a 16-byte header (version, engine,
// opcode, cmd id, dependency id, tag) and an opcode-specific body. The typed
// structs below are the in-memory form; Encoding.h turns them into bytes and
// back. docs/isa.md is the normative description (field offsets, layouts,
// id-sync semantics); `tpu_disasm --fields` prints the offset tables from the
// same field lists the encoder uses, so the two cannot drift apart.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_ISA_COMMANDS_H
#define ONNTC_ISA_COMMANDS_H

#include "isa/Layout.h"
#include "isa/Target.h"

#include <cstdint>
#include <variant>

namespace onntc {
namespace isa {

/// Bytes of one command descriptor (the BM1684 fixed command size).
constexpr unsigned kCmdBytes = 128;
/// Bytes of the common header at the start of every descriptor.
constexpr unsigned kHeaderBytes = 16;
/// The descriptor format version this library writes and reads.
constexpr uint8_t kIsaVersion = 1;
/// Command ids and dependency ids are 20-bit.
constexpr uint32_t kMaxCmdId = (1u << 20) - 1;

/// The two engines. Values are part of the descriptor format.
enum class Engine : uint8_t { BDC = 0, GDMA = 1 };
llvm::StringRef engineName(Engine e);

/// Fields every command carries.
struct CmdHeader {
  /// Sequence number of the command on its own engine (1-based, strictly
  /// increasing inside one id-sync group, at most kMaxCmdId).
  uint32_t cmdId = 0;
  /// The command starts only after the *other* engine has completed a
  /// command with id >= depId. 0 means no wait.
  uint32_t depId = 0;
  /// Free for the compiler: the cmodel profile aggregates cycles per tag
  /// (the backend stores a layer or group index here).
  uint32_t tag = 0;
};

/// INT8 requantization of an integer accumulator `acc`:
///   y = saturate(roundingShift(int64(acc) * multiplier, shift) + outZp)
/// (see Requant.h). PerChannel reads {i32 multiplier, i32 shift} pairs from a
/// per-lane table at tableAddr (8 bytes per channel group, same lane as the
/// output channel).
enum class RequantMode : uint8_t { None = 0, PerTensor = 1, PerChannel = 2 };
struct RequantParams {
  RequantMode mode = RequantMode::None;
  int32_t multiplier = 1;
  int8_t shift = 0;
  int32_t outZp = 0;
  uint32_t tableAddr = 0;
};

/// A lane-wise local operand: address, element strides, element type. An
/// operand whose C stride is 0 is lane-replicated: a BDC command reads it in
/// the lane of the output channel being computed, at the operand's offset.
struct LocalOperand {
  uint32_t addr = 0;
  Strides4 stride;
  DType dtype = DType::F32;
};

//===-- BDC commands ------------------------------------------------------===//

/// 2-D convolution on NCHW local tensors. Input channel ic sits on the lane
/// given by the input start lane; output channel oc on the output start lane
/// + oc. Weights: for output channel oc, (ic/groups)*kh*kw elements at
/// weightAddr + group(oc) * that count, in oc's lane, ordered [ic][kh][kw].
/// Bias: one element per output channel at biasAddr in oc's lane. FP32:
/// f32 everything. INT8: i8/u8 input, i8 weight, i32 bias, i32 accumulate,
/// requant to outType; padding value is inZp.
struct ConvCmd {
  uint32_t inAddr = 0, outAddr = 0, weightAddr = 0, biasAddr = 0;
  Shape4 in;
  uint32_t oc = 0, oh = 0, ow = 0;
  uint16_t kh = 1, kw = 1, strideH = 1, strideW = 1, dilH = 1, dilW = 1;
  uint16_t padT = 0, padB = 0, padL = 0, padR = 0;
  uint32_t groups = 1;
  DType inType = DType::F32, weightType = DType::F32, biasType = DType::F32,
        outType = DType::F32;
  LocalLayout inLayout = LocalLayout::AlignEU, outLayout = LocalLayout::AlignEU;
  bool hasBias = false, relu = false;
  /// Upper clamp applied after relu when > 0 (ReLU6); 0 = none.
  double reluMax = 0;
  int32_t inZp = 0;
  RequantParams rq;
};

/// Y[m][n] = sum_k L[m][k] * R[k][n] (+ bias[n]). L is the local tensor
/// (1, M, 1, K), R is (1, K, 1, N) or, with rTrans, (1, N, 1, K); Y is
/// (1, M, 1, N). Bias (1, 1, 1, N) is lane-replicated at biasAddr.
struct MatMulCmd {
  uint32_t lAddr = 0, rAddr = 0, biasAddr = 0, outAddr = 0;
  uint32_t m = 0, k = 0, n = 0;
  DType lType = DType::F32, rType = DType::F32, biasType = DType::F32,
        outType = DType::F32;
  LocalLayout lLayout = LocalLayout::AlignEU, rLayout = LocalLayout::AlignEU,
              outLayout = LocalLayout::AlignEU;
  bool rTrans = false, hasBias = false, relu = false;
  int32_t lZp = 0;
  RequantParams rq;
};

enum class PoolMode : uint8_t { Max = 0, Avg = 1 };
/// Max or average pooling of (N, C, H, W) into (N, C, oh, ow), lane-wise.
/// Average divides by the window area (countIncludePad) or by the number
/// of valid elements. INT8 average: sum then requant (rq), max: no rq.
struct PoolCmd {
  uint32_t inAddr = 0, outAddr = 0;
  Shape4 in;
  uint32_t oh = 0, ow = 0;
  uint16_t kh = 1, kw = 1, strideH = 1, strideW = 1;
  uint16_t padT = 0, padB = 0, padL = 0, padR = 0;
  PoolMode mode = PoolMode::Max;
  DType dtype = DType::F32;
  LocalLayout inLayout = LocalLayout::AlignEU, outLayout = LocalLayout::AlignEU;
  bool countIncludePad = false;
  RequantParams rq;
};

enum class BinaryOp : uint8_t {
  Add = 0,
  Sub,
  Mul,
  Div,
  Max,
  Min,
  Pow,
  PRelu,
  SquaredDiff,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  And,
  Or,
};
constexpr unsigned kNumBinaryOps = 17;
llvm::StringRef binaryOpName(BinaryOp op);

/// out = a op b over `shape`, with per-operand strides (0 = broadcast along
/// that dimension) and optionally a scalar in place of a or b. Integer
/// dtypes compute exactly in 64 bits, then apply rq (if any) and saturate.
/// Comparisons produce 1 or 0. PRelu: a > 0 ? a : a * b.
struct BinaryCmd {
  Shape4 shape;
  LocalOperand out, a, b;
  BinaryOp op = BinaryOp::Add;
  bool aIsScalar = false, bIsScalar = false, relu = false;
  double scalar = 0;
  RequantParams rq;
};

enum class UnaryOp : uint8_t {
  Relu = 0,
  LeakyRelu,
  Sigmoid,
  Tanh,
  Exp,
  Log,
  Sqrt,
  Rsqrt,
  Reciprocal,
  Abs,
  Neg,
  Square,
  Gelu,
  Erf,
  HardSigmoid,
  HardSwish,
  Clip,
  Silu,
  Softplus,
  Elu,
  Mish,
  Floor,
  Ceil,
  Round,
  Sin,
  Cos,
  Sign,
};
constexpr unsigned kNumUnaryOps = 27;
llvm::StringRef unaryOpName(UnaryOp op);

/// out = f(in) element-wise. Parameters: LeakyRelu/Elu alpha; HardSigmoid
/// max(0, min(1, alpha*x + beta)); Clip [alpha, beta]; others none.
struct UnaryCmd {
  Shape4 shape;
  LocalOperand out, in;
  UnaryOp op = UnaryOp::Relu;
  double alpha = 0, beta = 0;
};

enum class ReduceOp : uint8_t { Sum = 0, Mean, Max, Min, Prod, SumSquare };
constexpr unsigned kNumReduceOps = 6;
llvm::StringRef reduceOpName(ReduceOp op);
/// Bits of ReduceCmd::axisMask.
enum : uint8_t { kAxisN = 1, kAxisC = 2, kAxisH = 4, kAxisW = 8 };

/// Reduces `inShape` over the axes in axisMask; the output has extent 1 on
/// those axes. Reducing C gathers across lanes; output channel 0 is then on
/// the output operand's start lane.
struct ReduceCmd {
  Shape4 inShape;
  LocalOperand out, in;
  ReduceOp op = ReduceOp::Sum;
  uint8_t axisMask = 0;
};

/// Lane-wise strided copy (same dtype).
struct CopyCmd {
  Shape4 shape;
  LocalOperand out, in;
};

/// Fills a local tensor with a constant.
struct FillCmd {
  Shape4 shape;
  LocalOperand out;
  double value = 0;
};

enum class CastMode : uint8_t { Convert = 0, Quantize = 1, Dequantize = 2 };
/// Type conversion. Convert: value-preserving, round half to even and
/// saturate. Quantize: saturate(round(x * scale) + zp). Dequantize:
/// (x - zp) * scale.
struct CastCmd {
  Shape4 shape;
  LocalOperand out, in;
  CastMode mode = CastMode::Convert;
  double scale = 1;
  int32_t zp = 0;
};

/// Integer requantization of in (i32/i16/i8/u8) to out; per channel tables
/// are indexed by the channel of the output.
struct RequantCmd {
  Shape4 shape;
  LocalOperand out, in;
  int32_t inZp = 0;
  RequantParams rq;
};

/// out = table[in] for 8-bit inputs (u8 index = raw byte). The 256-entry
/// table of out dtype is lane-replicated at tableAddr.
struct LutCmd {
  Shape4 shape;
  LocalOperand out, in;
  uint32_t tableAddr = 0;
};

//===-- GDMA commands -----------------------------------------------------===//

enum class MemSpace : uint8_t { Global = 0, Local = 1 };

/// One side of a GDMA transfer. Global: 64-bit byte address, element
/// strides. Local: local address (lane * lmemBytes + offset), strides inside
/// a lane with C counting channel groups; a local side with C stride 0 reads
/// (or writes) its start lane for every channel (lane broadcast).
struct GdmaTensor {
  MemSpace space = MemSpace::Global;
  uint64_t addr = 0;
  Strides4 stride;
};

/// Copies `shape` elements of dtype from src to dst, iterating N, C, H, W.
/// The direction follows from the two spaces (G2L, L2G, L2L, G2G); strides
/// express permutes, broadcasts (stride 0) and concat/split (offsets).
struct GdmaMoveCmd {
  Shape4 shape;
  DType dtype = DType::F32;
  GdmaTensor src, dst;
};

/// Fills a global or local tensor with a constant.
struct GdmaFillCmd {
  Shape4 shape;
  DType dtype = DType::F32;
  GdmaTensor dst;
  double value = 0;
};

/// Opcodes, one enum per engine, from isa/Commands.def. Values are part of
/// the descriptor format.
#define ISA_OPCODE_BDC(NAME, OPCODE) NAME = OPCODE,
#define ISA_OPCODE_GDMA(NAME, OPCODE)
enum class BdcOpcode : uint8_t {
#define ISA_COMMAND(ENGINE, OPCODE, NAME, MNEMONIC)                            \
  ISA_OPCODE_##ENGINE(NAME, OPCODE)
#include "isa/Commands.def"
};
#undef ISA_OPCODE_BDC
#undef ISA_OPCODE_GDMA
#define ISA_OPCODE_BDC(NAME, OPCODE)
#define ISA_OPCODE_GDMA(NAME, OPCODE) NAME = OPCODE,
enum class GdmaOpcode : uint8_t {
#define ISA_COMMAND(ENGINE, OPCODE, NAME, MNEMONIC)                            \
  ISA_OPCODE_##ENGINE(NAME, OPCODE)
#include "isa/Commands.def"
};
#undef ISA_OPCODE_BDC
#undef ISA_OPCODE_GDMA

/// Engine, opcode and mnemonic of a body type, from isa/Commands.def.
template <class Body> struct CmdTraits;
#define ISA_COMMAND(ENGINE, OPCODE, NAME, MNEMONIC)                            \
  template <> struct CmdTraits<NAME##Cmd> {                                    \
    static constexpr Engine engine = Engine::ENGINE;                           \
    static constexpr uint8_t opcode = OPCODE;                                  \
    static constexpr const char *mnemonic = MNEMONIC;                          \
  };
#include "isa/Commands.def"

namespace detail {
template <class First, class... Rest> struct VariantOfRest {
  using type = std::variant<Rest...>;
};
} // namespace detail

/// A decoded command: header plus one body. The body type decides the
/// engine and opcode.
struct Command {
  /// One alternative per row of isa/Commands.def, in its order.
  using Body = detail::VariantOfRest<void
#define ISA_COMMAND(ENGINE, OPCODE, NAME, MNEMONIC) , NAME##Cmd
#include "isa/Commands.def"
                                     >::type;
  CmdHeader hdr;
  Body body;

  Engine engine() const;
  /// The opcode byte (a BdcOpcode or GdmaOpcode value).
  uint8_t opcode() const;
  /// Mnemonic, e.g. "conv", "gdma.move".
  llvm::StringRef mnemonic() const;
};

/// Calls f(NAME##Cmd()) once per command kind, in isa/Commands.def order.
template <class F> void forEachCommandKind(F &&f) {
#define ISA_COMMAND(ENGINE, OPCODE, NAME, MNEMONIC) f(NAME##Cmd());
#include "isa/Commands.def"
}

} // namespace isa
} // namespace onntc

#endif
