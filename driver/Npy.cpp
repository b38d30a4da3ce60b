#include "driver/Npy.h"

#include "ir/Diagnostics.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstring>
#include <zlib.h>

namespace onntc {

namespace {

uint16_t rd16(const uint8_t *p) { return uint16_t(p[0] | (p[1] << 8)); }
uint32_t rd32(const uint8_t *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
         uint32_t(p[3]) << 24;
}
uint64_t rd64(const uint8_t *p) {
  return rd32(p) | uint64_t(rd32(p + 4)) << 32;
}

/// Finds `'key':` in a numpy header dict and returns the text after it.
std::optional<llvm::StringRef> dictValue(llvm::StringRef header,
                                         llvm::StringRef key) {
  for (char q : {'\'', '"'}) {
    std::string k = std::string(1, q) + key.str() + std::string(1, q);
    size_t pos = header.find(k);
    if (pos == llvm::StringRef::npos)
      continue;
    llvm::StringRef rest = header.drop_front(pos + k.size()).ltrim();
    if (!rest.consume_front(":"))
      return std::nullopt;
    return rest.ltrim();
  }
  return std::nullopt;
}

} // namespace

llvm::Expected<Tensor> parseNpy(llvm::StringRef bytes, llvm::StringRef what) {
  const auto *p = reinterpret_cast<const uint8_t *>(bytes.data());
  if (bytes.size() < 10 || !bytes.startswith("\x93NUMPY"))
    return makeError(what + ": not a .npy array (bad magic)");
  unsigned major = p[6];
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = rd16(p + 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return makeError(what + ": truncated .npy header");
    headerLen = rd32(p + 8);
    headerStart = 12;
  } else {
    return makeError(what + ": unsupported .npy version " + llvm::Twine(major));
  }
  if (headerStart + headerLen > bytes.size())
    return makeError(what + ": truncated .npy header");
  llvm::StringRef header = bytes.substr(headerStart, headerLen);

  auto descr = dictValue(header, "descr");
  auto fortran = dictValue(header, "fortran_order");
  auto shapeText = dictValue(header, "shape");
  if (!descr || !fortran || !shapeText)
    return makeError(what + ": malformed .npy header '" + header.trim() + "'");
  if (fortran->startswith("True"))
    return makeError(what + ": Fortran-order arrays are not supported; save "
                            "with np.ascontiguousarray(a)");
  llvm::StringRef d = *descr;
  char q = d.empty() ? 0 : d[0];
  if (q != '\'' && q != '"')
    return makeError(what + ": malformed descr in .npy header");
  d = d.drop_front().take_until([q](char c) { return c == q; });

  // descr is <byteorder><kind><size>, e.g. "<f4", "|b1".
  if (d.size() < 3)
    return makeError(what + ": unsupported dtype '" + d + "'");
  char order = d[0], kind = d[1];
  unsigned size;
  if (d.drop_front(2).getAsInteger(10, size))
    return makeError(what + ": unsupported dtype '" + d + "'");
  if (order == '>' && size > 1)
    return makeError(what + ": big-endian arrays are not supported; save with "
                            "a.astype(a.dtype.newbyteorder('<'))");
  bool f64 = false;
  DType dt;
  if (kind == 'f' && size == 4)
    dt = DType::F32;
  else if (kind == 'f' && size == 8) {
    dt = DType::F32;
    f64 = true;
  } else if (kind == 'f' && size == 2)
    dt = DType::F16;
  else if (kind == 'i' && size == 1)
    dt = DType::I8;
  else if (kind == 'u' && size == 1)
    dt = DType::U8;
  else if (kind == 'i' && size == 2)
    dt = DType::I16;
  else if (kind == 'u' && size == 2)
    dt = DType::U16;
  else if (kind == 'i' && size == 4)
    dt = DType::I32;
  else if (kind == 'i' && size == 8)
    dt = DType::I64;
  else if (kind == 'b' && size == 1)
    dt = DType::Bool;
  else
    return makeError(
        what + ": unsupported dtype '" + d +
        "' (use float32/16, float64, int8..int64, uint8/16 or bool)");

  // shape is a Python tuple: "()", "(3,)", "(2, 3)".
  llvm::StringRef s = shapeText->take_until([](char c) { return c == ')'; });
  if (!s.consume_front("("))
    return makeError(what + ": malformed shape in .npy header");
  Shape shape;
  llvm::SmallVector<llvm::StringRef, 6> parts;
  s.split(parts, ',');
  for (llvm::StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    part.consume_back("L");
    int64_t v;
    if (part.getAsInteger(10, v) || v < 0)
      return makeError(what + ": malformed shape in .npy header");
    shape.mutableDims().push_back(v);
  }

  size_t dataStart = headerStart + headerLen;
  uint64_t n = uint64_t(shape.numElements());
  uint64_t need = n * size;
  if (bytes.size() - dataStart < need)
    return makeError(what + ": truncated .npy data (" +
                     llvm::Twine(bytes.size() - dataStart) + " of " +
                     llvm::Twine(need) + " bytes)");
  Tensor t(dt, shape);
  const char *src = bytes.data() + dataStart;
  if (f64) {
    float *dst = t.data<float>();
    for (uint64_t i = 0; i < n; ++i) {
      double v;
      std::memcpy(&v, src + i * 8, 8);
      dst[i] = float(v);
    }
  } else if (need) {
    std::memcpy(t.raw(), src, need);
  }
  return t;
}

llvm::Expected<Tensor> readNpy(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return makeError("cannot read '" + path + "': " + buf.getError().message());
  return parseNpy((*buf)->getBuffer(), path);
}

namespace {

/// Inflates raw deflate data (zip method 8) of known output size.
llvm::Expected<std::string> inflateRaw(llvm::StringRef in, uint64_t outSize,
                                       const llvm::Twine &what) {
  std::string out(outSize, '\0');
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
    return makeError(what + ": zlib initialisation failed");
  zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
  zs.avail_in = uInt(in.size());
  zs.next_out = reinterpret_cast<Bytef *>(out.data());
  zs.avail_out = uInt(out.size());
  int rc = inflate(&zs, Z_FINISH);
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || zs.total_out != outSize)
    return makeError(what + ": corrupt deflate data");
  return out;
}

} // namespace

