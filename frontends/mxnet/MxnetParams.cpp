//===- MxnetParams.cpp - MXNet NDArray list (.params) reading -------------===//
//
// Layout (little-endian): uint64 magic 0x112, uint64 reserved, uint64 array
// count, the arrays, uint64 name count, names (uint64 length + bytes).
// Each array starts with a header in one of these layouts:
//   legacy: uint32 ndim, ndim x uint32 dims
//   V1:     uint32 0xF993FAC8, uint32 ndim, ndim x int64 dims
//   V2/V3:  uint32 0xF993FAC9/0xF993FACA, int32 storage type, uint32/int32
//           ndim, ndim x int64 dims
// then (unless the shape is empty) int32 dev_type, int32 dev_id, int32 type
// flag (mshadow) and the raw data.
//
//===----------------------------------------------------------------------===//
#include "frontends/mxnet/MxnetModel.h"

#include "ir/Diagnostics.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>

namespace onntc {

namespace {

constexpr uint32_t kMagicV1 = 0xF993FAC8u;
constexpr uint32_t kMagicV2 = 0xF993FAC9u;
constexpr uint32_t kMagicV3 = 0xF993FACAu;

/// A bounds-checked little-endian reader; `what` names the current item.
class Reader {
public:
  Reader(llvm::StringRef bytes, llvm::StringRef file)
      : bytes_(bytes), file_(file.str()) {}

