#include "driver/CompileDriver.h"
#include "driver/FrontendOptions.h"
#include "driver/Npy.h"
#include "driver/OutputDir.h"
#include "driver/RefData.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <catch2/catch.hpp>

#include <zlib.h>

using namespace onntc;

namespace {

template <typename T> T expectOk(llvm::Expected<T> v) {
  if (!v) {
    FAIL(llvm::toString(v.takeError()));
  }
  return std::move(*v);
}

void requireOk(llvm::Error e) {
  if (e) {
    FAIL(llvm::toString(std::move(e)));
  }
}
template <typename T> std::string errorOf(llvm::Expected<T> v) {
  REQUIRE(!v);
  return llvm::toString(v.takeError());
}

/// A fresh empty directory under the system temp dir.
std::string tempDir() {
  llvm::SmallString<128> p;
  REQUIRE(!llvm::sys::fs::createUniqueDirectory("onntc-frontend-test", p));
  return p.str().str();
}

std::string join(llvm::StringRef a, llvm::StringRef b) {
  llvm::SmallString<256> p(a);
  llvm::sys::path::append(p, b);
  return p.str().str();
}

void writeBytes(const std::string &path, llvm::StringRef bytes) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  REQUIRE(!ec);
  os << bytes;
}

std::vector<std::string> listDir(const std::string &dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), e; it != e && !ec;
       it.increment(ec))
    out.push_back(llvm::sys::path::filename(it->path()).str());
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace

TEST_CASE("--shapes accepts one or several shapes", "[frontend]") {
  auto one = expectOk(parseShapes("[1,3,224,224]"));
  REQUIRE(one.size() == 1);
  CHECK(one[0] == Shape({1, 3, 224, 224}));
  auto two = expectOk(parseShapes(" [[1, 3,224,224], [1,10]] "));
  REQUIRE(two.size() == 2);
  CHECK(two[1] == Shape({1, 10}));
  CHECK(formatShapes(two) == "[[1,3,224,224],[1,10]]");
  CHECK(errorOf(parseShapes("[1,3,")).find("--shapes") != std::string::npos);
  CHECK(errorOf(parseShapes("[1,-3]")).find("positive") != std::string::npos);
  CHECK(errorOf(parseShapes("[1,x]")).find("'x'") != std::string::npos);
  CHECK(errorOf(parseShapes("1,3")).find("bracketed") != std::string::npos);
  CHECK(errorOf(parseShapes("[[[1]]]")).find("two levels") !=
        std::string::npos);
  CHECK(!parseShapes("[]"));
}

TEST_CASE("--descs parses index, type and range", "[frontend]") {
  auto d = expectOk(parseDescs("[0,int64,0,100]"));
  REQUIRE(d.size() == 1);
  CHECK(d[0].index == 0);
  CHECK(d[0].dtype == DType::I64);
  CHECK(d[0].high == 100.0);
  auto d2 = expectOk(parseDescs("[[0,fp32,-1,1],[2,\"int\",0,5]]"));
  REQUIRE(d2.size() == 2);
  CHECK(d2[1].dtype == DType::I32);
  CHECK(d2[0].low == -1.0);
  CHECK(errorOf(parseDescs("[0,complex,0,1]")).find("complex") !=
        std::string::npos);
  CHECK(errorOf(parseDescs("[0,int64,5,1]")).find("below") !=
        std::string::npos);
  CHECK(errorOf(parseDescs("[0,int64,0]")).find("[index, dtype, low, high]") !=
        std::string::npos);
  CHECK(errorOf(parseDescs("[[0,int64,0,1],[0,int64,0,2]]")).find("twice") !=
        std::string::npos);
}

TEST_CASE("name lists, booleans, targets and net names", "[frontend]") {
  CHECK(parseNameList(" a, b ,,c") == std::vector<std::string>{"a", "b", "c"});
  CHECK(expectOk(parseBool("TRUE")));
  CHECK(!expectOk(parseBool("0")));
  CHECK(!parseBool("maybe"));
  CHECK(expectOk(parseTarget("bm1684x"))->name == "BM1684X");
  CHECK(errorOf(parseTarget("BM1682")).find("BM1684 or BM1684X") !=
        std::string::npos);
  CHECK(!parseTarget("BM1682"));
  CHECK(defaultNetName("/models/resnet-50.v1.onnx") == "resnet-50_v1");
  CHECK(defaultNetName("model.onnx") == "model");
}

