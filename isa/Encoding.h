//===- Encoding.h - descriptor encoder, decoder, disassembler --*- C++ -*-===//
//
// Turns Command structs into kCmdBytes little-endian descriptors and back,
// and prints them as text (one line per command). The byte layout of every
// body is defined once, as an ordered field list in Encoding.cpp; the
// encoder, decoder, disassembler and printFieldTables() all walk that list.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_ISA_ENCODING_H
#define ONNTC_ISA_ENCODING_H

#include "isa/Commands.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace onntc {
namespace isa {

/// Encodes one command into exactly kCmdBytes bytes at out. Fails when a
/// value does not fit its field (an id above kMaxCmdId, a local stride
/// outside i32).
llvm::Error encodeCommand(const Command &cmd,
                          llvm::MutableArrayRef<uint8_t> out);
/// Encodes a stream of commands back to back.
llvm::Expected<std::vector<uint8_t>> encodeStream(llvm::ArrayRef<Command> cmds);

/// Decodes one descriptor (bytes.size() must be kCmdBytes). Fails on a
/// wrong version, unknown engine/opcode/enum value or non-zero reserved
/// bytes.
llvm::Expected<Command> decodeCommand(llvm::ArrayRef<uint8_t> bytes);
/// Decodes `count` descriptors of one engine, as stored in a bmodel
/// CmdGroup (bdc_num + binary_bdc or gdma_num + binary_gdma). The byte size
/// must be at least count * kCmdBytes; errors name the command index.
llvm::Expected<std::vector<Command>>
decodeStream(llvm::ArrayRef<uint8_t> bytes, uint32_t count, Engine engine);

/// Prints one command as one line (no trailing newline):
/// `bdc #3 dep=2 tag=7 conv in=0x0 ...`.
void printCommand(const Command &cmd, llvm::raw_ostream &os);
/// printCommand into a string.
std::string disassemble(const Command &cmd);
/// Disassembles `count` descriptors (0 = as many as the bytes hold), one
/// line each. A descriptor that does not decode stops with an Error naming
/// its index and byte offset.
llvm::Error disassembleStream(llvm::ArrayRef<uint8_t> bytes, uint32_t count,
                              llvm::raw_ostream &os);

/// Prints the header and every body's field table (offset, type, name) in
/// the Markdown form used by docs/isa.md.
void printFieldTables(llvm::raw_ostream &os);
/// Bytes the body of each opcode uses (header excluded), for tests.
unsigned bodyBytes(const Command &cmd);

} // namespace isa
} // namespace onntc

#endif
