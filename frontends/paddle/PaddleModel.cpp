//===- PaddleModel.cpp - Paddle inference-model files ---------------------===//

#include "frontends/paddle/PaddleModel.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cstring>

namespace onntc {

static llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg.str());
}

static bool isFile(const llvm::Twine &p) {
  return llvm::sys::fs::is_regular_file(p);
}

llvm::Expected<PaddleModelFiles> locatePaddleModel(llvm::StringRef model) {
  PaddleModelFiles f;
  if (!llvm::sys::fs::exists(model))
    return fail(model + ": no such file or directory (--model is the "
                        "inference-model directory or its .pdmodel file)");
  auto paramsBeside = [&](llvm::StringRef program) {
    llvm::SmallString<256> p(program);
    if (llvm::sys::path::filename(program) == "__model__") {
      for (const char *name : {"__params__", "params"}) {
        llvm::SmallString<256> q(f.dir);
        llvm::sys::path::append(q, name);
        if (isFile(q))
          return std::string(q);
      }
      return std::string();
    }
    llvm::sys::path::replace_extension(p, ".pdiparams");
    return isFile(p) ? std::string(p) : std::string();
  };
  if (llvm::sys::fs::is_directory(model)) {
    f.dir = model.str();
    llvm::SmallString<256> p(model);
    llvm::sys::path::append(p, "inference.pdmodel");
    if (isFile(p)) {
      f.programPath = std::string(p);
    } else {
      std::vector<std::string> found;
      std::error_code ec;
      for (llvm::sys::fs::directory_iterator it(model, ec), end;
           it != end && !ec; it.increment(ec))
        if (llvm::sys::path::extension(it->path()) == ".pdmodel")
          found.push_back(it->path());
      if (found.size() > 1)
        return fail(model + ": " + llvm::Twine(found.size()) +
                    " .pdmodel files; pass the one to compile as --model");
      if (found.size() == 1) {
        f.programPath = found[0];
      } else {
        llvm::SmallString<256> legacy(model);
        llvm::sys::path::append(legacy, "__model__");
        if (!isFile(legacy))
          return fail(model + ": not a Paddle inference model (no "
                              "inference.pdmodel, *.pdmodel or __model__)");
        f.programPath = std::string(legacy);
      }
    }
  } else {
    f.programPath = model.str();
    llvm::StringRef parent = llvm::sys::path::parent_path(model);
    f.dir = parent.empty() ? "." : parent.str();
  }
  // Without a combined file the parameters are per-variable files in the
  // directory (also for a .pdmodel saved with params_filename=None).
  f.paramsPath = paramsBeside(f.programPath);
  return f;
}

llvm::Expected<std::unique_ptr<PaddleProgram>>
parsePaddleProgram(llvm::ArrayRef<uint8_t> bytes, llvm::StringRef path) {
  auto prog = std::make_unique<PaddleProgram>();
  if (bytes.size() > size_t(INT32_MAX) ||
      !prog->ParseFromArray(bytes.data(), int(bytes.size())))
    return fail(path + ": not a Paddle program (the ProgramDesc protobuf "
                       "does not parse; truncated, or another file type?)");
  if (prog->blocks_size() == 0 || prog->blocks(0).ops_size() == 0)
    return fail(path + ": not a Paddle program (no block 0 with ops; "
                       "truncated, or another file type?)");
  for (int b = 0; b < prog->blocks_size(); ++b)
    for (int i = 0; i < prog->blocks(b).ops_size(); ++i)
      if (prog->blocks(b).ops(i).type().empty())
        return fail(path + ": block " + llvm::Twine(b) + " op #" +
                    llvm::Twine(i) + " has no type (corrupt program?)");
  return prog;
}

static llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readFile(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return fail(path + ": cannot read: " + buf.getError().message());
  return std::move(*buf);
}

static llvm::ArrayRef<uint8_t> bytesOf(const llvm::MemoryBuffer &b) {
  return {reinterpret_cast<const uint8_t *>(b.getBufferStart()),
          b.getBufferSize()};
}

llvm::Expected<std::unique_ptr<PaddleProgram>>
loadPaddleProgram(llvm::StringRef path) {
  auto buf = readFile(path);
  if (!buf)
    return buf.takeError();
  return parsePaddleProgram(bytesOf(**buf), path);
}

std::optional<DType> dtypeFromPaddle(int t) {
  switch (t) {
  case PaddleVarType::BOOL:
    return DType::Bool;
  case PaddleVarType::INT16:
    return DType::I16;
  case PaddleVarType::INT32:
    return DType::I32;
  case PaddleVarType::INT64:
    return DType::I64;
  case PaddleVarType::FP16:
    return DType::F16;
  case PaddleVarType::FP32:
  case PaddleVarType::FP64:
    return DType::F32;
  case PaddleVarType::UINT8:
    return DType::U8;
  case PaddleVarType::INT8:
    return DType::I8;
  case PaddleVarType::BF16:
    return DType::BF16;
  default:
    return std::nullopt;
  }
}

