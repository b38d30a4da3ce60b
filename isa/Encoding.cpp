//===- Encoding.cpp - descriptor encoder, decoder, disassembler -----------===//
//
// Each body is described once by a visit function that names its fields in
// byte order. Three visitors walk those lists: Codec (encode and decode +
// validation, one template for both directions), Printer (disassembly) and
// DocPrinter (the offset tables of docs/isa.md). The command kinds
// themselves come from isa/Commands.def.
//
//===----------------------------------------------------------------------===//
#include "isa/Encoding.h"

#include "llvm/Support/Format.h"

#include <cassert>
#include <cstring>
#include <limits>
#include <type_traits>

using llvm::ArrayRef;
using llvm::Error;
using llvm::Expected;

namespace onntc {
namespace isa {

namespace {

/// A field name made of an optional prefix and a field ("out" + "addr").
struct FName {
  const char *prefix;
  const char *field;
  void print(llvm::raw_ostream &os) const {
    if (prefix && *prefix)
      os << prefix << '.';
    os << field;
  }
};

llvm::StringRef requantModeName(RequantMode m) {
  switch (m) {
  case RequantMode::None:
    return "none";
  case RequantMode::PerTensor:
    return "tensor";
  case RequantMode::PerChannel:
    return "channel";
  }
  return "?";
}
llvm::StringRef poolModeName(PoolMode m) {
  return m == PoolMode::Max ? "max" : "avg";
}
llvm::StringRef castModeName(CastMode m) {
  switch (m) {
  case CastMode::Convert:
    return "convert";
  case CastMode::Quantize:
    return "quantize";
  case CastMode::Dequantize:
    return "dequantize";
  }
  return "?";
}
llvm::StringRef memSpaceName(MemSpace s) {
  return s == MemSpace::Global ? "global" : "local";
}

//===-- Field lists -------------------------------------------------------===//

template <class V> void visitShape(V &v, const char *p, Shape4 &s) {
  v.u32({p, "n"}, s.n);
  v.u32({p, "c"}, s.c);
  v.u32({p, "h"}, s.h);
  v.u32({p, "w"}, s.w);
}

template <class V> void visitOperand(V &v, const char *p, LocalOperand &o) {
  v.addr32({p, "addr"}, o.addr);
  v.st32({p, "sn"}, o.stride.n);
  v.st32({p, "sc"}, o.stride.c);
  v.st32({p, "sh"}, o.stride.h);
  v.st32({p, "sw"}, o.stride.w);
  v.en({p, "dtype"}, o.dtype, kNumDTypes, dtypeName);
}

template <class V> void visitRequant(V &v, RequantParams &r) {
  v.en({"rq", "mode"}, r.mode, 3, requantModeName);
  v.i32({"rq", "mult"}, r.multiplier, /*opt=*/true);
  v.i8({"rq", "shift"}, r.shift, true);
  v.i32({"rq", "zp"}, r.outZp, true);
  v.addr32({"rq", "table"}, r.tableAddr, true);
}

template <class V> void visitBody(V &v, ConvCmd &c) {
  v.addr32({"", "in"}, c.inAddr);
  v.addr32({"", "out"}, c.outAddr);
  v.addr32({"", "weight"}, c.weightAddr);
  v.addr32({"", "bias"}, c.biasAddr, true);
  visitShape(v, "in", c.in);
  v.u32({"", "oc"}, c.oc);
  v.u32({"", "oh"}, c.oh);
  v.u32({"", "ow"}, c.ow);
  v.u16({"", "kh"}, c.kh);
  v.u16({"", "kw"}, c.kw);
  v.u16({"", "stride_h"}, c.strideH);
  v.u16({"", "stride_w"}, c.strideW);
  v.u16({"", "dil_h"}, c.dilH);
  v.u16({"", "dil_w"}, c.dilW);
  v.u16({"", "pad_t"}, c.padT);
  v.u16({"", "pad_b"}, c.padB);
  v.u16({"", "pad_l"}, c.padL);
  v.u16({"", "pad_r"}, c.padR);
  v.u32({"", "groups"}, c.groups);
  v.en({"", "in_dtype"}, c.inType, kNumDTypes, dtypeName);
  v.en({"", "w_dtype"}, c.weightType, kNumDTypes, dtypeName);
  v.en({"", "b_dtype"}, c.biasType, kNumDTypes, dtypeName);
  v.en({"", "out_dtype"}, c.outType, kNumDTypes, dtypeName);
  v.en({"", "in_layout"}, c.inLayout, kNumLocalLayouts, localLayoutName);
  v.en({"", "out_layout"}, c.outLayout, kNumLocalLayouts, localLayoutName);
  v.flag({"", "has_bias"}, c.hasBias);
  v.flag({"", "relu"}, c.relu);
  v.f64({"", "relu_max"}, c.reluMax, true);
  v.i32({"", "in_zp"}, c.inZp, true);
  visitRequant(v, c.rq);
}

template <class V> void visitBody(V &v, MatMulCmd &c) {
  v.addr32({"", "l"}, c.lAddr);
  v.addr32({"", "r"}, c.rAddr);
  v.addr32({"", "bias"}, c.biasAddr, true);
  v.addr32({"", "out"}, c.outAddr);
  v.u32({"", "m"}, c.m);
  v.u32({"", "k"}, c.k);
  v.u32({"", "n"}, c.n);
  v.en({"", "l_dtype"}, c.lType, kNumDTypes, dtypeName);
  v.en({"", "r_dtype"}, c.rType, kNumDTypes, dtypeName);
  v.en({"", "b_dtype"}, c.biasType, kNumDTypes, dtypeName);
  v.en({"", "out_dtype"}, c.outType, kNumDTypes, dtypeName);
  v.en({"", "l_layout"}, c.lLayout, kNumLocalLayouts, localLayoutName);
  v.en({"", "r_layout"}, c.rLayout, kNumLocalLayouts, localLayoutName);
  v.en({"", "out_layout"}, c.outLayout, kNumLocalLayouts, localLayoutName);
  v.flag({"", "r_trans"}, c.rTrans);
  v.flag({"", "has_bias"}, c.hasBias);
  v.flag({"", "relu"}, c.relu);
  v.i32({"", "l_zp"}, c.lZp, true);
  visitRequant(v, c.rq);
}

template <class V> void visitBody(V &v, PoolCmd &c) {
  v.addr32({"", "in"}, c.inAddr);
  v.addr32({"", "out"}, c.outAddr);
  visitShape(v, "in", c.in);
  v.u32({"", "oh"}, c.oh);
  v.u32({"", "ow"}, c.ow);
  v.u16({"", "kh"}, c.kh);
  v.u16({"", "kw"}, c.kw);
  v.u16({"", "stride_h"}, c.strideH);
  v.u16({"", "stride_w"}, c.strideW);
  v.u16({"", "pad_t"}, c.padT);
  v.u16({"", "pad_b"}, c.padB);
  v.u16({"", "pad_l"}, c.padL);
  v.u16({"", "pad_r"}, c.padR);
  v.en({"", "mode"}, c.mode, 2, poolModeName);
  v.en({"", "dtype"}, c.dtype, kNumDTypes, dtypeName);
  v.en({"", "in_layout"}, c.inLayout, kNumLocalLayouts, localLayoutName);
  v.en({"", "out_layout"}, c.outLayout, kNumLocalLayouts, localLayoutName);
  v.flag({"", "count_pad"}, c.countIncludePad);
  visitRequant(v, c.rq);
}

template <class V> void visitBody(V &v, BinaryCmd &c) {
  visitShape(v, "shape", c.shape);
  visitOperand(v, "out", c.out);
  visitOperand(v, "a", c.a);
  visitOperand(v, "b", c.b);
  v.en({"", "op"}, c.op, kNumBinaryOps, binaryOpName);
  v.flag({"", "a_scalar"}, c.aIsScalar);
  v.flag({"", "b_scalar"}, c.bIsScalar);
  v.flag({"", "relu"}, c.relu);
  v.f64({"", "scalar"}, c.scalar, true);
  visitRequant(v, c.rq);
}

template <class V> void visitBody(V &v, UnaryCmd &c) {
  visitShape(v, "shape", c.shape);
  visitOperand(v, "out", c.out);
  visitOperand(v, "in", c.in);
  v.en({"", "op"}, c.op, kNumUnaryOps, unaryOpName);
  v.f64({"", "alpha"}, c.alpha, true);
  v.f64({"", "beta"}, c.beta, true);
}

template <class V> void visitBody(V &v, ReduceCmd &c) {
  visitShape(v, "in_shape", c.inShape);
  visitOperand(v, "out", c.out);
  visitOperand(v, "in", c.in);
  v.en({"", "op"}, c.op, kNumReduceOps, reduceOpName);
  v.u8({"", "axes"}, c.axisMask);
}

template <class V> void visitBody(V &v, CopyCmd &c) {
  visitShape(v, "shape", c.shape);
  visitOperand(v, "out", c.out);
  visitOperand(v, "in", c.in);
}

template <class V> void visitBody(V &v, FillCmd &c) {
  visitShape(v, "shape", c.shape);
  visitOperand(v, "out", c.out);
  v.f64({"", "value"}, c.value);
}

template <class V> void visitBody(V &v, CastCmd &c) {
  visitShape(v, "shape", c.shape);
  visitOperand(v, "out", c.out);
  visitOperand(v, "in", c.in);
  v.en({"", "mode"}, c.mode, 3, castModeName);
  v.f64({"", "scale"}, c.scale);
  v.i32({"", "zp"}, c.zp, true);
}

template <class V> void visitBody(V &v, RequantCmd &c) {
  visitShape(v, "shape", c.shape);
  visitOperand(v, "out", c.out);
  visitOperand(v, "in", c.in);
  v.i32({"", "in_zp"}, c.inZp, true);
  visitRequant(v, c.rq);
}

template <class V> void visitBody(V &v, LutCmd &c) {
  visitShape(v, "shape", c.shape);
  visitOperand(v, "out", c.out);
  visitOperand(v, "in", c.in);
  v.addr32({"", "table"}, c.tableAddr);
}

template <class V> void visitGdmaTensor(V &v, const char *p, GdmaTensor &t) {
  v.en({p, "space"}, t.space, 2, memSpaceName);
  v.addr64({p, "addr"}, t.addr);
  v.i64({p, "sn"}, t.stride.n);
  v.i64({p, "sc"}, t.stride.c);
  v.i64({p, "sh"}, t.stride.h);
  v.i64({p, "sw"}, t.stride.w);
}

template <class V> void visitBody(V &v, GdmaMoveCmd &c) {
  visitShape(v, "shape", c.shape);
  v.en({"", "dtype"}, c.dtype, kNumDTypes, dtypeName);
  visitGdmaTensor(v, "src", c.src);
  visitGdmaTensor(v, "dst", c.dst);
}

template <class V> void visitBody(V &v, GdmaFillCmd &c) {
  visitShape(v, "shape", c.shape);
  v.en({"", "dtype"}, c.dtype, kNumDTypes, dtypeName);
  visitGdmaTensor(v, "dst", c.dst);
  v.f64({"", "value"}, c.value);
}

//===-- Visitors ----------------------------------------------------------===//

/// The encoder (Write = true) and the decoder (Write = false) in one: each
/// field of the list moves between the struct and its little-endian bytes
/// in the direction of the template, so the two directions cannot disagree
/// on a width, an offset or a sign extension. Decoding also validates.
template <bool Write> struct Codec {
  using Bytes = std::conditional_t<Write, llvm::MutableArrayRef<uint8_t>,
                                   ArrayRef<uint8_t>>;
  Bytes buf;
  unsigned pos = kHeaderBytes;
  std::string err;
  explicit Codec(Bytes b) : buf(b) {}

  /// Stores the n low bytes of raw (Write) or loads raw from n bytes.
  void move(uint64_t &raw, unsigned n) {
    if (pos + n > kCmdBytes) {
      // A field list longer than a descriptor is a bug in this file.
      assert(false && "command body exceeds the descriptor size");
      return;
    }
    if constexpr (Write) {
      for (unsigned i = 0; i < n; ++i)
        buf[pos + i] = uint8_t(raw >> (8 * i));
    } else {
      raw = 0;
      for (unsigned i = 0; i < n; ++i)
        raw |= uint64_t(buf[pos + i]) << (8 * i);
    }
    pos += n;
  }
  /// An integer stored in n bytes as its two's complement: S is the stored
  /// type (it decides the sign extension on reading), T the field's type.
  template <class S, class T> void integer(T &v) {
    using U = std::make_unsigned_t<S>;
    uint64_t raw = Write ? uint64_t(U(S(v))) : 0;
    move(raw, sizeof(S));
    if constexpr (!Write)
      v = T(S(U(raw)));
  }
  void fail(const FName &name, uint64_t value, const char *what) {
    if (!err.empty())
      return;
    llvm::raw_string_ostream os(err);
    if constexpr (Write) {
      (void)value;
      name.print(os);
      os << ": " << what;
    } else {
      os << "field '";
      name.print(os);
      os << "' at byte " << pos - 1 << " has value " << value << ": " << what;
    }
  }

  void u8(FName, uint8_t &v, bool = false) { integer<uint8_t>(v); }
  void i8(FName, int8_t &v, bool = false) { integer<int8_t>(v); }
  void u16(FName, uint16_t &v, bool = false) { integer<uint16_t>(v); }
  void u32(FName, uint32_t &v, bool = false) { integer<uint32_t>(v); }
  void addr32(FName, uint32_t &v, bool = false) { integer<uint32_t>(v); }
  void i32(FName, int32_t &v, bool = false) { integer<int32_t>(v); }
  void st32(FName n, int64_t &v, bool = false) {
    if (Write && (v < std::numeric_limits<int32_t>::min() ||
                  v > std::numeric_limits<int32_t>::max()))
      fail(n, 0, "local stride does not fit in 32 bits");
    integer<int32_t>(v);
  }
  void i64(FName, int64_t &v, bool = false) { integer<int64_t>(v); }
  void addr64(FName, uint64_t &v, bool = false) { integer<uint64_t>(v); }
  void f64(FName, double &v, bool = false) {
    uint64_t bits = 0;
    if (Write)
      std::memcpy(&bits, &v, 8);
    move(bits, 8);
    if (!Write)
      std::memcpy(&v, &bits, 8);
  }
  void flag(FName n, bool &v, bool = false) {
    uint64_t raw = v ? 1 : 0;
    move(raw, 1);
    if constexpr (!Write) {
      if (raw > 1)
        fail(n, raw, "a flag must be 0 or 1");
      v = raw != 0;
    }
  }
  template <class E, class NameFn>
  void en(FName n, E &v, unsigned count, NameFn) {
    uint64_t raw = uint8_t(v);
    move(raw, 1);
    if constexpr (!Write) {
      if (raw >= count) {
        fail(n, raw, "not a known enumerator");
        raw = 0;
      }
      v = E(raw);
    }
  }
};
using Writer = Codec<true>;
using Reader = Codec<false>;

struct Printer {
  llvm::raw_ostream &os;
  /// Set once `rq.mode` is none: the requant fields (always last) are
  /// not printed.
  bool mute = false;
  void sep(const FName &n) {
    os << ' ';
    n.print(os);
    os << '=';
  }
  template <class T> void num(FName n, T v, bool opt) {
    if (mute || (opt && v == 0))
      return;
    sep(n);
    os << v;
  }
  void u8(FName n, uint8_t &v, bool opt = false) { num(n, unsigned(v), opt); }
  void i8(FName n, int8_t &v, bool opt = false) { num(n, int(v), opt); }
  void u16(FName n, uint16_t &v, bool opt = false) { num(n, v, opt); }
  void u32(FName n, uint32_t &v, bool opt = false) { num(n, v, opt); }
  void i32(FName n, int32_t &v, bool opt = false) { num(n, v, opt); }
  void st32(FName n, int64_t &v, bool opt = false) { num(n, v, opt); }
  void i64(FName n, int64_t &v, bool opt = false) { num(n, v, opt); }
  void f64(FName n, double &v, bool opt = false) {
    if (mute || (opt && v == 0))
      return;
    sep(n);
    os << llvm::format("%g", v);
  }
  void addr32(FName n, uint32_t &v, bool opt = false) {
    if (mute || (opt && v == 0))
      return;
    sep(n);
    os << llvm::format("0x%x", v);
  }
  void addr64(FName n, uint64_t &v, bool opt = false) {
    sep(n);
    os << llvm::format("0x%llx", (unsigned long long)v);
  }
  void flag(FName n, bool &v, bool = false) {
    if (!v)
      return;
    os << ' ';
    n.print(os);
  }
  template <class E, class NameFn>
  void en(FName n, E &v, unsigned, NameFn name) {
    if (n.field == llvm::StringRef("mode") && n.prefix &&
        llvm::StringRef(n.prefix) == "rq" && v == E(0)) {
      mute = true;
      return;
    }
    sep(n);
    os << name(v);
  }
};

struct DocPrinter {
  llvm::raw_ostream &os;
  unsigned pos = kHeaderBytes;
  void row(const FName &n, const char *type, unsigned bytes) {
    os << "| " << pos << " | " << type << " | ";
    n.print(os);
    os << " |\n";
    pos += bytes;
  }
  void u8(FName n, uint8_t &, bool = false) { row(n, "u8", 1); }
  void i8(FName n, int8_t &, bool = false) { row(n, "i8", 1); }
  void u16(FName n, uint16_t &, bool = false) { row(n, "u16", 2); }
  void u32(FName n, uint32_t &, bool = false) { row(n, "u32", 4); }
  void addr32(FName n, uint32_t &, bool = false) {
    row(n, "u32 local addr", 4);
  }
  void i32(FName n, int32_t &, bool = false) { row(n, "i32", 4); }
  void st32(FName n, int64_t &, bool = false) { row(n, "i32 stride", 4); }
  void i64(FName n, int64_t &, bool = false) { row(n, "i64", 8); }
  void addr64(FName n, uint64_t &, bool = false) { row(n, "u64 addr", 8); }
  void f64(FName n, double &, bool = false) { row(n, "f64", 8); }
  void flag(FName n, bool &, bool = false) { row(n, "u8 flag 0/1", 1); }
  template <class E, class NameFn>
  void en(FName n, E &, unsigned count, NameFn name) {
    if constexpr (std::is_same<E, DType>::value)
      return row(n, "u8 DType", 1);
    if constexpr (std::is_same<E, LocalLayout>::value)
      return row(n, "u8 LocalLayout", 1);
    std::string t = "u8 enum:";
    for (unsigned i = 0; i < count; ++i)
      t += (i ? "," : " ") + std::to_string(i) + "=" + name(E(i)).str();
    row(n, t.c_str(), 1);
  }
};

/// An empty body for (engine, opcode), from isa/Commands.def.
Command::Body makeBody(Engine e, uint8_t opcode, bool &ok) {
  ok = true;
#define ISA_COMMAND(ENGINE, OPCODE, NAME, MNEMONIC)                            \
  if (e == Engine::ENGINE && opcode == OPCODE)                                 \
    return NAME##Cmd();
#include "isa/Commands.def"
  ok = false;
  return ConvCmd();
}

void writeLE(llvm::MutableArrayRef<uint8_t> b, unsigned off, uint64_t v,
             unsigned n) {
  for (unsigned i = 0; i < n; ++i)
    b[off + i] = uint8_t(v >> (8 * i));
}
uint64_t readLE(ArrayRef<uint8_t> b, unsigned off, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = 0; i < n; ++i)
    v |= uint64_t(b[off + i]) << (8 * i);
  return v;
}

} // namespace

Error encodeCommand(const Command &cmd, llvm::MutableArrayRef<uint8_t> out) {
  if (out.size() != kCmdBytes)
    return llvm::createStringError(std::errc::invalid_argument,
                                   "a command descriptor needs %u bytes",
                                   kCmdBytes);
  if (cmd.hdr.cmdId > kMaxCmdId || cmd.hdr.depId > kMaxCmdId)
    return llvm::createStringError(
        std::errc::invalid_argument,
        "%s command id %u / dependency %u exceeds the 20-bit id range; split "
        "the stream into more id-sync groups",
        cmd.mnemonic().str().c_str(), cmd.hdr.cmdId, cmd.hdr.depId);
  std::fill(out.begin(), out.end(), 0);
  out[0] = kIsaVersion;
  out[1] = uint8_t(cmd.engine());
  out[2] = cmd.opcode();
  writeLE(out, 4, cmd.hdr.cmdId, 4);
  writeLE(out, 8, cmd.hdr.depId, 4);
  writeLE(out, 12, cmd.hdr.tag, 4);
  Writer w(out);
  Command::Body body = cmd.body;
  std::visit([&](auto &b) { visitBody(w, b); }, body);
  if (!w.err.empty())
    return llvm::createStringError(
        std::errc::invalid_argument, "cannot encode %s command #%u: %s",
        cmd.mnemonic().str().c_str(), cmd.hdr.cmdId, w.err.c_str());
  return Error::success();
}

Expected<std::vector<uint8_t>> encodeStream(ArrayRef<Command> cmds) {
  std::vector<uint8_t> bytes(cmds.size() * kCmdBytes);
  for (size_t i = 0; i < cmds.size(); ++i)
    if (Error e = encodeCommand(cmds[i],
                                llvm::MutableArrayRef<uint8_t>(
                                    bytes.data() + i * kCmdBytes, kCmdBytes)))
      return e;
  return bytes;
}

Expected<Command> decodeCommand(ArrayRef<uint8_t> bytes) {
  auto bad = [](const llvm::Twine &msg) {
    return llvm::createStringError(std::errc::invalid_argument,
                                   msg.str().c_str());
  };
  if (bytes.size() != kCmdBytes)
    return bad("a command descriptor is " + llvm::Twine(kCmdBytes) +
               " bytes, got " + llvm::Twine(bytes.size()));
  if (bytes[0] != kIsaVersion)
    return bad("descriptor version " + llvm::Twine(unsigned(bytes[0])) +
               " is not supported (this build reads version " +
               llvm::Twine(unsigned(kIsaVersion)) +
               "); recompile the model with this toolchain");
  if (bytes[1] > uint8_t(Engine::GDMA))
    return bad("unknown engine " + llvm::Twine(unsigned(bytes[1])));
  Engine engine = Engine(bytes[1]);
  bool ok;
  Command cmd{CmdHeader(), makeBody(engine, bytes[2], ok)};
  if (!ok)
    return bad("unknown " + engineName(engine) + " opcode " +
               llvm::Twine(unsigned(bytes[2])));
  if (bytes[3] != 0)
    return bad("reserved header byte 3 is not zero");
  cmd.hdr.cmdId = uint32_t(readLE(bytes, 4, 4));
  cmd.hdr.depId = uint32_t(readLE(bytes, 8, 4));
  cmd.hdr.tag = uint32_t(readLE(bytes, 12, 4));
  if (cmd.hdr.cmdId > kMaxCmdId || cmd.hdr.depId > kMaxCmdId)
    return bad("command id or dependency id exceeds 20 bits");
  Reader r(bytes);
  std::visit([&](auto &b) { visitBody(r, b); }, cmd.body);
  if (!r.err.empty())
    return bad(cmd.mnemonic() + ": " + r.err);
  for (unsigned i = r.pos; i < kCmdBytes; ++i)
    if (bytes[i] != 0)
      return bad(cmd.mnemonic() + ": reserved byte " + llvm::Twine(i) +
                 " is not zero");
  return cmd;
}

Expected<std::vector<Command>> decodeStream(ArrayRef<uint8_t> bytes,
                                            uint32_t count, Engine engine) {
  if (uint64_t(count) * kCmdBytes > bytes.size())
    return llvm::createStringError(
        std::errc::invalid_argument,
        "%s stream holds %zu bytes, too few for %u commands of %u bytes",
        engineName(engine).str().c_str(), bytes.size(), count, kCmdBytes);
  std::vector<Command> cmds;
  cmds.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    auto c = decodeCommand(bytes.slice(size_t(i) * kCmdBytes, kCmdBytes));
    if (!c)
      return llvm::createStringError(
          std::errc::invalid_argument, "%s command index %u (byte %zu): %s",
          engineName(engine).str().c_str(), i, size_t(i) * kCmdBytes,
          llvm::toString(c.takeError()).c_str());
    if (c->engine() != engine)
      return llvm::createStringError(std::errc::invalid_argument,
                                     "%s command index %u is a %s command (%s)",
                                     engineName(engine).str().c_str(), i,
                                     engineName(c->engine()).str().c_str(),
                                     c->mnemonic().str().c_str());
    cmds.push_back(std::move(*c));
  }
  return cmds;
}