TEST_CASE("random inputs follow descs and the seed", "[frontend]") {
  std::vector<InputSpec> ins = {{"x", TensorType(DType::F32, Shape{2, 50})},
                                {"ids", TensorType(DType::I64, Shape{100})}};
  std::vector<InputDesc> descs = {{1, DType::I64, 3, 7}};
  auto a = expectOk(generateInputs(ins, descs, 7));
  auto b = expectOk(generateInputs(ins, descs, 7));
  auto c = expectOk(generateInputs(ins, descs, 8));
  REQUIRE(a.size() == 2);
  bool sameAsC = true;
  for (int64_t i = 0; i < 100; ++i) {
    float v = a[0].data<float>()[i];
    CHECK(v >= 0.f);
    CHECK(v < 1.f);
    CHECK(v == b[0].data<float>()[i]);
    sameAsC &= v == c[0].data<float>()[i];
    int64_t id = a[1].data<int64_t>()[i];
    CHECK(id >= 3);
    CHECK(id < 7);
  }
  CHECK(!sameAsC);
  CHECK(errorOf(generateInputs(ins, {{1, DType::I32, 0, 1}}, 1)).find("i64") !=
        std::string::npos);
  CHECK(errorOf(generateInputs(ins, {{5, DType::F32, 0, 1}}, 1))
            .find("input 5") != std::string::npos);
  std::vector<InputSpec> dyn = {
      {"x", TensorType(DType::F32, Shape{kDynamicDim, 3})}};
  CHECK(errorOf(generateInputs(dyn, {}, 1)).find("--shapes") !=
        std::string::npos);
}

TEST_CASE("ref data is the raw concatenation of the tensors", "[frontend]") {
  Tensor a = Tensor::fromFloats(Shape{2}, {1.f, 2.f});
  Tensor b = Tensor::fromInts(DType::I32, Shape{1}, {7});
  std::string bytes = encodeRefData({a, b});
  REQUIRE(bytes.size() == 12);
  float f1;
  std::memcpy(&f1, bytes.data() + 4, 4);
  CHECK(f1 == 2.f);
  auto back = expectOk(decodeRefData(bytes, {a.type(), b.type()}, "ref"));
  CHECK(back[1].data<int32_t>()[0] == 7);
  CHECK(!decodeRefData(bytes.substr(0, 10), {a.type(), b.type()}, "ref"));
  CHECK(!decodeRefData(bytes + "x", {a.type(), b.type()}, "ref"));
}