llvm::Expected<std::vector<NamedTensor>> readNpz(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return makeError("cannot read '" + path + "': " + buf.getError().message());
  llvm::StringRef bytes = (*buf)->getBuffer();
  const auto *b = reinterpret_cast<const uint8_t *>(bytes.data());
  size_t size = bytes.size();
  auto corrupt = [&](const llvm::Twine &why) {
    return makeError(path + ": not a valid .npz archive (" + why + ")");
  };

  // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
  if (size < 22)
    return corrupt("file too short");
  size_t eocd = std::string::npos;
  for (size_t i = size - 22 + 1; i-- > 0 && size - i <= 65535 + 22;)
    if (rd32(b + i) == 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd == std::string::npos)
    return corrupt("no end-of-central-directory record");
  uint64_t count = rd16(b + eocd + 10);
  uint64_t cdOffset = rd32(b + eocd + 16);
  // Zip64: the locator precedes the classic record.
  if ((count == 0xFFFF || cdOffset == 0xFFFFFFFF) && eocd >= 20 &&
      rd32(b + eocd - 20) == 0x07064b50) {
    uint64_t z64 = rd64(b + eocd - 20 + 8);
    if (z64 + 56 > size || rd32(b + z64) != 0x06064b50)
      return corrupt("bad zip64 end record");
    count = rd64(b + z64 + 32);
    cdOffset = rd64(b + z64 + 48);
  }

  std::vector<NamedTensor> out;
  uint64_t pos = cdOffset;
  for (uint64_t e = 0; e < count; ++e) {
    if (pos + 46 > size || rd32(b + pos) != 0x02014b50)
      return corrupt("bad central directory entry");
    unsigned method = rd16(b + pos + 10);
    uint64_t csize = rd32(b + pos + 20), usize = rd32(b + pos + 24);
    unsigned nameLen = rd16(b + pos + 28), extraLen = rd16(b + pos + 30),
             commentLen = rd16(b + pos + 32);
    uint64_t local = rd32(b + pos + 42);
    if (pos + 46 + nameLen + extraLen > size)
      return corrupt("truncated central directory");
    std::string name(bytes.data() + pos + 46, nameLen);
    // Zip64 extra field: the 0xFFFFFFFF fields follow in a fixed order.
    const uint8_t *x = b + pos + 46 + nameLen, *xe = x + extraLen;
    while (x + 4 <= xe) {
      unsigned id = rd16(x), len = rd16(x + 2);
      if (id == 0x0001) {
        const uint8_t *f = x + 4, *fe = x + 4 + len;
        if (usize == 0xFFFFFFFF && f + 8 <= fe) {
          usize = rd64(f);
          f += 8;
        }
        if (csize == 0xFFFFFFFF && f + 8 <= fe) {
          csize = rd64(f);
          f += 8;
        }
        if (local == 0xFFFFFFFF && f + 8 <= fe)
          local = rd64(f);
      }
      x += 4 + len;
    }
    pos += 46 + nameLen + extraLen + commentLen;

    if (local + 30 > size || rd32(b + local) != 0x04034b50)
      return corrupt("bad local header of '" + name + "'");
    uint64_t data = local + 30 + rd16(b + local + 26) + rd16(b + local + 28);
    if (data + csize > size)
      return corrupt("member '" + name + "' is truncated");
    llvm::StringRef raw = bytes.substr(data, csize);
    std::string inflated;
    if (method == 8) {
      auto r = inflateRaw(raw, usize, path + ": member '" + name + "'");
      if (!r)
        return r.takeError();
      inflated = std::move(*r);
      raw = inflated;
    } else if (method != 0) {
      return corrupt("member '" + name + "' uses compression method " +
                     llvm::Twine(method) +
                     "; only stored and deflate are supported");
    }
    std::string what = (path + ":" + name).str();
    auto t = parseNpy(raw, what);
    if (!t)
      return t.takeError();
    llvm::StringRef stem = name;
    stem.consume_back(".npy");
    out.push_back({stem.str(), std::move(*t)});
  }
  return out;
}