std::string paddleTypeName(int t) {
  if (PaddleVarType::Type_IsValid(t))
    return PaddleVarType::Type_Name(PaddleVarType::Type(t));
  return "type " + std::to_string(t);
}

/// Bytes of one element as stored in the file.
static size_t storedSize(int t) {
  switch (t) {
  case PaddleVarType::BOOL:
  case PaddleVarType::UINT8:
  case PaddleVarType::INT8:
    return 1;
  case PaddleVarType::INT16:
  case PaddleVarType::FP16:
  case PaddleVarType::BF16:
    return 2;
  case PaddleVarType::INT32:
  case PaddleVarType::FP32:
    return 4;
  case PaddleVarType::INT64:
  case PaddleVarType::FP64:
    return 8;
  default:
    return 0;
  }
}

namespace {
/// Bounds-checked little-endian reads from a byte range.
struct Cursor {
  llvm::ArrayRef<uint8_t> data;
  size_t &pos;
  bool take(void *out, size_t n) {
    if (n > data.size() - pos)
      return false;
    std::memcpy(out, data.data() + pos, n);
    pos += n;
    return true;
  }
  size_t left() const { return data.size() - pos; }
};
} // namespace

llvm::Expected<Tensor> readPaddleLoDTensor(llvm::ArrayRef<uint8_t> data,
                                           size_t &offset,
                                           llvm::StringRef file,
                                           llvm::StringRef var) {
  std::string where = (file + ": variable '" + var + "'").str();
  if (offset > data.size())
    return fail(where + ": record starts past the end of the file");
  size_t start = offset;
  Cursor c{data, offset};
  auto truncated = [&](llvm::StringRef what) {
    return fail(where + ": truncated LoDTensor record (" + what + " at byte " +
                llvm::Twine(c.pos) + " of " + llvm::Twine(data.size()) +
                "; the record starts at byte " + llvm::Twine(start) + ")");
  };
  uint32_t version = 0;
  if (!c.take(&version, 4))
    return truncated("LoD version");
  if (version != 0)
    return fail(where + ": LoDTensor version " + llvm::Twine(version) +
                " at byte " + llvm::Twine(start) +
                " (only 0 exists; not a parameter file, or the records are "
                "out of step: parameters of another net?)");
  uint64_t levels = 0;
  if (!c.take(&levels, 8))
    return truncated("LoD level count");
  if (levels > 16)
    return fail(where + ": " + llvm::Twine(levels) +
                " LoD levels (corrupt record)");
  for (uint64_t l = 0; l < levels; ++l) {
    uint64_t bytes = 0;
    if (!c.take(&bytes, 8))
      return truncated("LoD level size");
    if (bytes > c.left() || bytes % 8 != 0)
      return truncated("LoD level data");
    c.pos += size_t(bytes);
  }
  uint32_t tversion = 0;
  if (!c.take(&tversion, 4))
    return truncated("tensor version");
  if (tversion != 0)
    return fail(where + ": tensor version " + llvm::Twine(tversion) +
                " (only 0 exists; corrupt record)");
  int32_t descSize = 0;
  if (!c.take(&descSize, 4))
    return truncated("TensorDesc size");
  if (descSize < 0 || size_t(descSize) > c.left())
    return truncated("TensorDesc");
  PaddleVarType::TensorDesc desc;
  if (!desc.ParseFromArray(data.data() + c.pos, descSize))
    return fail(where + ": the TensorDesc does not parse (corrupt record)");
  c.pos += size_t(descSize);
  int t = desc.data_type();
  size_t elt = storedSize(t);
  std::optional<DType> dt = dtypeFromPaddle(t);
  if (!elt || !dt)
    return fail(where + ": data type " + paddleTypeName(t) +
                " is not supported (the IR has no such element type)");
  Shape shape;
  uint64_t numel = 1;
  for (int64_t d : desc.dims()) {
    if (d < 0 || (d > 0 && numel > (uint64_t(1) << 40) / uint64_t(d)))
      return fail(where + ": bad dimension " + llvm::Twine(d) +
                  " in the TensorDesc (corrupt record)");
    numel *= uint64_t(d);
    shape.mutableDims().push_back(d);
  }
  if (numel * elt > c.left())
    return fail(where + ": truncated LoDTensor record (" +
                llvm::Twine(numel * elt) + " data bytes for " + shape.str() +
                " " + paddleTypeName(t) + ", " + llvm::Twine(c.left()) +
                " left in the file)");
  Tensor out(*dt, shape);
  const uint8_t *src = data.data() + c.pos;
  if (t == PaddleVarType::FP64) {
    for (uint64_t i = 0; i < numel; ++i) {
      double v;
      std::memcpy(&v, src + i * 8, 8);
      out.data<float>()[i] = float(v);
    }
  } else if (numel) {
    std::memcpy(out.raw(), src, size_t(numel * elt));
  }
  c.pos += size_t(numel * elt);
  return out;
}