TEST_CASE("npy round trip and dtype handling", "[frontend]") {
  Tensor t = Tensor::fromFloats(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
  std::string bytes = encodeNpy(t);
  CHECK((10 + (unsigned char)bytes[8]) % 64 == 0);
  Tensor back = expectOk(parseNpy(bytes, "t.npy"));
  CHECK(back.shape() == Shape({2, 3}));
  CHECK(back.data<float>()[5] == 6.f);

  // A hand-written float64 header: converted to f32 on load.
  std::string hdr = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
  hdr.append(64 - (10 + hdr.size() + 1) % 64, ' ');
  hdr += '\n';
  std::string f64 =
      std::string("\x93NUMPY\x01\x00", 8) + char(hdr.size()) + '\0' + hdr;
  double vals[2] = {0.5, -2.25};
  f64.append(reinterpret_cast<const char *>(vals), 16);
  Tensor d = expectOk(parseNpy(f64, "d.npy"));
  CHECK(d.dtype() == DType::F32);
  CHECK(d.data<float>()[1] == -2.25f);

  CHECK(errorOf(parseNpy("hello", "x.npy")).find("magic") != std::string::npos);
  CHECK(errorOf(parseNpy(bytes.substr(0, bytes.size() - 4), "x.npy"))
            .find("truncated") != std::string::npos);
  std::string fortran = bytes;
  fortran.replace(fortran.find("False"), 5, "True ");
  CHECK(errorOf(parseNpy(fortran, "x.npy")).find("Fortran") !=
        std::string::npos);
  std::string u4 = bytes;
  u4.replace(u4.find("<f4"), 3, "<u4");
  CHECK(errorOf(parseNpy(u4, "x.npy")).find("unsupported dtype") !=
        std::string::npos);
}

namespace {

void put16(std::string &s, uint16_t v) {
  s += char(v & 0xFF);
  s += char(v >> 8);
}
void put32(std::string &s, uint32_t v) {
  put16(s, uint16_t(v & 0xFFFF));
  put16(s, uint16_t(v >> 16));
}

/// A minimal zip writer for the test: members stored or deflated.
std::string
makeZip(const std::vector<std::pair<std::string, std::string>> &members,
        bool compress) {
  std::string out, central;
  for (const auto &[name, data] : members) {
    std::string payload = data;
    if (compress) {
      z_stream zs{};
      REQUIRE(deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8,
                           Z_DEFAULT_STRATEGY) == Z_OK);
      payload.resize(deflateBound(&zs, uLong(data.size())));
      zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.data()));
      zs.avail_in = uInt(data.size());
      zs.next_out = reinterpret_cast<Bytef *>(payload.data());
      zs.avail_out = uInt(payload.size());
      REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
      payload.resize(zs.total_out);
      deflateEnd(&zs);
    }
    uint32_t crc = uint32_t(crc32(
        0, reinterpret_cast<const Bytef *>(data.data()), uInt(data.size())));
    uint32_t offset = uint32_t(out.size());
    put32(out, 0x04034b50);
    put16(out, 20);
    put16(out, 0);
    put16(out, compress ? 8 : 0);
    put32(out, 0);
    put32(out, crc);
    put32(out, uint32_t(payload.size()));
    put32(out, uint32_t(data.size()));
    put16(out, uint16_t(name.size()));
    put16(out, 0);
    out += name;
    out += payload;
    put32(central, 0x02014b50);
    put16(central, 20);
    put16(central, 20);
    put16(central, 0);
    put16(central, compress ? 8 : 0);
    put32(central, 0);
    put32(central, crc);
    put32(central, uint32_t(payload.size()));
    put32(central, uint32_t(data.size()));
    put16(central, uint16_t(name.size()));
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put32(central, 0);
    put32(central, offset);
    central += name;
  }
  uint32_t cdOffset = uint32_t(out.size());
  out += central;
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, uint16_t(members.size()));
  put16(out, uint16_t(members.size()));
  put32(out, uint32_t(central.size()));
  put32(out, cdOffset);
  put16(out, 0);
  return out;
}

} // namespace

TEST_CASE("npz archives, stored and deflated, bind to inputs", "[frontend]") {
  std::string dir = tempDir();
  Tensor a = Tensor::fromFloats(Shape{2}, {1.5f, 2.5f});
  Tensor b = Tensor::fromInts(DType::I64, Shape{3}, {4, 5, 6});
  for (bool compress : {false, true}) {
    std::string path = join(dir, compress ? "c.npz" : "s.npz");
    writeBytes(path,
               makeZip({{"ids.npy", encodeNpy(b)}, {"x.npy", encodeNpy(a)}},
                       compress));
    auto arrays = expectOk(readNumpyFile(path));
    REQUIRE(arrays.size() == 2);
    CHECK(arrays[0].name == "ids");
    CHECK(arrays[1].tensor.data<float>()[1] == 2.5f);
    // Bound by name, in network input order, with a dtype conversion.
    std::vector<InputSpec> ins = {{"x", TensorType(DType::F32, Shape{2})},
                                  {"ids", TensorType(DType::I32, Shape{3})}};
    auto bound = expectOk(bindTestInputs(arrays, ins, path));
    CHECK(bound[0].data<float>()[0] == 1.5f);
    CHECK(bound[1].dtype() == DType::I32);
    CHECK(bound[1].data<int32_t>()[2] == 6);
    std::vector<InputSpec> wrong = {{"x", TensorType(DType::F32, Shape{3})},
                                    {"ids", TensorType(DType::I64, Shape{3})}};
    CHECK(errorOf(bindTestInputs(arrays, wrong, path)).find("shape") !=
          std::string::npos);
  }
  std::string bad = join(dir, "bad.npz");
  writeBytes(bad, "PK\x03\x04 this is not really a zip file");
  CHECK(errorOf(readNumpyFile(bad)).find("not a valid .npz") !=
        std::string::npos);
  CHECK(!readNumpyFile(join(dir, "missing.npy")));
}

