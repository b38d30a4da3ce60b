//===- main.cpp - tpu_disasm: print a raw command stream as text
//-----------===//
//
// Usage: tpu_disasm FILE [--count N] [--offset BYTES]
//        tpu_disasm --fields      (prints the descriptor field tables)
// FILE holds back-to-back descriptors of one or both engines (e.g. a
// binary_bdc or binary_gdma blob extracted from a bmodel).
//
//===----------------------------------------------------------------------===//
#include "isa/Encoding.h"

#include "CLI/CLI.hpp"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  CLI::App app{"Disassemble a raw OpenNNTC TPU command stream"};
  std::string file;
  uint32_t count = 0;
  uint64_t offset = 0;
  bool fields = false;
  app.add_option("file", file, "file of back-to-back command descriptors");
  app.add_option("--count", count, "number of commands (default: all)");
  app.add_option("--offset", offset, "byte offset of the first command");
  app.add_flag("--fields", fields,
               "print the descriptor field tables (docs/isa.md) and exit");
  CLI11_PARSE(app, argc, argv);

  if (fields) {
    onntc::isa::printFieldTables(llvm::outs());
    return 0;
  }
  if (file.empty()) {
    llvm::errs() << "tpu_disasm: no input file; run with --help\n";
    return 1;
  }
  auto buf = llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf) {
    llvm::errs() << "tpu_disasm: " << file << ": " << buf.getError().message()
                 << "\n";
    return 1;
  }
  llvm::ArrayRef<uint8_t> bytes(
      reinterpret_cast<const uint8_t *>((*buf)->getBufferStart()),
      (*buf)->getBufferSize());
  if (offset > bytes.size()) {
    llvm::errs() << "tpu_disasm: " << file << ": offset " << offset
                 << " is past the end (" << bytes.size() << " bytes)\n";
    return 1;
  }
  bytes = bytes.drop_front(offset);
  if (count == 0 && bytes.size() % onntc::isa::kCmdBytes)
    llvm::errs() << "tpu_disasm: warning: " << file << ": size " << bytes.size()
                 << " is not a multiple of " << onntc::isa::kCmdBytes
                 << "; trailing bytes ignored\n";
  if (llvm::Error e =
          onntc::isa::disassembleStream(bytes, count, llvm::outs())) {
    llvm::outs().flush();
    llvm::errs() << "tpu_disasm: " << file << ": "
                 << llvm::toString(std::move(e)) << "\n";
    return 1;
  }
  return 0;
}
