//===- Weights.cpp - weights sidecar reader and writer --------------------===//
//
// Layout (all integers little-endian):
//   header  (48 bytes) magic[8] version:u32 count:u32 indexOffset:u64
//                      indexSize:u64 dataOffset:u64 dataSize:u64
//   index   per entry: keyLen:u32 key[keyLen] dtype:u8 rank:u8 reserved:u16
//                      crc32:u32 dims:i64[rank] offset:u64 size:u64
//   padding to 64 bytes, then the data region; every entry's offset (relative
//   to the data region) is a multiple of 64.
//
//===----------------------------------------------------------------------===//
#include "ir/Weights.h"

#include "ir/Diagnostics.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

namespace onntc {

namespace {

constexpr uint64_t kHeaderSize = 48;
constexpr unsigned kMaxRank = 16;

const DType kFileOrder[] = {DType::F32, DType::F16, DType::BF16, DType::I8,
                            DType::U8,  DType::I16, DType::U16,  DType::I32,
                            DType::I64, DType::Bool};

uint64_t alignUp(uint64_t x) {
  return (x + kWeightsAlign - 1) / kWeightsAlign * kWeightsAlign;
}

void putU8(std::string &s, uint8_t v) { s.push_back(char(v)); }
void putU16(std::string &s, uint16_t v) {
  char b[2];
  llvm::support::endian::write16le(b, v);
  s.append(b, 2);
}
void putU32(std::string &s, uint32_t v) {
  char b[4];
  llvm::support::endian::write32le(b, v);
  s.append(b, 4);
}
void putU64(std::string &s, uint64_t v) {
  char b[8];
  llvm::support::endian::write64le(b, v);
  s.append(b, 8);
}

uint32_t crcOf(const Tensor &t) {
  return llvm::crc32(llvm::ArrayRef<uint8_t>(t.raw(), t.byteSize()));
}

/// A bounds-checked little-endian reader over the index.
class Reader {
public:
  Reader(llvm::StringRef data, uint64_t pos, uint64_t end)
      : data_(data), pos_(pos), end_(end) {}
  bool u8(uint8_t &v) {
    return take(1, [&](const char *p) { v = uint8_t(*p); });
  }
  bool u16(uint16_t &v) {
    return take(2,
                [&](const char *p) { v = llvm::support::endian::read16le(p); });
  }
  bool u32(uint32_t &v) {
    return take(4,
                [&](const char *p) { v = llvm::support::endian::read32le(p); });
  }
  bool u64(uint64_t &v) {
    return take(8,
                [&](const char *p) { v = llvm::support::endian::read64le(p); });
  }
  bool bytes(uint64_t n, llvm::StringRef &out) {
    if (n > end_ - pos_)
      return false;
    out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  uint64_t pos() const { return pos_; }

private:
  template <typename F> bool take(uint64_t n, F f) {
    if (n > end_ - pos_)
      return false;
    f(data_.data() + pos_);
    pos_ += n;
    return true;
  }
  llvm::StringRef data_;
  uint64_t pos_, end_;
};

} // namespace

uint8_t dtypeFileCode(DType t) {
  for (unsigned i = 0; i < std::size(kFileOrder); ++i)
    if (kFileOrder[i] == t)
      return uint8_t(i);
  return 0xff;
}

std::optional<DType> dtypeFromFileCode(uint8_t code) {
  if (code < std::size(kFileOrder))
    return kFileOrder[code];
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

llvm::Expected<std::unique_ptr<WeightsFile>>
WeightsFile::open(llvm::StringRef path, llvm::StringRef displayName) {
  std::string shown = displayName.empty() ? path.str() : displayName.str();
  auto mb = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                        /*RequiresNullTerminator=*/false);
  if (!mb)
    return makeError(shown +
                     ": cannot read weights file: " + mb.getError().message() +
                     "; it must sit next to the .tir file that names it");
  return fromBuffer((*mb)->getBuffer(), shown);
}

llvm::Expected<std::unique_ptr<WeightsFile>>
WeightsFile::fromBuffer(llvm::StringRef data, llvm::StringRef displayName) {
  std::string name = displayName.str();
  auto fail = [&](const llvm::Twine &msg) {
    return makeError(
        name + ": " + msg +
        " (the weights file is corrupt or truncated; write it again)");
  };
  if (data.size() < kHeaderSize)
    return fail("file has " + llvm::Twine(data.size()) +
                " bytes, less than the 48-byte header");
  if (data.substr(0, 8) != llvm::StringRef(kWeightsMagic, 8))
    return makeError(name + ": not an OpenNNTC weights file (bad magic)");
  Reader h(data, 8, kHeaderSize);
  uint32_t version = 0, count = 0;
  uint64_t indexOffset = 0, indexSize = 0, dataOffset = 0, dataSize = 0;
  (void)(h.u32(version) && h.u32(count) && h.u64(indexOffset) &&
         h.u64(indexSize) && h.u64(dataOffset) && h.u64(dataSize));
  if (version != kWeightsVersion)
    return makeError(name + ": weights file version " + llvm::Twine(version) +
                     " is not supported (this build reads version " +
                     llvm::Twine(kWeightsVersion) + ")");
  if (indexOffset != kHeaderSize || indexSize > data.size() - kHeaderSize)
    return fail("index [" + llvm::Twine(indexOffset) + ", +" +
                llvm::Twine(indexSize) + ") lies outside the file");
  if (dataOffset % kWeightsAlign != 0 || dataOffset < indexOffset + indexSize)
    return fail("data region offset " + llvm::Twine(dataOffset) +
                " is misaligned or overlaps the index");
  if (dataOffset > data.size() || dataSize != data.size() - dataOffset)
    return fail("data region [" + llvm::Twine(dataOffset) + ", +" +
                llvm::Twine(dataSize) + ") does not end at the end of the " +
                llvm::Twine(data.size()) + "-byte file");

  std::unique_ptr<WeightsFile> wf(new WeightsFile());
  wf->name_ = name;
  Reader r(data, indexOffset, indexOffset + indexSize);
  for (uint32_t i = 0; i < count; ++i) {
    std::string where = "index entry " + std::to_string(i);
    uint32_t keyLen = 0;
    llvm::StringRef key;
    if (!r.u32(keyLen) || !r.bytes(keyLen, key))
      return fail(where + " runs past the end of the index");
    if (key.empty())
      return fail(where + " has an empty key");
    where = "entry '" + key.str() + "'";
    uint8_t code = 0, rank = 0;
    uint16_t reserved = 0;
    uint32_t crc = 0;
    if (!r.u8(code) || !r.u8(rank) || !r.u16(reserved) || !r.u32(crc))
      return fail(where + " runs past the end of the index");
    if (reserved != 0)
      return fail(where + " has non-zero reserved bits");
    std::optional<DType> dt = dtypeFromFileCode(code);
    if (!dt)
      return fail(where + " has unknown element type code " +
                  llvm::Twine(unsigned(code)));
    if (rank > kMaxRank)
      return fail(where + " has rank " + llvm::Twine(unsigned(rank)));
    Shape shape;
    uint64_t elems = 1;
    for (unsigned d = 0; d < rank; ++d) {
      uint64_t dim = 0;
      if (!r.u64(dim))
        return fail(where + " runs past the end of the index");
      if (int64_t(dim) < 0 || (dim && elems > (uint64_t(1) << 62) / dim))
        return fail(where + " has a bad dimension " +
                    llvm::Twine(int64_t(dim)));
      elems *= dim;
      shape.mutableDims().push_back(int64_t(dim));
    }
    uint64_t offset = 0, size = 0;
    if (!r.u64(offset) || !r.u64(size))
      return fail(where + " runs past the end of the index");
    if (size != elems * dtypeSize(*dt))
      return fail(where + " stores " + llvm::Twine(size) +
                  " bytes but its type " + TensorType(*dt, shape).str() +
                  " needs " + llvm::Twine(elems * dtypeSize(*dt)));
    if (offset % kWeightsAlign != 0)
      return fail(where + " data offset " + llvm::Twine(offset) +
                  " is not 64-byte aligned");
    if (offset > dataSize || size > dataSize - offset)
      return fail(where + " data [" + llvm::Twine(offset) + ", +" +
                  llvm::Twine(size) + ") lies outside the " +
                  llvm::Twine(dataSize) + "-byte data region");
    if (wf->tensors_.count(key))
      return fail("key '" + key + "' appears twice");
    Tensor t(*dt, shape);
    if (size)
      std::memcpy(t.raw(), data.data() + dataOffset + offset, size);
    if (crcOf(t) != crc)
      return fail(where + " fails its CRC-32 check");
    wf->byBuffer_[t.buffer().get()] = key.str();
    wf->keys_.push_back(key.str());
    wf->tensors_[key] = std::move(t);
  }
  if (r.pos() != indexOffset + indexSize)
    return fail("index has " + llvm::Twine(indexOffset + indexSize - r.pos()) +
                " trailing bytes");
  for (uint64_t i = indexOffset + indexSize; i < dataOffset; ++i)
    if (data[i] != 0)
      return fail("padding before the data region is not zero");
  return wf;
}

const Tensor *WeightsFile::find(llvm::StringRef key) const {
  auto it = tensors_.find(key);
  return it == tensors_.end() ? nullptr : &it->second;
}

std::optional<llvm::StringRef> WeightsFile::keyOf(const Tensor &t) const {
  if (!t.isValid())
    return std::nullopt;
  auto it = byBuffer_.find(t.buffer().get());
  if (it == byBuffer_.end())
    return std::nullopt;
  const Tensor *stored = find(it->second);
  if (!stored || stored->dtype() != t.dtype() || stored->shape() != t.shape())
    return std::nullopt;
  return llvm::StringRef(it->second);
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

std::string WeightsWriter::add(llvm::StringRef preferredKey, const Tensor &t) {
  auto found = byBuffer_.find(t.buffer().get());
  if (found != byBuffer_.end())
    for (unsigned idx : found->second) {
      const Tensor &o = entries_[idx].second;
      if (o.dtype() == t.dtype() && o.shape() == t.shape())
        return entries_[idx].first;
    }
  std::string base =
      preferredKey.empty() ? std::string("w") : preferredKey.str();
  std::string key = base;
  for (unsigned n = 1; used_.count(key); ++n)
    key = base + "_" + std::to_string(n);
  used_.insert(key);
  byBuffer_[t.buffer().get()].push_back(unsigned(entries_.size()));
  entries_.emplace_back(key, t);
  return key;
}

std::string WeightsWriter::serialize() const {
  std::string index;
  uint64_t dataSize = 0;
  std::vector<uint64_t> offsets;
  for (const auto &[key, t] : entries_) {
    offsets.push_back(dataSize);
    putU32(index, uint32_t(key.size()));
    index += key;
    putU8(index, dtypeFileCode(t.dtype()));
    putU8(index, uint8_t(t.shape().rank()));
    putU16(index, 0);
    putU32(index, crcOf(t));
    for (int64_t d : t.shape().dims())
      putU64(index, uint64_t(d));
    putU64(index, dataSize);
    putU64(index, t.byteSize());
    dataSize = alignUp(dataSize + t.byteSize());
  }
  uint64_t dataOffset = alignUp(kHeaderSize + index.size());
  std::string out(kWeightsMagic, 8);
  putU32(out, kWeightsVersion);
  putU32(out, uint32_t(entries_.size()));
  putU64(out, kHeaderSize);
  putU64(out, index.size());
  putU64(out, dataOffset);
  putU64(out, dataSize);
  out += index;
  out.resize(dataOffset + dataSize, '\0');
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Tensor &t = entries_[i].second;
    if (t.byteSize())
      std::memcpy(&out[dataOffset + offsets[i]], t.raw(), t.byteSize());
  }
  return out;
}

llvm::Error WeightsWriter::write(llvm::StringRef path) const {
  return writeFileAtomically(path, serialize());
}

llvm::Error checkReplaceableTarget(llvm::StringRef path) {
  // Renaming over a device or FIFO (e.g. `-o /dev/null`) would replace it with
  // a regular file; refuse instead.
  llvm::sys::fs::file_status st;
  if (!llvm::sys::fs::status(path, st) &&
      st.type() != llvm::sys::fs::file_type::regular_file)
    return makeError(path + ": exists and is not a regular file; refusing to "
                            "replace it (give a file path)");
  return llvm::Error::success();
}

llvm::Error writeFileAtomically(llvm::StringRef path, llvm::StringRef data) {
  if (llvm::Error e = checkReplaceableTarget(path))
    return e;
  llvm::SmallString<256> model(path);
  model += ".tmp%%%%%%";
  auto tmp = llvm::sys::fs::TempFile::create(model);
  if (!tmp)
    return makeError(path + ": cannot create a temporary file next to it: " +
                     llvm::toString(tmp.takeError()) +
                     "; check that the directory exists and is writable");
  {
    llvm::raw_fd_ostream os(tmp->FD, /*shouldClose=*/false);
    os << data;
    os.flush();
    if (os.has_error()) {
      std::string msg = os.error().message();
      os.clear_error();
      llvm::consumeError(tmp->discard());
      return makeError(path + ": write failed: " + msg);
    }
  }
  if (llvm::Error e = tmp->keep(path)) {
    std::string msg = llvm::toString(std::move(e));
    llvm::consumeError(tmp->discard());
    return makeError(path +
                     ": cannot rename the temporary file into place: " + msg);
  }
  return llvm::Error::success();
}

} // namespace onntc