TEST_CASE("staged output directories appear all at once or not at all",
          "[frontend]") {
  std::string dir = tempDir();
  std::string out = join(dir, "out");
  {
    auto stage = expectOk(StagedOutputDir::create(out));
    requireOk(stage->writeFile("a.dat", "AAAA"));
    requireOk(stage->writeFile("b.dat", "BB"));
    // Nothing visible before commit, and only the stage beside it.
    CHECK(!llvm::sys::fs::exists(out));
    requireOk(stage->commit());
  }
  CHECK(listDir(out) == std::vector<std::string>{"a.dat", "b.dat"});
  CHECK(listDir(dir) == std::vector<std::string>{"out"});
  {
    // An abandoned stage leaves the directory as it was.
    auto stage = expectOk(StagedOutputDir::create(out));
    requireOk(stage->writeFile("a.dat", "changed"));
    requireOk(stage->writeFile("c.dat", "C"));
  }
  CHECK(listDir(out) == std::vector<std::string>{"a.dat", "b.dat"});
  CHECK(listDir(dir) == std::vector<std::string>{"out"});

  std::string file = join(dir, "plain");
  writeBytes(file, "x");
  CHECK(errorOf(StagedOutputDir::create(file)).find("not a directory") !=
        std::string::npos);
  CHECK(errorOf(StagedOutputDir::create(join(file, "sub")))
            .find("is not a directory") != std::string::npos);
}

TEST_CASE("SDK spellings of flags are normalised", "[frontend]") {
  const char *argv[] = {"bmneto", "-opt=2", "-target",  "BM1684X", "--v=3",
                        "-v",     "1",      "--shapes", "[1,-2]",  "-x"};
  auto out = normalizeSdkArgs(10, argv);
  CHECK(out == std::vector<std::string>{
                   "bmneto", "--opt=2", "--target", "BM1684X", "--log_level=3",
                   "--log_level", "1", "--shapes", "[1,-2]", "-x"});
}

TEST_CASE("raw flag values become validated options", "[frontend]") {
  SdkFlagValues f;
  f.model = "dir/my.model.onnx";
  f.shapes = "[[1,3],[2]]";
  f.inputNames = "a, b";
  f.dyn = "1";
  f.cmp = "false";
  f.target = "bm1684x";
  f.emit = "ir";
  auto o = makeFrontendOptions(f);
  REQUIRE(bool(o));
  CHECK(o->netName == "my_model");
  CHECK(o->outdir == "compilation");
  CHECK(o->shapes.size() == 2);
  CHECK(o->inputNames == std::vector<std::string>{"a", "b"});
  CHECK(o->dyn);
  CHECK(!o->cmp);
  CHECK(o->target == isa::lookupTarget("BM1684X"));
  CHECK(o->emit == EmitKind::IR);
  CHECK(o->opt == 1);
  SdkFlagValues bad = f;
  bad.emit = "bmodle";
  CHECK(errorOf(makeFrontendOptions(bad)).find("--emit=bmodle") !=
        std::string::npos);
  for (const char *stop : {"ir", "quantized-ir", "cmds", "bmodel"}) {
    bad.emit = stop;
    auto k = makeFrontendOptions(bad);
    REQUIRE(bool(k));
    CHECK(emitKindName(k->emit) == stop);
  }
  bad = f;
  bad.netName = "a/b";
  CHECK(errorOf(makeFrontendOptions(bad)).find("path separators") !=
        std::string::npos);
  bad = f;
  bad.logLevel = 7;
  CHECK(errorOf(makeFrontendOptions(bad)).find("--v 7") != std::string::npos);
  bad = f;
  bad.dyn = "yes please";
  CHECK(errorOf(makeFrontendOptions(bad)).find("--dyn") != std::string::npos);
}