llvm::Expected<std::vector<NamedTensor>> readNumpyFile(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return makeError("cannot read '" + path + "': " + buf.getError().message());
  llvm::StringRef bytes = (*buf)->getBuffer();
  if (bytes.startswith("PK"))
    return readNpz(path);
  auto t = parseNpy(bytes, path);
  if (!t)
    return t.takeError();
  std::vector<NamedTensor> out;
  out.push_back({"", std::move(*t)});
  return out;
}

std::string encodeNpy(const Tensor &t) {
  const char *descr = "<f4";
  switch (t.dtype()) {
  case DType::F32:
    descr = "<f4";
    break;
  case DType::F16:
    descr = "<f2";
    break;
  case DType::BF16:
    descr = "<u2";
    break; // numpy has no bfloat16: raw bits.
  case DType::I8:
    descr = "|i1";
    break;
  case DType::U8:
    descr = "|u1";
    break;
  case DType::I16:
    descr = "<i2";
    break;
  case DType::U16:
    descr = "<u2";
    break;
  case DType::I32:
    descr = "<i4";
    break;
  case DType::I64:
    descr = "<i8";
    break;
  case DType::Bool:
    descr = "|b1";
    break;
  }
  std::string shape = "(";
  for (size_t i = 0; i < t.shape().rank(); ++i)
    shape +=
        std::to_string(t.shape()[i]) +
        (t.shape().rank() == 1 ? "," : (i + 1 < t.shape().rank() ? ", " : ""));
  shape += ")";
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so that magic + len + header + '\n' is a multiple of 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(1);
  out += char(0);
  out += char(header.size() & 0xFF);
  out += char(header.size() >> 8);
  out += header;
  out.append(reinterpret_cast<const char *>(t.raw()), t.byteSize());
  return out;
}

} // namespace onntc