void printCommand(const Command &cmd, llvm::raw_ostream &os) {
  os << engineName(cmd.engine()) << " #" << cmd.hdr.cmdId;
  if (cmd.hdr.depId)
    os << " dep=" << cmd.hdr.depId;
  os << " tag=" << cmd.hdr.tag << ' ' << cmd.mnemonic();
  Printer p{os};
  Command::Body body = cmd.body;
  std::visit([&](auto &b) { visitBody(p, b); }, body);
}

std::string disassemble(const Command &cmd) {
  std::string s;
  llvm::raw_string_ostream os(s);
  printCommand(cmd, os);
  return os.str();
}

Error disassembleStream(ArrayRef<uint8_t> bytes, uint32_t count,
                        llvm::raw_ostream &os) {
  if (count == 0)
    count = uint32_t(bytes.size() / kCmdBytes);
  if (uint64_t(count) * kCmdBytes > bytes.size())
    return llvm::createStringError(std::errc::invalid_argument,
                                   "stream holds %zu bytes, too few for %u "
                                   "commands",
                                   bytes.size(), count);
  for (uint32_t i = 0; i < count; ++i) {
    auto c = decodeCommand(bytes.slice(size_t(i) * kCmdBytes, kCmdBytes));
    if (!c)
      return llvm::createStringError(
          std::errc::invalid_argument, "command index %u (byte %zu): %s", i,
          size_t(i) * kCmdBytes, llvm::toString(c.takeError()).c_str());
    printCommand(*c, os);
    os << '\n';
  }
  return Error::success();
}

