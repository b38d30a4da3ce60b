//===- UModel.cpp - .fp32umodel / .int8umodel reader and writer ----------===//
#include "quantizer/UModel.h"

#include "quantizer/NetText.h"

#include "UModel_generated.h"

#include "ir/Diagnostics.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Weights.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>

namespace onntc {

namespace fb = onntc::umodel;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

static std::vector<int64_t> dimsOf(const Shape &s) {
  return std::vector<int64_t>(s.dims().begin(), s.dims().end());
}

/// Serialises `u` with `m` as its net (u.module is not looked at).
static llvm::Expected<std::string> serializeWith(const Module &m,
                                                 const UModel &u) {
  WeightsWriter ww;
  PrintOptions po;
  po.sink = &ww;
  po.sinkRef = "umodel";
  std::string text = printModuleToString(m, po);
  // The sidecar image is the IR library's way of handing out the tensors the
  // printer referred to; it is read back only to enumerate them.
  auto wf = WeightsFile::fromBuffer(ww.serialize(), u.netName + " weights");
  if (!wf)
    return wf.takeError();

  FlatBufferBuilder b(1 << 20);
  std::vector<Offset<fb::Tensor>> weights;
  for (const std::string &key : (*wf)->keys()) {
    const Tensor *t = (*wf)->find(key);
    weights.push_back(fb::CreateTensor(
        b, b.CreateString(key), dtypeFileCode(t->dtype()),
        b.CreateVector(dimsOf(t->shape())),
        b.CreateVector(t->raw(), t->byteSize())));
  }
  std::vector<Offset<fb::Int8Weight>> qw;
  for (const auto &[name, w] : u.int8Weights) {
    if (w.data.dtype() != DType::I8)
      return makeError("int8 weight '" + name + "' is not i8");
    qw.push_back(fb::CreateInt8Weight(
        b, b.CreateString(name), b.CreateVector(dimsOf(w.data.shape())),
        b.CreateVector(w.data.data<int8_t>(), size_t(w.data.numElements())),
        b.CreateVector(w.scales), w.axis));
  }
  std::vector<Offset<fb::Int32Bias>> qb;
  for (const auto &[name, bias] : u.int32Biases) {
    if (bias.data.dtype() != DType::I32)
      return makeError("int32 bias '" + name + "' is not i32");
    qb.push_back(fb::CreateInt32Bias(
        b, b.CreateString(name),
        b.CreateVector(bias.data.data<int32_t>(),
                       size_t(bias.data.numElements())),
        b.CreateVector(bias.scales)));
  }
  std::vector<Offset<fb::ActivationQuant>> acts;
  for (const auto &[name, a] : u.activations)
    acts.push_back(fb::CreateActivationQuant(b, b.CreateString(name),
                                             a.threshold, a.min, a.max, a.scale,
                                             a.zeroPoint, a.fp32));
  auto root = fb::CreateUModel(
      b, kUModelVersion,
      u.kind == UModelKind::Int8 ? fb::Kind_Int8 : fb::Kind_Fp32,
      b.CreateString(u.netName), b.CreateString("OpenNNTC"),
      b.CreateString(text), b.CreateVectorOfSortedTables(&weights),
      b.CreateVectorOfSortedTables(&qw), b.CreateVectorOfSortedTables(&qb),
      b.CreateVectorOfSortedTables(&acts), b.CreateString(u.thMethod),
      u.perChannel, u.calibrationSamples);
  fb::FinishUModelBuffer(b, root);
  return std::string(reinterpret_cast<const char *>(b.GetBufferPointer()),
                     b.GetSize());
}

llvm::Expected<std::string> serializeUModel(const UModel &u) {
  if (!u.module)
    return makeError("umodel '" + u.netName + "' has no net");
  return serializeWith(*u.module, u);
}

llvm::Error writeUModel(const UModel &u, llvm::StringRef path) {
  auto bytes = serializeUModel(u);
  if (!bytes)
    return bytes.takeError();
  if (llvm::Error e = checkReplaceableTarget(path))
    return e;
  return writeFileAtomically(path, *bytes);
}

template <typename T>
static llvm::Expected<Shape> checkedShape(const T *v, llvm::StringRef what) {
  Shape s;
  if (v)
    for (int64_t d : *v) {
      if (d < 0 || d > (int64_t(1) << 40))
        return makeError(what + ": bad dimension " + llvm::Twine(d));
      s.mutableDims().push_back(d);
    }
  return s;
}

llvm::Expected<UModel> parseUModel(llvm::StringRef bytes,
                                   llvm::StringRef name) {
  const auto *data = reinterpret_cast<const uint8_t *>(bytes.data());
  if (bytes.size() < 8 || !fb::UModelBufferHasIdentifier(data))
    return makeError(name + ": not a umodel (no 'OUMD' identifier; expected a "
                            ".fp32umodel or .int8umodel written by OpenNNTC)");
  flatbuffers::Verifier v(data, bytes.size(), 64, 1u << 26);
  if (!fb::VerifyUModelBuffer(v))
    return makeError(name + ": the umodel is damaged (truncated or corrupt: "
                            "the flatbuffers verifier rejects it); write it "
                            "again");
  const fb::UModel *root = fb::GetUModel(data);
  if (root->version() != kUModelVersion)
    return makeError(name + ": umodel version " + llvm::Twine(root->version()) +
                     " is not supported (this build reads version " +
                     llvm::Twine(kUModelVersion) + ")");
  if (!root->ir_text() || !root->net_name())
    return makeError(name + ": the umodel has no net");
  UModel u;
  u.kind = root->kind() == fb::Kind_Int8 ? UModelKind::Int8 : UModelKind::Fp32;
  u.netName = root->net_name()->str();
  if (root->th_method())
    u.thMethod = root->th_method()->str();
  u.perChannel = root->per_channel();
  u.calibrationSamples = root->calibration_samples();

  WeightsWriter ww;
  if (root->weights())
    for (const fb::Tensor *t : *root->weights()) {
      std::string what = (name + ": weight '" +
                          (t->name() ? t->name()->str() : "") + "'").str();
      auto dt = dtypeFromFileCode(t->dtype());
      if (!t->name() || !dt)
        return makeError(what + ": no name or an unknown element type");
      auto shape = checkedShape(t->shape(), what);
      if (!shape)
        return shape.takeError();
      size_t want = size_t(shape->numElements()) * dtypeSize(*dt);
      size_t have = t->data() ? t->data()->size() : 0;
      if (want != have)
        return makeError(what + ": holds " + llvm::Twine(have) +
                         " bytes, its shape and type need " + llvm::Twine(want));
      Tensor x(*dt, *shape);
      if (want)
        std::memcpy(x.raw(), t->data()->data(), want);
      std::string key = ww.add(t->name()->str(), x);
      if (key != t->name()->str())
        return makeError(what + ": stored twice");
    }
  auto wf = WeightsFile::fromBuffer(ww.serialize(), name);
  if (!wf)
    return wf.takeError();
  ParseOptions po;
  po.weights = std::shared_ptr<WeightsFile>(std::move(*wf));
  auto pm = parseModuleText(root->ir_text()->str(), (name + " (net)").str(), po);
  if (!pm)
    return makeError(name + ": the net does not parse: " +
                     llvm::toString(pm.takeError()));
  u.module = std::move(pm->module);

  if (root->int8_weights())
    for (const fb::Int8Weight *w : *root->int8_weights()) {
      std::string what = (name + ": int8 weight '" +
                          (w->name() ? w->name()->str() : "") + "'").str();
      auto shape = checkedShape(w->shape(), what);
      if (!shape)
        return shape.takeError();
      size_t have = w->data() ? w->data()->size() : 0;
      if (!w->name() || size_t(shape->numElements()) != have)
        return makeError(what + ": holds " + llvm::Twine(have) +
                         " values, its shape needs " +
                         llvm::Twine(shape->numElements()));
      Int8Weight q;
      q.data = Tensor(DType::I8, *shape);
      if (have)
        std::memcpy(q.data.raw(), w->data()->data(), have);
      if (w->scales())
        q.scales.assign(w->scales()->begin(), w->scales()->end());
      q.axis = w->axis();
      size_t channels = q.axis >= 0 && size_t(q.axis) < shape->rank()
                            ? size_t((*shape)[q.axis])
                            : 1;
      if (q.axis >= int(shape->rank()) || q.scales.size() != channels)
        return makeError(what + ": " + llvm::Twine(q.scales.size()) +
                         " scales for " + llvm::Twine(channels) + " channels");
      u.int8Weights[w->name()->str()] = std::move(q);
    }
  if (root->int32_biases())
    for (const fb::Int32Bias *bias : *root->int32_biases()) {
      std::string what = (name + ": int32 bias '" +
                          (bias->name() ? bias->name()->str() : "") + "'").str();
      size_t n = bias->data() ? bias->data()->size() : 0;
      size_t ns = bias->scales() ? bias->scales()->size() : 0;
      if (!bias->name() || (ns != n && ns != 1))
        return makeError(what + ": " + llvm::Twine(ns) + " scales for " +
                         llvm::Twine(n) + " values");
      Int32Bias q;
      q.data = Tensor(DType::I32, Shape{int64_t(n)});
      for (size_t i = 0; i < n; ++i)
        q.data.data<int32_t>()[i] = bias->data()->Get(unsigned(i));
      q.scales.assign(bias->scales()->begin(), bias->scales()->end());
      u.int32Biases[bias->name()->str()] = std::move(q);
    }
  if (root->activations())
    for (const fb::ActivationQuant *a : *root->activations()) {
      if (!a->name())
        return makeError(name + ": an activation entry has no name");
      if (!u.module->graph.findValue(a->name()->str()))
        return makeError(name + ": activation '" + a->name()->str() +
                         "' is not a value of net '" + u.netName + "'");
      ActivationQuant q;
      q.threshold = a->threshold();
      q.min = a->min();
      q.max = a->max();
      q.scale = a->scale();
      q.zeroPoint = a->zero_point();
      q.fp32 = a->fp32();
      u.activations[a->name()->str()] = q;
    }
  return u;
}

llvm::Expected<UModel> readUModel(llvm::StringRef path) {
  auto mb = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                        /*RequiresNullTerminator=*/false);
  if (!mb)
    return makeError(path + ": cannot read the umodel: " +
                     mb.getError().message());
  if ((*mb)->getBufferSize() == 0)
    return makeError(path + ": the file is empty, not a umodel");
  return parseUModel((*mb)->getBuffer(), path);
}

