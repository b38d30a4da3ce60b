//===- Weights.h - the weights sidecar file of the textual IR --*- C++ -*-===//
//
// Large tensors (weights, folded constants) do not go into the .tir text;
// they live in one binary sidecar file next to it and the text refers to
// them by key (`constant @"conv1.weight" : tensor<...>`). The format is
// described in docs/ir.md: a fixed header, an index of entries (key, dtype,
// shape, offset, size, CRC-32) and a data region in which every entry starts
// on a 64-byte boundary, so a reader may map it and hand it to kernels.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_IR_WEIGHTS_H
#define ONNTC_IR_WEIGHTS_H

#include "ir/Tensor.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace onntc {

/// The first eight bytes of every sidecar file.
constexpr char kWeightsMagic[9] = "ONTCWGT1";
/// Version written into the header; readers reject other versions.
constexpr uint32_t kWeightsVersion = 1;
/// Alignment of every entry's data inside the file.
constexpr uint64_t kWeightsAlign = 64;

/// Stable on-disk numbering of element types (DType's order is no format).
uint8_t dtypeFileCode(DType t);
std::optional<DType> dtypeFromFileCode(uint8_t code);

/// A sidecar file read into memory. Every entry is checked when the file is
/// opened, so a successfully opened file never yields bad tensors.
class WeightsFile {
public:
  /// Reads and validates `path`. `displayName` is used in messages (the path
  /// when empty).
  static llvm::Expected<std::unique_ptr<WeightsFile>>
  open(llvm::StringRef path, llvm::StringRef displayName = "");
  /// Validates an in-memory image (what open() does after reading).
  static llvm::Expected<std::unique_ptr<WeightsFile>>
  fromBuffer(llvm::StringRef data, llvm::StringRef displayName);

  /// The tensor stored under `key`, or null.
  const Tensor *find(llvm::StringRef key) const;
  /// The key under which exactly this tensor (same buffer, dtype and shape)
  /// was loaded, if any. The printer uses it to keep referring to unchanged
  /// weights instead of copying them.
  std::optional<llvm::StringRef> keyOf(const Tensor &t) const;
  /// Keys in file order.
  const std::vector<std::string> &keys() const { return keys_; }
  const std::string &displayName() const { return name_; }

  /// The reference written in the IR header (as the text spelled it).
  std::string ref;

private:
  std::string name_;
  std::vector<std::string> keys_;
  llvm::StringMap<Tensor> tensors_;
  llvm::DenseMap<const Buffer *, std::string> byBuffer_;
};

/// Collects tensors for a new sidecar file and writes it atomically.
class WeightsWriter {
public:
  /// Adds `t` under a key derived from `preferredKey` (made unique) and
  /// returns the key. The same buffer added twice is stored once.
  std::string add(llvm::StringRef preferredKey, const Tensor &t);
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  /// The whole file image.
  std::string serialize() const;
  /// Writes the file through a temporary file and a rename, so a failed
  /// write never leaves a half-written sidecar behind.
  llvm::Error write(llvm::StringRef path) const;

private:
  std::vector<std::pair<std::string, Tensor>> entries_;
  llvm::StringSet<> used_;
  llvm::DenseMap<const Buffer *, std::vector<unsigned>> byBuffer_;
};

/// Fails if `path` exists and is not a regular file (a device, FIFO or
/// directory), which an atomic rename would replace.
llvm::Error checkReplaceableTarget(llvm::StringRef path);
/// Writes `data` to `path` atomically (temporary file in the same directory,
/// then rename). Used for .tir text and sidecar files alike.
llvm::Error writeFileAtomically(llvm::StringRef path, llvm::StringRef data);

} // namespace onntc

#endif