void printFieldTables(llvm::raw_ostream &os) {
  os << "### Header\n\n| offset | type | field |\n|---|---|---|\n"
     << "| 0 | u8 | version (= " << unsigned(kIsaVersion) << ") |\n"
     << "| 1 | u8 enum: 0=bdc,1=gdma | engine |\n"
     << "| 2 | u8 | opcode |\n| 3 | u8 | reserved (0) |\n"
     << "| 4 | u32 (20 bits used) | cmd_id |\n"
     << "| 8 | u32 (20 bits used) | dep_id |\n| 12 | u32 | tag |\n";
  forEachCommandKind([&](auto body) {
    using B = decltype(body);
    os << "\n### `" << CmdTraits<B>::mnemonic << "` (engine "
       << engineName(CmdTraits<B>::engine) << ", opcode "
       << unsigned(CmdTraits<B>::opcode)
       << ")\n\n| offset | type | field |\n|---|---|---|\n";
    DocPrinter d{os};
    visitBody(d, body);
    os << "\n(bytes " << d.pos << ".." << kCmdBytes - 1
       << " reserved, zero)\n";
  });
}

unsigned bodyBytes(const Command &cmd) {
  std::string sink;
  llvm::raw_string_ostream os(sink);
  DocPrinter d{os};
  Command::Body body = cmd.body;
  std::visit([&](auto &x) { visitBody(d, x); }, body);
  return d.pos - kHeaderBytes;
}

} // namespace isa
} // namespace onntc
