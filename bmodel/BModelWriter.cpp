//===- BModelWriter.cpp - ModelInfo -> .bmodel bytes
//-----------------------===//
//
// Layout: 64-byte little-endian header, the flatbuffer, the binary region.
// serialize() first lays the binary region out again in forEachBinary order
// (dedupe by exact bytes, empty blobs at {0,0}), then builds the flatbuffer
// with every table's fields added in schema order, so equal models give
// equal bytes.
//
//===----------------------------------------------------------------------===//
#include "bmodel/BModelWriter.h"
#include "bmodel/bmodel_generated.h"

#include "llvm/ADT/Hashing.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstring>
#include <ctime>
#include <unistd.h>

#ifndef ONNTC_VERSION
#error "ONNTC_VERSION must be defined by the build"
#endif

namespace onntc {
namespace bmodel {

namespace fb = ::bmodel;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

llvm::StringRef writerVersion() { return "2.2+onntc-" ONNTC_VERSION; }

static llvm::Error makeErr(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

BinaryRange BModelWriter::addBlob(llvm::ArrayRef<uint8_t> bytes) {
  if (bytes.empty())
    return BinaryRange{0, 0};
  uint64_t key = llvm::hash_value(llvm::StringRef(
      reinterpret_cast<const char *>(bytes.data()), bytes.size()));
  std::vector<BinaryRange> &same = index_[key];
  for (const BinaryRange &r : same)
    if (r.size == bytes.size() &&
        std::memcmp(data_.data() + r.start, bytes.data(), bytes.size()) == 0)
      return r;
  BinaryRange r{data_.size(), bytes.size()};
  data_.insert(data_.end(), bytes.begin(), bytes.end());
  same.push_back(r);
  return r;
}

CoeffInfo BModelWriter::addCoeff(llvm::ArrayRef<uint8_t> bytes,
                                 uint64_t address) {
  CoeffInfo c;
  c.address = address;
  c.data = addBlob(bytes);
  auto h = sha256(bytes);
  c.checkCode.assign(h.begin(), h.end());
  return c;
}

llvm::ArrayRef<uint8_t> BModelWriter::bytes(BinaryRange r) const {
  if (r.start >= data_.size())
    return {};
  return llvm::ArrayRef<uint8_t>(data_).slice(
      r.start, std::min<uint64_t>(r.size, data_.size() - r.start));
}

namespace {

/// Builds the flatbuffer of one ModelInfo whose ranges are final.
class FbEmitter {
public:
  FlatBufferBuilder b{1 << 16};

  Offset<fb::Model> model(const ModelInfo &m, llvm::StringRef time) {
    std::vector<Offset<fb::Net>> nets;
    uint64_t neuron = 0;
    for (const NetInfo &n : m.nets) {
      nets.push_back(net(n));
      for (const StageInfo &s : n.stages)
        neuron = std::max(neuron, s.ctxSize);
    }
    auto type = b.CreateString("B");
    auto version = b.CreateString(writerVersion().str());
    auto timeStr = b.CreateString(time.str());
    auto chip = b.CreateString(m.chip);
    auto netVec = b.CreateVector(nets);
    Offset<fb::KernelModule> kernel;
    if (m.kernelModule) {
      auto name = b.CreateString(m.kernelModule->fileName);
      fb::Binary bin = fbRange(m.kernelModule->binary);
      fb::KernelModuleBuilder kb(b);
      kb.add_file_name(name);
      kb.add_binary(&bin);
      kernel = kb.Finish();
    }
    Offset<fb::CpuopModule> cpuop;
    if (m.cpuopModule) {
      auto name = b.CreateString(m.cpuopModule->fileName);
      fb::Binary bin = fbRange(m.cpuopModule->binary);
      fb::CpuopModuleBuilder cb(b);
      cb.add_file_name(name);
      cb.add_binary(&bin);
      cpuop = cb.Finish();
    }
    std::optional<fb::Binary> lib;
    if (m.libBackend)
      lib = fbRange(*m.libBackend);
    fb::ModelBuilder mb(b);
    mb.add_type(type);
    mb.add_version(version);
    mb.add_time(timeStr);
    mb.add_chip(chip);
    mb.add_net(netVec);
    mb.add_neuron_size(neuron);
    if (m.kernelModule)
      mb.add_kernel_module(kernel);
    mb.add_device_num(m.deviceNum);
    if (m.cpuopModule)
      mb.add_cpuop_module(cpuop);
    mb.add_bmodel_type(m.bmodelType);
    if (lib)
      mb.add_lib_backend(&*lib);
    return mb.Finish();
  }

private:
  static fb::Binary fbRange(const BinaryRange &r) {
    return fb::Binary(r.start, r.size);
  }

  template <typename T>
  Offset<flatbuffers::Vector<T>> scalars(const std::vector<T> &v) {
    return v.empty() ? 0 : b.CreateVector(v);
  }

  template <typename T, typename Fn>
  auto tables(const std::vector<T> &v, Fn fn)
      -> Offset<flatbuffers::Vector<decltype(fn(v[0]))>> {
    if (v.empty())
      return 0;
    std::vector<decltype(fn(v[0]))> offs;
    for (const T &e : v)
      offs.push_back(fn(e));
    return b.CreateVector(offs);
  }

  Offset<flatbuffers::Vector<const fb::Binary *>>
  ranges(const std::vector<BinaryRange> &v) {
    if (v.empty())
      return 0;
    std::vector<fb::Binary> bins;
    for (const BinaryRange &r : v)
      bins.push_back(fbRange(r));
    return b.CreateVectorOfStructs(bins);
  }

  Offset<fb::Tensor> tensor(const TensorInfo &t) {
    auto name = b.CreateString(t.name);
    auto shapes = tables(t.shapes, [&](const Shape &s) {
      auto dims = b.CreateVector(s);
      return fb::CreateShape(b, dims);
    });
    fb::TensorBuilder tb(b);
    tb.add_name(name);
    tb.add_data_type(static_cast<uint32_t>(t.dtype));
    tb.add_gmem_stmode(t.gmemStmode);
    tb.add_device_addr(t.deviceAddr);
    tb.add_size(t.size);
    if (!shapes.IsNull())
      tb.add_shape(shapes);
    tb.add_mem_type(t.memType);
    tb.add_scale(t.scale);
    tb.add_cpu_addr(t.cpuAddr);
    tb.add_pad_h(t.padH);
    tb.add_zero_point(t.zeroPoint);
    tb.add_hidden(t.hidden);
    tb.add_index(t.index);
    return tb.Finish();
  }

  Offset<flatbuffers::Vector<Offset<fb::Tensor>>>
  tensors(const std::vector<TensorInfo> &v, bool required) {
    if (v.empty() && required)
      return b.CreateVector(std::vector<Offset<fb::Tensor>>());
    return tables(v, [&](const TensorInfo &t) { return tensor(t); });
  }

  Offset<fb::CmdGroup> cmdGroup(const CmdGroupInfo &g) {
    std::optional<fb::Binary> bdc, gdma;
    if (g.bdc)
      bdc = fbRange(*g.bdc);
    if (g.gdma)
      gdma = fbRange(*g.gdma);
    fb::CmdGroupBuilder gb(b);
    gb.add_bdc_num(g.bdcNum);
    gb.add_gdma_num(g.gdmaNum);
    if (bdc)
      gb.add_binary_bdc(&*bdc);
    if (gdma)
      gb.add_binary_gdma(&*gdma);
    gb.add_bdc_cmd_byte(g.bdcCmdByte);
    gb.add_gdma_cmd_byte(g.gdmaCmdByte);
    return gb.Finish();
  }

  Offset<flatbuffers::Vector<Offset<fb::CmdGroup>>>
  cmdGroups(const std::vector<CmdGroupInfo> &v) {
    return tables(v, [&](const CmdGroupInfo &g) { return cmdGroup(g); });
  }

  Offset<fb::StageIR> stageIR(const StageIRInfo &s) {
    return fb::CreateStageIR(b, s.irInfoLen, s.heightHigh, s.heightLow,
                             s.widthHigh, s.widthLow);
  }

  Offset<fb::CoeffMem> coeff(const CoeffInfo &c) {
    auto code = scalars(c.checkCode);
    auto locs = tables(c.locations, [&](const LocationInfo &l) {
      auto name = b.CreateString(l.name);
      return fb::CreateLocation(b, name, l.offset, l.size);
    });
    fb::Binary data = fbRange(c.data);
    fb::CoeffMemBuilder cb(b);
    cb.add_address(c.address);
    if (!code.IsNull())
      cb.add_check_code(code);
    cb.add_binary_coeff(&data);
    if (!locs.IsNull())
      cb.add_location(locs);
    cb.add_encrypt_mode(c.encryptMode);
    cb.add_decrypt_size(c.decryptSize);
    return cb.Finish();
  }

  Offset<fb::CpuParam> cpuParam(const CpuParamInfo &p) {
    auto consts = tables(p.consts, [&](const CpuConstInfo &c) {
      auto name = b.CreateString(c.name);
      auto code = scalars(c.checkCode);
      std::optional<fb::Binary> data;
      if (c.data)
        data = fbRange(*c.data);
      fb::CpuConstBuilder ccb(b);
      ccb.add_name(name);
      if (data)
        ccb.add_const_data(&*data);
      if (!code.IsNull())
        ccb.add_check_code(code);
      return ccb.Finish();
    });
    std::optional<fb::Binary> param;
    if (p.param)
      param = fbRange(*p.param);
    fb::CpuParamBuilder pb(b);
    pb.add_op_type(p.opType);
    if (param)
      pb.add_binary_param(&*param);
    if (!consts.IsNull())
      pb.add_cpu_const(consts);
    pb.add_is_custom(p.isCustom);
    return pb.Finish();
  }

  Offset<fb::SubNet> subnet(const SubNetInfo &s) {
    auto groups = cmdGroups(s.cmdGroups);
    auto params =
        tables(s.cpuParams, [&](const CpuParamInfo &p) { return cpuParam(p); });
    auto ins = tensors(s.inputs, false);
    auto outs = tensors(s.outputs, false);
    auto next = scalars(s.nextSubnetIds);
    Offset<fb::MergeParam> merge;
    if (s.merge) {
      auto from =
          tables(s.merge->outputFrom, [&](const std::vector<int32_t> &i) {
            auto v = b.CreateVector(i);
            return fb::CreateOutputFrom(b, v);
          });
      merge = fb::CreateMergeParam(b, from);
    }
    Offset<fb::SwitchParam> sw;
    if (s.switchParam) {
      auto from = scalars(s.switchParam->outputFrom);
      auto branch = scalars(s.switchParam->outputBranch);
      sw = fb::CreateSwitchParam(b, from, branch);
    }
    auto cores = tables(s.coreCommands, [&](const CoreCommandsInfo &c) {
      auto g = cmdGroups(c.gdmaTiu);
      auto sdma = ranges(c.sdma);
      auto hau = ranges(c.hau);
      auto cdma = ranges(c.cdma);
      return fb::CreateCoreCommands(b, g, sdma, hau, cdma);
    });
    fb::SubNetBuilder sb(b);
    sb.add_subnet_mode(static_cast<int32_t>(s.mode));
    if (!groups.IsNull())
      sb.add_cmd_group(groups);
    if (!params.IsNull())
      sb.add_cpu_param(params);
    if (!ins.IsNull())
      sb.add_input_tensor(ins);
    if (!outs.IsNull())
      sb.add_output_tensor(outs);
    sb.add_is_dynamic(s.isDynamic);
    sb.add_ir_offset(s.irOffset);
    sb.add_ir_len(s.irLen);
    sb.add_n_dynamic(s.nDynamic);
    sb.add_h_w_dynamic(s.hwDynamic);
    sb.add_id(s.id);
    if (!next.IsNull())
      sb.add_next_subnet_ids(next);
    if (s.merge)
      sb.add_merge_param(merge);
    if (s.switchParam)
      sb.add_switch_param(sw);
    if (!cores.IsNull())
      sb.add_core_commands(cores);
    return sb.Finish();
  }

  Offset<fb::NetParameter> stage(const StageInfo &s) {
    auto ins = tensors(s.inputs, true);
    auto outs = tensors(s.outputs, true);
    Offset<fb::CoeffMem> co;
    if (s.coeff)
      co = coeff(*s.coeff);
    auto groups = cmdGroups(s.cmdGroups);
    auto irs =
        tables(s.stageIR, [&](const StageIRInfo &i) { return stageIR(i); });
    auto subs =
        tables(s.subnets, [&](const SubNetInfo &i) { return subnet(i); });
    auto ctxSizes = scalars(s.ctxSizes);
    std::optional<fb::Binary> profile, ir, stat, loc;
    if (s.netProfile)
      profile = fbRange(*s.netProfile);
    if (s.binaryIR)
      ir = fbRange(*s.binaryIR);
    if (s.netStat)
      stat = fbRange(*s.netStat);
    if (s.tensorLoc)
      loc = fbRange(*s.tensorLoc);
    fb::NetParameterBuilder pb(b);
    pb.add_input_tensor(ins);
    pb.add_output_tensor(outs);
    pb.add_ctx_addr(s.ctxAddr);
    pb.add_ctx_size(s.ctxSize);
    if (s.coeff)
      pb.add_coeff_mem(co);
    pb.add_is_dynamic(s.isDynamic);
    pb.add_n_dynamic(s.nDynamic);
    pb.add_h_w_dynamic(s.hwDynamic);
    if (!groups.IsNull())
      pb.add_cmd_group(groups);
    if (profile)
      pb.add_net_profile(&*profile);
    if (!irs.IsNull())
      pb.add_stage_ir(irs);
    if (ir)
      pb.add_binary_ir(&*ir);
    if (!subs.IsNull())
      pb.add_sub_net(subs);
    pb.add_cpu_mem_size(s.cpuMemSize);
    if (!ctxSizes.IsNull())
      pb.add_ctx_sizes(ctxSizes);
    if (stat)
      pb.add_net_stat(&*stat);
    pb.add_core_num(s.coreNum);
    pb.add_io_addr(s.ioAddr);
    pb.add_io_size(s.ioSize);
    if (loc)
      pb.add_tensor_loc(&*loc);
    pb.add_dynamic_ctx_addr(s.dynamicCtxAddr);
    pb.add_dynamic_coeff_offset(s.dynamicCoeffOffset);
    pb.add_dynamic_combined_coeff_offset(s.dynamicCombinedCoeffOffset);
    return pb.Finish();
  }

  Offset<fb::Net> net(const NetInfo &n) {
    auto name = b.CreateString(n.name);
    auto params =
        tables(n.stages, [&](const StageInfo &s) { return stage(s); });
    Offset<fb::Cascade> cascade;
    if (n.cascade) {
      auto main = b.CreateString(n.cascade->mainName);
      cascade =
          fb::CreateCascade(b, n.cascade->deviceId, n.cascade->step, main);
    }
    fb::NetBuilder nb(b);
    nb.add_name(name);
    nb.add_parameter(params);
    if (n.cascade)
      nb.add_cascade(cascade);
    nb.add_addr_mode(n.addrMode);
    return nb.Finish();
  }
};

llvm::Error validate(const ModelInfo &m, uint64_t blobBytes) {
  if (m.chip.empty())
    return makeErr("cannot write a bmodel without a chip name");
  if (m.nets.empty())
    return makeErr("cannot write a bmodel without nets");
  llvm::StringSet<> names;
  for (const NetInfo &n : m.nets) {
    if (n.name.empty())
      return makeErr("cannot write a net without a name");
    if (!names.insert(n.name).second)
      return makeErr(
          "net '" + n.name +
          "' appears twice; stages of one net belong in one NetInfo");
    if (n.stages.empty())
      return makeErr("net '" + n.name + "' has no stages");
    for (size_t s = 0; s < n.stages.size(); ++s) {
      const StageInfo &st = n.stages[s];
      std::string where = "net '" + n.name + "' stage " + std::to_string(s);
      if (st.inputs.empty() || st.outputs.empty())
        return makeErr(where + " needs at least one input and one output");
      for (const auto *list : {&st.inputs, &st.outputs})
        for (const TensorInfo &t : *list)
          if (t.shapes.empty() || t.name.empty())
            return makeErr(where + ": tensor '" + t.name +
                           "' needs a name and a shape");
    }
  }
  llvm::Error err = llvm::Error::success();
  ModelInfo copy = m;
  forEachBinary(copy, [&](BinaryRange &r) {
    if (!err && (r.start > blobBytes || r.size > blobBytes - r.start))
      err = makeErr("binary range [" + llvm::Twine(r.start) + ", +" +
                    llvm::Twine(r.size) +
                    ") was not returned by this writer's addBlob()");
  });
  return err;
}

void fillCheckCodes(ModelInfo &m, const BModelWriter &w) {
  for (NetInfo &n : m.nets)
    for (StageInfo &s : n.stages) {
      if (s.coeff && s.coeff->checkCode.empty()) {
        auto h = sha256(w.bytes(s.coeff->data));
        s.coeff->checkCode.assign(h.begin(), h.end());
      }
      for (SubNetInfo &sn : s.subnets)
        for (CpuParamInfo &p : sn.cpuParams)
          for (CpuConstInfo &c : p.consts)
            if (c.data && c.checkCode.empty()) {
              auto h = sha256(w.bytes(*c.data));
              c.checkCode.assign(h.begin(), h.end());
            }
    }
}

std::string currentTime() {
  std::time_t now = std::time(nullptr);
  char buf[64];
  if (!ctime_r(&now, buf))
    return "Thu Jan  1 00:00:00 1970\n";
  return buf;
}

void putLE32(std::vector<uint8_t> &out, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out[at + i] = uint8_t(v >> (8 * i));
}

} // namespace

llvm::Expected<std::vector<uint8_t>>
BModelWriter::serialize(const ModelInfo &model,
                        const WriteOptions &opts) const {
  if (opts.validate)
    if (auto e = validate(model, data_.size()))
      return e;
  ModelInfo m = model;
  fillCheckCodes(m, *this);
  // Lay the binary region out again from the model alone.
  BModelWriter region;
  forEachBinary(m, [&](BinaryRange &r) { r = region.addBlob(bytes(r)); });
  if (region.data_.size() > UINT32_MAX)
    return makeErr("the binary region would be " +
                   llvm::Twine(region.data_.size()) +
                   " bytes; a bmodel holds at most 4 GiB");

  std::string time = opts.fixedTime ? *opts.fixedTime : currentTime();
  if (time.empty() || time.back() != '\n')
    time += '\n';
  FbEmitter em;
  em.b.Finish(em.model(m, time));
  uint32_t fbSize = em.b.GetSize();

  std::vector<uint8_t> out(FileHeader::kSize, 0);
  putLE32(out, 0, FileHeader::kMagic);
  putLE32(out, 4, FileHeader::kSize);
  putLE32(out, 8, fbSize);
  putLE32(out, 12, uint32_t(region.data_.size()));
  out.insert(out.end(), em.b.GetBufferPointer(),
             em.b.GetBufferPointer() + fbSize);
  out.insert(out.end(), region.data_.begin(), region.data_.end());
  return out;
}

llvm::Error BModelWriter::writeAtomic(llvm::StringRef path,
                                      const ModelInfo &model,
                                      const WriteOptions &opts) const {
  auto bytes = serialize(model, opts);
  if (!bytes)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": " +
                                       llvm::toString(bytes.takeError()));
  return writeFileAtomic(path, *bytes);
}

llvm::Error writeFileAtomic(llvm::StringRef path,
                            llvm::ArrayRef<uint8_t> bytes) {
  // Renaming over a device or FIFO (e.g. `-o /dev/null`) would replace it with
  // a regular file; refuse instead.
  llvm::sys::fs::file_status st;
  if (!llvm::sys::fs::status(path, st) &&
      st.type() != llvm::sys::fs::file_type::regular_file)
    return makeErr(path + ": exists and is not a regular file; refusing to "
                          "replace it (give a file path)");
  llvm::SmallString<256> tmpModel(path);
  tmpModel += ".tmp-%%%%%%";
  int fd;
  llvm::SmallString<256> tmp;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(tmpModel, fd, tmp))
    return makeErr(
        path + ": cannot create a temporary file next to it: " + ec.message());
  bool ok = true;
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      if (n < 0 && errno == EINTR)
        continue;
      ok = false;
      break;
    }
    done += size_t(n);
  }
  if (::close(fd) != 0)
    ok = false;
  if (!ok) {
    llvm::sys::fs::remove(tmp);
    return makeErr(path + ": write failed (disk full?); nothing was written");
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, path)) {
    llvm::sys::fs::remove(tmp);
    return makeErr(path + ": cannot rename the temporary file into place: " +
                   ec.message());
  }
  return llvm::Error::success();
}

} // namespace bmodel
} // namespace onntc