  template <typename T> llvm::Expected<T> read(const llvm::Twine &what) {
    T v;
    if (llvm::Error e = need(sizeof(T), what))
      return e;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  llvm::Expected<llvm::StringRef> take(uint64_t n, const llvm::Twine &what) {
    if (llvm::Error e = need(n, what))
      return e;
    llvm::StringRef s = bytes_.substr(pos_, size_t(n));
    pos_ += size_t(n);
    return s;
  }
  llvm::Error need(uint64_t n, const llvm::Twine &what) const {
    if (n > bytes_.size() - pos_)
      return makeError(file_ + ": truncated file: " + what + " needs " +
                       llvm::Twine(n) + " byte(s) at offset " +
                       llvm::Twine(pos_) + " but only " +
                       llvm::Twine(bytes_.size() - pos_) + " remain");
    return llvm::Error::success();
  }
  size_t pos() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }
  const std::string &file() const { return file_; }

private:
  llvm::StringRef bytes_;
  std::string file_;
  size_t pos_ = 0;
};

struct TypeFlag {
  int flag;
  const char *name;
  size_t size;
};
// mshadow type flags.
constexpr TypeFlag kTypeFlags[] = {
    {0, "float32", 4}, {1, "float64", 8}, {2, "float16", 2},  {3, "uint8", 1},
    {4, "int32", 4},   {5, "int8", 1},    {6, "int64", 8},    {7, "bool", 1},
    {8, "int16", 2},   {9, "uint16", 2},  {12, "bfloat16", 2}};

const TypeFlag *findTypeFlag(int32_t f) {
  for (const TypeFlag &t : kTypeFlags)
    if (t.flag == f)
      return &t;
  return nullptr;
}

/// Converts raw data of type flag `tf` to an IR tensor (floats become f32).
Tensor convertData(const TypeFlag &tf, const Shape &shape,
                   llvm::StringRef raw) {
  auto wrap = [&](DType dt) {
    Tensor t(dt, shape);
    std::memcpy(t.raw(), raw.data(), raw.size());
    return t;
  };
  switch (tf.flag) {
  case 0:
    return wrap(DType::F32);
  case 1: {
    Tensor t(DType::F32, shape);
    float *out = t.data<float>();
    for (int64_t i = 0; i < shape.numElements(); ++i) {
      double d;
      std::memcpy(&d, raw.data() + i * 8, 8);
      out[i] = float(d);
    }
    return t;
  }
  case 2:
    return wrap(DType::F16).castTo(DType::F32);
  case 12:
    return wrap(DType::BF16).castTo(DType::F32);
  case 3:
    return wrap(DType::U8);
  case 4:
    return wrap(DType::I32);
  case 5:
    return wrap(DType::I8);
  case 6:
    return wrap(DType::I64);
  case 7:
    return wrap(DType::Bool);
  case 8:
    return wrap(DType::I16);
  default:
    return wrap(DType::U16);
  }
}

llvm::Expected<MxParam> readArray(Reader &r, uint64_t index) {
  std::string what = "array #" + std::to_string(index);
  MxParam p;
  auto first = r.read<uint32_t>(what + " header");
  if (!first)
    return first.takeError();
  bool int64Dims = true;
  uint32_t ndim = 0;
  if (*first == kMagicV2 || *first == kMagicV3) {
    p.layout = *first == kMagicV2 ? MxNDArrayLayout::V2 : MxNDArrayLayout::V3;
    auto stype = r.read<int32_t>(what + " storage type");
    if (!stype)
      return stype.takeError();
    if (*stype != 0)
      return makeError(r.file() + ": " + what + " has storage type " +
                       llvm::Twine(*stype) +
                       " (sparse); only dense arrays are supported");
  } else if (*first == kMagicV1) {
    p.layout = MxNDArrayLayout::V1;
  } else {
    p.layout = MxNDArrayLayout::Legacy;
    int64Dims = false;
    ndim = *first;
  }
  if (p.layout != MxNDArrayLayout::Legacy) {
    auto nd = r.read<int32_t>(what + " rank");
    if (!nd)
      return nd.takeError();
    // Numpy semantics (V3): rank -1 is an unknown shape and no data follows.
    if (*nd < 0 && p.layout == MxNDArrayLayout::V3)
      return p;
    if (*nd < 0)
      return makeError(r.file() + ": " + what + " has rank " +
                       llvm::Twine(uint32_t(*nd)) + "; corrupt file?");
    ndim = uint32_t(*nd);
  }
  if (ndim > 32)
    return makeError(r.file() + ": " + what + " has rank " + llvm::Twine(ndim) +
                     " (header word 0x" + llvm::utohexstr(*first) +
                     "); not an NDArray (corrupt or not an MXNet .params "
                     "file?)");
  Shape shape;
  for (uint32_t k = 0; k < ndim; ++k) {
    int64_t d;
    if (int64Dims) {
      auto v = r.read<int64_t>(what + " dimension");
      if (!v)
        return v.takeError();
      d = *v;
    } else {
      auto v = r.read<uint32_t>(what + " dimension");
      if (!v)
        return v.takeError();
      d = *v;
    }
    if (d < 0 || d > (int64_t(1) << 40))
      return makeError(r.file() + ": " + what + " has dimension " +
                       llvm::Twine(d) + "; corrupt file?");
    shape.mutableDims().push_back(d);
  }
  // An empty shape means an empty (none) array in the non-numpy layouts.
  if (ndim == 0 && p.layout != MxNDArrayLayout::V3)
    return p;
  auto devType = r.read<int32_t>(what + " device type");
  if (!devType)
    return devType.takeError();
  auto devId = r.read<int32_t>(what + " device id");
  if (!devId)
    return devId.takeError();
  auto flag = r.read<int32_t>(what + " data type");
  if (!flag)
    return flag.takeError();
  const TypeFlag *tf = findTypeFlag(*flag);
  if (!tf)
    return makeError(r.file() + ": " + what + " has data type flag " +
                     llvm::Twine(*flag) + ", which is not supported");
  uint64_t elems = 1;
  for (int64_t d : shape.dims()) {
    if (d != 0 && elems > (uint64_t(1) << 62) / uint64_t(d))
      return makeError(r.file() + ": " + what + " is impossibly large (" +
                       shape.str() + ")");
    elems *= uint64_t(d);
  }
  uint64_t bytes = elems * tf->size;
  auto raw =
      r.take(bytes, what + " data (" + shape.str() + " " + tf->name + ")");
  if (!raw)
    return raw.takeError();
  p.value = convertData(*tf, shape, *raw);
  return p;
}

} // namespace

llvm::Expected<MxParams> parseMxnetParams(llvm::StringRef bytes,
                                          llvm::StringRef fileName) {
  Reader r(bytes, fileName);
  auto magic = r.read<uint64_t>("the file header");
  if (!magic)
    return magic.takeError();
  if (*magic != kMxNDArrayListMagic)
    return makeError(fileName + ": not an MXNet .params file (magic 0x" +
                     llvm::utohexstr(*magic) +
                     ", expected 0x112); pass the "
                     "NDArray file saved with the symbol as --weight");
  auto reserved = r.read<uint64_t>("the file header");
  if (!reserved)
    return reserved.takeError();
  auto count = r.read<uint64_t>("the array count");
  if (!count)
    return count.takeError();
  // Every array takes at least 4 bytes, which bounds a corrupt count.
  if (*count > r.remaining() / 4)
    return makeError(fileName + ": the file claims " + llvm::Twine(*count) +
                     " arrays but holds only " + llvm::Twine(r.remaining()) +
                     " more bytes (truncated or corrupt)");
  std::vector<MxParam> arrays;
  for (uint64_t i = 0; i < *count; ++i) {
    auto p = readArray(r, i);
    if (!p)
      return p.takeError();
    arrays.push_back(std::move(*p));
  }
  auto nameCount = r.read<uint64_t>("the name count");
  if (!nameCount)
    return nameCount.takeError();
  if (*nameCount != *count)
    return makeError(fileName + ": " + llvm::Twine(*count) + " arrays but " +
                     llvm::Twine(*nameCount) +
                     " names; a checkpoint names every array");
  MxParams out;
  for (uint64_t i = 0; i < *nameCount; ++i) {
    std::string what = "name #" + std::to_string(i);
    auto len = r.read<uint64_t>(what + " length");
    if (!len)
      return len.takeError();
    auto name = r.take(*len, what);
    if (!name)
      return name.takeError();
    llvm::StringRef key = *name;
    MxParam &p = arrays[size_t(i)];
    if (key.consume_front("arg:"))
      p.kind = MxParamKind::Arg;
    else if (key.consume_front("aux:"))
      p.kind = MxParamKind::Aux;
    if (key.empty())
      return makeError(fileName + ": " + what + " is empty");
    if (out.params.count(key))
      return makeError(fileName + ": parameter '" + key + "' appears twice");
    out.order.push_back(key.str());
    out.params[key] = std::move(p);
  }
  if (r.remaining())
    return makeError(fileName + ": " + llvm::Twine(r.remaining()) +
                     " unexpected byte(s) after the last name (corrupt "
                     "file?)");
  return out;
}

llvm::Expected<MxParams> readMxnetParamsFile(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return makeError("cannot read MXNet params '" + path +
                     "': " + buf.getError().message());
  return parseMxnetParams((*buf)->getBuffer(), llvm::sys::path::filename(path));
}

} // namespace onntc
