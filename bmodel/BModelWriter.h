//===- BModelWriter.h - writes .bmodel files -------------------*- C++ -*-===//
//
// Usage: put every blob (commands, coefficients, IR, kernel module...) into a
// BModelWriter with addBlob(), store the returned ranges in a ModelInfo, then
// serialize() or writeAtomic(). The binary region of the output is laid out
// again from the ModelInfo alone (forEachBinary order, byte-identical blobs
// stored once), so the bytes of a file depend only on what the model says and
// never on the order blobs were added in.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_BMODEL_BMODELWRITER_H
#define ONNTC_BMODEL_BMODELWRITER_H

#include "bmodel/BModel.h"

#include "llvm/ADT/DenseMap.h"

#include <optional>
#include <string>
#include <vector>

namespace onntc {
namespace bmodel {

/// The version string this writer stores ("2.2+onntc-<project version>").
llvm::StringRef writerVersion();

/// Options of one write. Nothing here is read from the environment.
struct WriteOptions {
  /// The `time` field. Unset: the current local time in ctime() form. Set
  /// (for reproducible files): stored as given, with a newline appended when
  /// it has none, as ctime() strings end in one.
  std::optional<std::string> fixedTime;
  /// Check the model before writing (every stage has inputs and outputs,
  /// every tensor a shape, every range inside the blobs added). Only tests
  /// that need a broken file turn this off.
  bool validate = true;
};

/// Collects blobs and writes models that refer to them.
class BModelWriter {
public:
  /// Stores `bytes` (once: a blob equal byte for byte to an earlier one gets
  /// the earlier range) and returns its range in this writer. An empty blob
  /// is {0, 0}.
  BinaryRange addBlob(llvm::ArrayRef<uint8_t> bytes);
  /// Stores coefficients and returns a CoeffInfo with data and check_code set.
  CoeffInfo addCoeff(llvm::ArrayRef<uint8_t> bytes, uint64_t address);
  /// The bytes of a range returned by addBlob().
  llvm::ArrayRef<uint8_t> bytes(BinaryRange r) const;
  /// Total bytes held (after dedupe).
  uint64_t size() const { return data_.size(); }

  /// The complete file: header, flatbuffer, binary region. Fields the writer
  /// owns are set here: type "B", writerVersion(), time, neuron_size (the
  /// largest stage ctxSize) and empty check codes (SHA-256 of their bytes).
  llvm::Expected<std::vector<uint8_t>>
  serialize(const ModelInfo &model, const WriteOptions &opts = {}) const;
  /// serialize() into `path` through a temporary file in the same folder and
  /// a rename, so `path` is either the old file or the complete new one.
  llvm::Error writeAtomic(llvm::StringRef path, const ModelInfo &model,
                          const WriteOptions &opts = {}) const;

private:
  std::vector<uint8_t> data_;
  /// Hash of a blob's bytes -> ranges with that hash.
  llvm::DenseMap<uint64_t, std::vector<BinaryRange>> index_;
};

/// Writes `bytes` into `path` atomically (temporary file + rename).
llvm::Error writeFileAtomic(llvm::StringRef path,
                            llvm::ArrayRef<uint8_t> bytes);

} // namespace bmodel
} // namespace onntc

#endif