std::vector<std::string> paddlePersistableVars(const PaddleProgram &prog) {
  std::vector<std::string> names;
  if (prog.blocks_size() == 0)
    return names;
  for (const auto &v : prog.blocks(0).vars()) {
    if (!v.persistable())
      continue;
    int t = v.type().type();
    if (t == PaddleVarType::FEED_MINIBATCH || t == PaddleVarType::FETCH_LIST ||
        t == PaddleVarType::RAW)
      continue;
    names.push_back(v.name());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

static const ::paddle::framework::proto::VarDesc *
findVar(const PaddleProgram &prog, llvm::StringRef name) {
  for (const auto &v : prog.blocks(0).vars())
    if (v.name() == name)
      return &v;
  return nullptr;
}

/// The record must be what the program declares for the variable.
static llvm::Error checkAgainstDesc(const PaddleProgram &prog,
                                    llvm::StringRef file, llvm::StringRef var,
                                    const Tensor &t) {
  const auto *vd = findVar(prog, var);
  if (!vd || !vd->type().has_lod_tensor())
    return llvm::Error::success();
  const auto &td = vd->type().lod_tensor().tensor();
  std::optional<DType> want = dtypeFromPaddle(td.data_type());
  Shape declared;
  for (int64_t d : td.dims())
    declared.mutableDims().push_back(d < 0 ? kDynamicDim : d);
  bool shapeOk = declared.rank() == t.shape().rank();
  for (size_t i = 0; shapeOk && i < declared.rank(); ++i)
    shapeOk = declared[i] == kDynamicDim || declared[i] == t.shape()[i];
  if (!shapeOk || (want && *want != t.dtype()))
    return fail(file + ": variable '" + var + "' is " + t.shape().str() + " " +
                dtypeName(t.dtype()) + " in the parameter file but the "
                "program declares " + declared.str() + " " +
                paddleTypeName(td.data_type()) +
                " (parameters of another net?)");
  return llvm::Error::success();
}

llvm::Expected<llvm::StringMap<Tensor>>
readPaddleCombinedParams(const PaddleProgram &prog,
                         llvm::ArrayRef<uint8_t> data, llvm::StringRef file) {
  llvm::StringMap<Tensor> out;
  size_t pos = 0;
  for (const std::string &name : paddlePersistableVars(prog)) {
    if (pos >= data.size())
      return fail(file + ": ends before variable '" + name +
                  "' (the program has more persistable variables than the "
                  "file holds: truncated, or parameters of another net?)");
    auto t = readPaddleLoDTensor(data, pos, file, name);
    if (!t)
      return t.takeError();
    if (llvm::Error e = checkAgainstDesc(prog, file, name, *t))
      return e;
    out[name] = std::move(*t);
  }
  if (pos != data.size())
    return fail(file + ": " + llvm::Twine(data.size() - pos) +
                " bytes left after the " + llvm::Twine(out.size()) +
                " persistable variables of the program (parameters of "
                "another net?)");
  return out;
}

llvm::Expected<llvm::StringMap<Tensor>>
loadPaddleParams(const PaddleProgram &prog, const PaddleModelFiles &files) {
  if (!files.paramsPath.empty()) {
    auto buf = readFile(files.paramsPath);
    if (!buf)
      return buf.takeError();
    return readPaddleCombinedParams(prog, bytesOf(**buf), files.paramsPath);
  }
  llvm::StringMap<Tensor> out;
  for (const std::string &name : paddlePersistableVars(prog)) {
    llvm::SmallString<256> p(files.dir);
    llvm::sys::path::append(p, name);
    if (!isFile(p))
      return fail(p + ": missing parameter file of persistable variable '" +
                  name + "' (no combined .pdiparams/__params__ file either)");
    auto buf = readFile(p);
    if (!buf)
      return buf.takeError();
    size_t pos = 0;
    auto t = readPaddleLoDTensor(bytesOf(**buf), pos, p, name);
    if (!t)
      return t.takeError();
    if (pos != (*buf)->getBufferSize())
      return fail(p + ": " + llvm::Twine((*buf)->getBufferSize() - pos) +
                  " bytes after the LoDTensor record of '" + name +
                  "' (not a parameter file of this program?)");
    if (llvm::Error e = checkAgainstDesc(prog, p, name, *t))
      return e;
    out[name] = std::move(*t);
  }
  return out;
}

} // namespace onntc
