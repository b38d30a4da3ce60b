//===- DarknetCfg.cpp - Darknet .cfg and .weights parsing -----------------===//

#include "frontends/darknet/DarknetModel.h"

#include "ir/Diagnostics.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <cstring>

namespace onntc {

const DnOption *DnSection::find(llvm::StringRef key) const {
  // Darknet reads the first occurrence of a key.
  for (const DnOption &o : options)
    if (o.key == key)
      return &o;
  return nullptr;
}

std::string DnCfg::where(const DnSection &s) const {
  return file + ":" + std::to_string(s.line) + ": [" + s.type + "]";
}

std::string DnCfg::where(const DnSection &s, const DnOption &o) const {
  return file + ":" + std::to_string(o.line) + ": [" + s.type + "] " + o.key;
}

llvm::Error DnCfg::error(const DnSection &s, const llvm::Twine &msg) const {
  return makeError(where(s) + ": " + msg);
}

llvm::Error DnCfg::error(const DnSection &s, const DnOption &o,
                         const llvm::Twine &msg) const {
  return makeError(where(s, o) + "=" + o.value + ": " + msg);
}

llvm::Expected<int64_t> DnCfg::getInt(const DnSection &s, llvm::StringRef key,
                                      int64_t def) const {
  const DnOption *o = s.find(key);
  if (!o)
    return def;
  int64_t v;
  if (llvm::StringRef(o->value).getAsInteger(10, v))
    return error(s, *o, "not an integer");
  return v;
}

llvm::Expected<float> DnCfg::getFloat(const DnSection &s, llvm::StringRef key,
                                      float def) const {
  const DnOption *o = s.find(key);
  if (!o)
    return def;
  double v;
  if (llvm::StringRef(o->value).getAsDouble(v) || !std::isfinite(v))
    return error(s, *o, "not a number");
  return float(v);
}

std::string DnCfg::getString(const DnSection &s, llvm::StringRef key,
                             llvm::StringRef def) const {
  const DnOption *o = s.find(key);
  return o ? o->value : def.str();
}

llvm::Expected<std::vector<int64_t>> DnCfg::getInts(const DnSection &s,
                                                    llvm::StringRef key) const {
  std::vector<int64_t> out;
  const DnOption *o = s.find(key);
  if (!o)
    return out;
  llvm::SmallVector<llvm::StringRef, 8> parts;
  llvm::StringRef(o->value).split(parts, ',');
  for (llvm::StringRef p : parts) {
    p = p.trim();
    if (p.empty())
      continue;
    int64_t v;
    if (p.getAsInteger(10, v))
      return error(s, *o, "not a comma-separated list of integers");
    out.push_back(v);
  }
  if (out.empty())
    return error(s, *o, "an empty list");
  return out;
}

llvm::Expected<DnCfg> parseDarknetCfg(llvm::StringRef text,
                                      llvm::StringRef fileName) {
  DnCfg cfg;
  cfg.file = fileName.str();
  unsigned lineNo = 0;
  while (!text.empty()) {
    llvm::StringRef line;
    std::tie(line, text) = text.split('\n');
    ++lineNo;
    line = line.trim();
    if (line.empty() || line.front() == '#' || line.front() == ';')
      continue;
    std::string at = cfg.file + ":" + std::to_string(lineNo) + ": ";
    if (line.front() == '[') {
      if (line.back() != ']' || line.size() < 3)
        return makeError(at + "malformed section header '" + line +
                         "' (expected [name])");
      DnSection s;
      s.type = line.substr(1, line.size() - 2).trim().str();
      s.line = lineNo;
      cfg.sections.push_back(std::move(s));
      continue;
    }
    size_t eq = line.find('=');
    if (eq == llvm::StringRef::npos)
      return makeError(at + "'" + line +
                       "' is neither a [section] nor key=value");
    if (cfg.sections.empty())
      return makeError(at + "option '" + line + "' before the first [section]");
    DnOption o;
    o.key = line.substr(0, eq).trim().str();
    // Darknet strips every space, so "layers = -1, 8" means "-1,8".
    for (char c : line.substr(eq + 1))
      if (!std::isspace(static_cast<unsigned char>(c)))
        o.value += c;
    o.line = lineNo;
    if (o.key.empty())
      return makeError(at + "option with an empty key");
    cfg.sections.back().options.push_back(std::move(o));
  }
  if (cfg.sections.empty())
    return makeError(cfg.file + ": no sections; not a Darknet .cfg file");
  return cfg;
}

llvm::Expected<DnCfg> readDarknetCfgFile(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/true,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return makeError("cannot read Darknet cfg '" + path +
                     "': " + buf.getError().message());
  llvm::StringRef bytes = (*buf)->getBuffer();
  if (bytes.find('\0') != llvm::StringRef::npos)
    return makeError(llvm::sys::path::filename(path) +
                     ": binary data in the cfg; is this the .weights file? "
                     "(pass the .cfg as --model)");
  return parseDarknetCfg(bytes, llvm::sys::path::filename(path));
}

llvm::Expected<llvm::ArrayRef<float>> DnWeights::take(size_t n,
                                                      const llvm::Twine &what) {
  if (n > remaining())
    return makeError(file + ": too short: " + what + " needs " +
                     llvm::Twine(n) + " floats but only " +
                     llvm::Twine(remaining()) +
                     " remain (are these the weights of another cfg?)");
  llvm::ArrayRef<float> out(data.data() + pos, n);
  pos += n;
  return out;
}

llvm::Expected<DnWeights> parseDarknetWeights(llvm::StringRef bytes,
                                              llvm::StringRef fileName) {
  DnWeights w;
  w.file = fileName.str();
  size_t off = 0;
  auto read = [&](void *dst, size_t n, const char *what) -> llvm::Error {
    if (bytes.size() - off < n)
      return makeError(w.file + ": truncated header (" + what + ")");
    std::memcpy(dst, bytes.data() + off, n);
    off += n;
    return llvm::Error::success();
  };
  if (llvm::Error e = read(&w.major, 4, "major version"))
    return e;
  if (llvm::Error e = read(&w.minor, 4, "minor version"))
    return e;
  if (llvm::Error e = read(&w.revision, 4, "revision"))
    return e;
  if (w.major < 0 || w.minor < 0)
    return makeError(w.file + ": header version " + llvm::Twine(w.major) + "." +
                     llvm::Twine(w.minor) +
                     " is not a Darknet .weights header");
  // Darknet's rule: `seen` is a size_t from version 0.2 on.
  bool wideSeen =
      (w.major * 10 + w.minor) >= 2 && w.major < 1000 && w.minor < 1000;
  if (wideSeen) {
    if (llvm::Error e = read(&w.seen, 8, "seen"))
      return e;
  } else {
    uint32_t s = 0;
    if (llvm::Error e = read(&s, 4, "seen"))
      return e;
    w.seen = s;
  }
  w.transpose = w.major > 1000 || w.minor > 1000;
  size_t rest = bytes.size() - off;
  if (rest % 4)
    return makeError(w.file + ": " + llvm::Twine(rest) +
                     " data bytes after the header are not whole float32s "
                     "(truncated file?)");
  w.data.resize(rest / 4);
  if (rest)
    std::memcpy(w.data.data(), bytes.data() + off, rest);
  return w;
}

llvm::Expected<DnWeights> readDarknetWeightsFile(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return makeError("cannot read Darknet weights '" + path +
                     "': " + buf.getError().message());
  return parseDarknetWeights((*buf)->getBuffer(),
                             llvm::sys::path::filename(path));
}

} // namespace onntc