std::string fp32UmodelName(llvm::StringRef net, llvm::StringRef tool) {
  return (net + "_" + tool + ".fp32umodel").str();
}
std::string fp32TestProtoName(llvm::StringRef net, llvm::StringRef tool) {
  return (net + "_" + tool + "_test_fp32.prototxt").str();
}
std::string int8UmodelName(llvm::StringRef net, llvm::StringRef tool) {
  return (net + "_" + tool + ".int8umodel").str();
}
std::string int8DeployProtoName(llvm::StringRef net, llvm::StringRef tool) {
  return (net + "_" + tool + "_deploy_int8_unique_top.prototxt").str();
}
std::string int8TestProtoName(llvm::StringRef net, llvm::StringRef tool) {
  return (net + "_" + tool + "_test_int8_unique_top.prototxt").str();
}

llvm::Error writeFp32Umodel(const Module &m, llvm::StringRef dir,
                            llvm::StringRef netName, llvm::StringRef tool,
                            const std::vector<DataLayer> &data) {
  UModel u;
  u.netName = netName.str();
  auto bytes = serializeWith(m, u);
  if (!bytes)
    return bytes.takeError();
  NetTextOptions no;
  no.phase = NetPhase::TestFp32;
  no.data = data;
  std::string proto = printNetText(m, netName, no);
  llvm::SmallString<256> up(dir), pp(dir);
  llvm::sys::path::append(up, fp32UmodelName(netName, tool));
  llvm::sys::path::append(pp, fp32TestProtoName(netName, tool));
  for (llvm::StringRef p : {up.str(), pp.str()})
    if (llvm::Error e = checkReplaceableTarget(p))
      return e;
  if (llvm::Error e = writeFileAtomically(up, *bytes))
    return e;
  return writeFileAtomically(pp, proto);
}

} // namespace onntc
