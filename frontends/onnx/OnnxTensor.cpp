//===- OnnxTensor.cpp - TensorProto <-> IR tensors and dtypes -------------===//

#include "frontends/onnx/OnnxImporter.h"

#include "ir/Diagnostics.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/onnx_pb.h>

#include <cstring>

namespace onntc {

char OnnxUnsupportedError::ID = 0;

std::optional<DType> dtypeFromOnnx(int t) {
  switch (t) {
  case onnx::TensorProto::FLOAT:
    return DType::F32;
  case onnx::TensorProto::UINT8:
    return DType::U8;
  case onnx::TensorProto::INT8:
    return DType::I8;
  case onnx::TensorProto::UINT16:
    return DType::U16;
  case onnx::TensorProto::INT16:
    return DType::I16;
  case onnx::TensorProto::INT32:
    return DType::I32;
  case onnx::TensorProto::INT64:
    return DType::I64;
  case onnx::TensorProto::BOOL:
    return DType::Bool;
  case onnx::TensorProto::FLOAT16:
    return DType::F16;
  case onnx::TensorProto::BFLOAT16:
    return DType::BF16;
  default:
    return std::nullopt;
  }
}

llvm::StringRef onnxTypeName(int t) {
  switch (t) {
  case onnx::TensorProto::UNDEFINED:
    return "UNDEFINED";
  case onnx::TensorProto::FLOAT:
    return "FLOAT";
  case onnx::TensorProto::UINT8:
    return "UINT8";
  case onnx::TensorProto::INT8:
    return "INT8";
  case onnx::TensorProto::UINT16:
    return "UINT16";
  case onnx::TensorProto::INT16:
    return "INT16";
  case onnx::TensorProto::INT32:
    return "INT32";
  case onnx::TensorProto::INT64:
    return "INT64";
  case onnx::TensorProto::STRING:
    return "STRING";
  case onnx::TensorProto::BOOL:
    return "BOOL";
  case onnx::TensorProto::FLOAT16:
    return "FLOAT16";
  case onnx::TensorProto::DOUBLE:
    return "DOUBLE";
  case onnx::TensorProto::UINT32:
    return "UINT32";
  case onnx::TensorProto::UINT64:
    return "UINT64";
  case onnx::TensorProto::COMPLEX64:
    return "COMPLEX64";
  case onnx::TensorProto::COMPLEX128:
    return "COMPLEX128";
  case onnx::TensorProto::BFLOAT16:
    return "BFLOAT16";
  default:
    return "unknown";
  }
}

/// Reads the external data of `t` (location/offset/length keys) into `out`.
static llvm::Error readExternal(const onnx::TensorProto &t,
                                llvm::StringRef baseDir, llvm::StringRef what,
                                size_t bytes, uint8_t *out) {
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const auto &kv : t.external_data()) {
    if (kv.key() == "location")
      location = kv.value();
    else if (kv.key() == "offset" || kv.key() == "length") {
      uint64_t v;
      if (llvm::StringRef(kv.value()).getAsInteger(10, v))
        return makeError(what + ": external data " + kv.key() + " '" +
                         kv.value() + "' is not a number");
      if (kv.key() == "offset")
        offset = v;
      else
        length = v;
    }
  }
  if (location.empty())
    return makeError(what + ": external data without a location");
  if (llvm::sys::path::is_absolute(location) ||
      llvm::StringRef(location).contains(".."))
    return makeError(what + ": external data location '" + location +
                     "' must be a relative path inside the model's directory");
  llvm::SmallString<256> path(baseDir);
  llvm::sys::path::append(path, location);
  if (length && *length != bytes)
    return makeError(what + ": external data length " + llvm::Twine(*length) +
                     " does not match the " + llvm::Twine(bytes) +
                     " bytes its shape and type need");
  auto buf = llvm::MemoryBuffer::getFileSlice(path, bytes, offset);
  if (!buf)
    return makeError(what + ": cannot read external data '" + path + "' (" +
                     llvm::Twine(bytes) + " bytes at offset " +
                     llvm::Twine(offset) + "): " + buf.getError().message());
  if ((*buf)->getBufferSize() != bytes)
    return makeError(what + ": external data file '" + path + "' is too short");
  std::memcpy(out, (*buf)->getBufferStart(), bytes);
  return llvm::Error::success();
}

llvm::Expected<Tensor> tensorFromOnnx(const onnx::TensorProto &t,
                                      llvm::StringRef baseDir,
                                      llvm::StringRef what) {
  auto dt = dtypeFromOnnx(t.data_type());
  if (!dt)
    return llvm::make_error<OnnxUnsupportedError>(
        (what + ": data type " + onnxTypeName(t.data_type()) +
         " is not supported (the IR has no such element type)")
            .str());
  if (t.has_segment())
    return makeError(what + ": segmented tensors are not supported");
  Shape shape;
  for (int64_t d : t.dims()) {
    if (d < 0)
      return makeError(what + ": negative dimension " + llvm::Twine(d));
    shape.mutableDims().push_back(d);
  }
  Tensor out(*dt, shape);
  size_t n = size_t(shape.numElements());
  size_t bytes = out.byteSize();
  auto countError = [&](size_t have) {
    return makeError(what + ": holds " + llvm::Twine(have) +
                     " values but its shape " + shape.str() + " needs " +
                     llvm::Twine(n));
  };

  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    if (llvm::Error e = readExternal(t, baseDir, what, bytes, out.raw()))
      return e;
    return out;
  }
  if (t.has_raw_data()) {
    if (t.raw_data().size() != bytes)
      return makeError(what + ": raw data has " +
                       llvm::Twine(t.raw_data().size()) + " bytes but shape " +
                       shape.str() + " of " + dtypeName(*dt) + " needs " +
                       llvm::Twine(bytes));
    if (bytes)
      std::memcpy(out.raw(), t.raw_data().data(), bytes);
    return out;
  }
  switch (*dt) {
  case DType::F32:
    if (size_t(t.float_data_size()) != n)
      return countError(t.float_data_size());
    if (n)
      std::memcpy(out.raw(), t.float_data().data(), bytes);
    break;
  case DType::I64:
    if (size_t(t.int64_data_size()) != n)
      return countError(t.int64_data_size());
    if (n)
      std::memcpy(out.raw(), t.int64_data().data(), bytes);
    break;
  case DType::I32:
  case DType::I16:
  case DType::U16:
  case DType::I8:
  case DType::U8:
  case DType::Bool:
    if (size_t(t.int32_data_size()) != n)
      return countError(t.int32_data_size());
    for (size_t i = 0; i < n; ++i)
      out.setInt(int64_t(i), t.int32_data(int(i)));
    break;
  case DType::F16:
  case DType::BF16:
    // Stored as raw 16-bit patterns in int32_data.
    if (size_t(t.int32_data_size()) != n)
      return countError(t.int32_data_size());
    for (size_t i = 0; i < n; ++i)
      out.data<uint16_t>()[i] = uint16_t(t.int32_data(int(i)));
    break;
  }
  return out;
}

} // namespace onntc
