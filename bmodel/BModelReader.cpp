//===- BModelReader.cpp - opens and checks .bmodel files
//-------------------===//
//
// Reading goes: header against file size, flatbuffers verifier, conversion of
// the flatbuffer into the ModelInfo view (upgrading pre-`parameter` nets),
// then checks of every binary range and every stage. Nothing here trusts the
// file: each failure is an Error naming the file.
//
//===----------------------------------------------------------------------===//
#include "bmodel/BModel.h"
#include "bmodel/bmodel_generated.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Process.h"

#include <cstring>

namespace onntc {
namespace bmodel {

namespace fb = ::bmodel;

struct BModel::Storage {
  std::unique_ptr<llvm::sys::fs::mapped_file_region> mapping;
  std::vector<uint8_t> copy;
  /// 8-byte aligned copy of a flatbuffer that is not aligned in the file.
  std::vector<uint64_t> alignedFb;
};

BModel::~BModel() = default;
BModel::BModel(BModel &&) = default;
BModel &BModel::operator=(BModel &&) = default;

llvm::ArrayRef<uint8_t> BModel::flatbuffer() const { return fb_; }

llvm::ArrayRef<uint8_t> BModel::binaryRegion() const {
  return data_.slice(uint64_t(header_.headerSize) + header_.flatbuffersSize,
                     header_.binarySize);
}

llvm::ArrayRef<uint8_t> BModel::bytes(BinaryRange r) const {
  llvm::ArrayRef<uint8_t> region = binaryRegion();
  if (r.start >= region.size())
    return {};
  uint64_t n = std::min<uint64_t>(r.size, region.size() - r.start);
  return region.slice(r.start, n);
}

namespace {

llvm::Error fileError(llvm::StringRef path, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": " + msg);
}

std::optional<BinaryRange> range(const fb::Binary *b) {
  if (!b)
    return std::nullopt;
  return BinaryRange{b->start(), b->size()};
}

template <typename T, typename FB>
std::vector<T> scalars(const flatbuffers::Vector<FB> *v) {
  std::vector<T> out;
  if (v)
    out.assign(v->begin(), v->end());
  return out;
}

std::vector<BinaryRange>
ranges(const flatbuffers::Vector<const fb::Binary *> *v) {
  std::vector<BinaryRange> out;
  if (v)
    for (const fb::Binary *b : *v)
      out.push_back(BinaryRange{b->start(), b->size()});
  return out;
}

// Applies `conv` to every element of a vector of tables (absent = empty).
template <typename T, typename FB, typename Fn>
std::vector<T> tables(const flatbuffers::Vector<flatbuffers::Offset<FB>> *v,
                      Fn conv) {
  std::vector<T> out;
  if (v)
    for (const FB *e : *v)
      out.push_back(conv(*e));
  return out;
}

std::string str(const flatbuffers::String *s) {
  return s ? s->str() : std::string();
}

TensorInfo convTensor(const fb::Tensor &t) {
  TensorInfo r;
  r.name = str(t.name());
  r.dtype = static_cast<DType>(t.data_type());
  r.gmemStmode = t.gmem_stmode();
  r.deviceAddr = t.device_addr();
  r.size = t.size();
  r.shapes = tables<Shape>(
      t.shape(), [](const fb::Shape &s) { return scalars<uint64_t>(s.dim()); });
  r.memType = t.mem_type();
  r.scale = t.scale();
  r.cpuAddr = t.cpu_addr();
  r.padH = t.pad_h();
  r.zeroPoint = t.zero_point();
  r.hidden = t.hidden();
  r.index = t.index();
  return r;
}

CmdGroupInfo convCmdGroup(const fb::CmdGroup &g) {
  CmdGroupInfo r;
  r.bdcNum = g.bdc_num();
  r.gdmaNum = g.gdma_num();
  r.bdc = range(g.binary_bdc());
  r.gdma = range(g.binary_gdma());
  r.bdcCmdByte = g.bdc_cmd_byte();
  r.gdmaCmdByte = g.gdma_cmd_byte();
  return r;
}

StageIRInfo convStageIR(const fb::StageIR &s) {
  StageIRInfo r;
  r.irInfoLen = s.ir_info_len();
  r.heightHigh = s.height_high();
  r.heightLow = s.height_low();
  r.widthHigh = s.width_high();
  r.widthLow = s.width_low();
  return r;
}

std::optional<CoeffInfo> convCoeff(const fb::CoeffMem *c) {
  if (!c)
    return std::nullopt;
  CoeffInfo r;
  r.address = c->address();
  r.checkCode = scalars<uint8_t>(c->check_code());
  if (auto b = range(c->binary_coeff()))
    r.data = *b;
  r.locations = tables<LocationInfo>(c->location(), [](const fb::Location &l) {
    return LocationInfo{str(l.name()), l.offset(), l.size()};
  });
  r.encryptMode = c->encrypt_mode();
  r.decryptSize = c->decrypt_size();
  return r;
}

CpuParamInfo convCpuParam(const fb::CpuParam &p) {
  CpuParamInfo r;
  r.opType = p.op_type();
  r.param = range(p.binary_param());
  r.consts = tables<CpuConstInfo>(p.cpu_const(), [](const fb::CpuConst &c) {
    return CpuConstInfo{str(c.name()), range(c.const_data()),
                        scalars<uint8_t>(c.check_code())};
  });
  r.isCustom = p.is_custom();
  return r;
}

SubNetInfo convSubnet(const fb::SubNet &s) {
  SubNetInfo r;
  r.mode = static_cast<SubnetMode>(s.subnet_mode());
  r.cmdGroups = tables<CmdGroupInfo>(s.cmd_group(), convCmdGroup);
  r.cpuParams = tables<CpuParamInfo>(s.cpu_param(), convCpuParam);
  r.inputs = tables<TensorInfo>(s.input_tensor(), convTensor);
  r.outputs = tables<TensorInfo>(s.output_tensor(), convTensor);
  r.isDynamic = s.is_dynamic() != 0;
  r.irOffset = s.ir_offset();
  r.irLen = s.ir_len();
  r.nDynamic = s.n_dynamic() != 0;
  r.hwDynamic = s.h_w_dynamic() != 0;
  r.id = s.id();
  r.nextSubnetIds = scalars<int32_t>(s.next_subnet_ids());
  if (const fb::MergeParam *m = s.merge_param())
    r.merge = MergeParamInfo{tables<std::vector<int32_t>>(
        m->output_from(),
        [](const fb::OutputFrom &o) { return scalars<int32_t>(o.indice()); })};
  if (const fb::SwitchParam *sw = s.switch_param())
    r.switchParam = SwitchParamInfo{scalars<int32_t>(sw->output_from()),
                                    scalars<int32_t>(sw->output_branch())};
  r.coreCommands = tables<CoreCommandsInfo>(
      s.core_commands(), [](const fb::CoreCommands &c) {
        CoreCommandsInfo cc;
        cc.gdmaTiu = tables<CmdGroupInfo>(c.gdma_tiu_commands(), convCmdGroup);
        cc.sdma = ranges(c.sdma_commands());
        cc.hau = ranges(c.hau_commands());
        cc.cdma = ranges(c.cdma_commands());
        return cc;
      });
  return r;
}

StageInfo convStage(const fb::NetParameter &p) {
  StageInfo r;
  r.inputs = tables<TensorInfo>(p.input_tensor(), convTensor);
  r.outputs = tables<TensorInfo>(p.output_tensor(), convTensor);
  r.ctxAddr = p.ctx_addr();
  r.ctxSize = p.ctx_size();
  r.coeff = convCoeff(p.coeff_mem());
  r.isDynamic = p.is_dynamic() != 0;
  r.nDynamic = p.n_dynamic() != 0;
  r.hwDynamic = p.h_w_dynamic() != 0;
  r.cmdGroups = tables<CmdGroupInfo>(p.cmd_group(), convCmdGroup);
  r.netProfile = range(p.net_profile());
  r.stageIR = tables<StageIRInfo>(p.stage_ir(), convStageIR);
  r.binaryIR = range(p.binary_ir());
  r.subnets = tables<SubNetInfo>(p.sub_net(), convSubnet);
  r.cpuMemSize = p.cpu_mem_size();
  r.ctxSizes = scalars<uint64_t>(p.ctx_sizes());
  r.netStat = range(p.net_stat());
  r.coreNum = p.core_num();
  r.ioAddr = p.io_addr();
  r.ioSize = p.io_size();
  r.tensorLoc = range(p.tensor_loc());
  r.dynamicCtxAddr = p.dynamic_ctx_addr();
  r.dynamicCoeffOffset = p.dynamic_coeff_offset();
  r.dynamicCombinedCoeffOffset = p.dynamic_combined_coeff_offset();
  return r;
}

// Files written before `Net.parameter` existed keep static and dynamic stages
// in separate legacy tables; they become ordinary stages here.
StageInfo convLegacyStatic(const fb::NetStatic &p) {
  StageInfo r;
  r.inputs = tables<TensorInfo>(p.input_tensor(), convTensor);
  r.outputs = tables<TensorInfo>(p.output_tensor(), convTensor);
  r.cmdGroups = tables<CmdGroupInfo>(p.cmd_group(), convCmdGroup);
  r.ctxAddr = p.ctx_addr();
  r.ctxSize = p.ctx_size();
  r.coeff = convCoeff(p.coeff_mem());
  r.subnets = tables<SubNetInfo>(p.sub_net(), convSubnet);
  r.netProfile = range(p.net_profile());
  return r;
}

StageInfo convLegacyDynamic(const fb::NetDynamic &p) {
  StageInfo r;
  r.isDynamic = true;
  r.inputs = tables<TensorInfo>(p.input_tensor(), convTensor);
  r.outputs = tables<TensorInfo>(p.output_tensor(), convTensor);
  r.nDynamic = p.n_dynamic() != 0;
  r.hwDynamic = p.h_w_dynamic() != 0;
  r.stageIR = tables<StageIRInfo>(p.stage_ir(), convStageIR);
  r.binaryIR = range(p.binary_ir());
  r.ctxAddr = p.ctx_addr();
  r.ctxSize = p.ctx_size();
  r.coeff = convCoeff(p.coeff_mem());
  r.subnets = tables<SubNetInfo>(p.sub_net(), convSubnet);
  return r;
}

NetInfo convNet(const fb::Net &n) {
  NetInfo r;
  r.name = str(n.name());
  if (n.parameter() && n.parameter()->size()) {
    r.stages = tables<StageInfo>(n.parameter(), convStage);
  } else {
    r.stages = tables<StageInfo>(n.net_static(), convLegacyStatic);
    for (StageInfo &s : tables<StageInfo>(n.net_dynamic(), convLegacyDynamic))
      r.stages.push_back(std::move(s));
  }
  if (const fb::Cascade *c = n.cascade())
    r.cascade = CascadeInfo{c->device_id(), c->step(), str(c->main_name())};
  r.addrMode = n.addr_mode();
  return r;
}

std::optional<ModuleInfo> convModule(const flatbuffers::String *name,
                                     const fb::Binary *bin) {
  ModuleInfo m;
  m.fileName = str(name);
  if (bin)
    m.binary = BinaryRange{bin->start(), bin->size()};
  return m;
}

llvm::Error checkTensors(llvm::StringRef path, const NetInfo &net, size_t s,
                         const std::vector<TensorInfo> &ts,
                         llvm::StringRef what) {
  std::string where = ("net '" + net.name + "' stage " + llvm::Twine(s)).str();
  if (ts.empty())
    return fileError(path, where + " has no " + what +
                               " tensors; the file is damaged or was not "
                               "written by a bmodel writer");
  for (const TensorInfo &t : ts)
    if (t.shapes.empty())
      return fileError(path, where + ": " + what + " tensor '" + t.name +
                                 "' has no shape");
  return llvm::Error::success();
}

llvm::Error checkModel(llvm::StringRef path, ModelInfo &m,
                       uint64_t binarySize) {
  if (m.nets.empty())
    return fileError(path, "the model has no nets");
  auto checkRange = [&](const BinaryRange &r,
                        const llvm::Twine &where) -> llvm::Error {
    if (r.start > binarySize || r.size > binarySize - r.start)
      return fileError(path, where + ": binary range [" + llvm::Twine(r.start) +
                                 ", +" + llvm::Twine(r.size) +
                                 ") lies past the end of the binary region (" +
                                 llvm::Twine(binarySize) + " bytes)");
    return llvm::Error::success();
  };
  if (m.kernelModule)
    if (auto e = checkRange(m.kernelModule->binary, "kernel_module"))
      return e;
  if (m.cpuopModule)
    if (auto e = checkRange(m.cpuopModule->binary, "cpuop_module"))
      return e;
  if (m.libBackend)
    if (auto e = checkRange(*m.libBackend, "lib_backend"))
      return e;
  for (NetInfo &net : m.nets) {
    if (net.stages.empty())
      return fileError(path, "net '" + net.name + "' has no stages");
    for (size_t s = 0; s < net.stages.size(); ++s) {
      StageInfo &st = net.stages[s];
      if (auto e = checkTensors(path, net, s, st.inputs, "input"))
        return e;
      if (auto e = checkTensors(path, net, s, st.outputs, "output"))
        return e;
      llvm::Error err = llvm::Error::success();
      forEachBinary(st, [&](BinaryRange &r) {
        if (err)
          return;
        err = checkRange(r, "net '" + net.name + "' stage " + llvm::Twine(s));
      });
      if (err)
        return err;
      for (const SubNetInfo &sn : st.subnets)
        if (sn.mode == SubnetMode::Cpu && sn.cpuParams.empty())
          return fileError(path, "net '" + net.name + "' stage " +
                                     llvm::Twine(s) +
                                     ": a CPU subnet has no cpu_param");
    }
  }
  return llvm::Error::success();
}

uint32_t le32(const uint8_t *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
         uint32_t(p[3]) << 24;
}

} // namespace

// Parses `data` (which `model` owns through its storage).
static llvm::Error parseInto(llvm::ArrayRef<uint8_t> data,
                             std::vector<uint64_t> &alignedFb,
                             llvm::ArrayRef<uint8_t> &fbOut,
                             llvm::StringRef path, FileHeader &h,
                             ModelInfo &info) {
  if (data.size() < FileHeader::kSize)
    return fileError(path, "file is " + llvm::Twine(data.size()) +
                               " bytes, shorter than the 64-byte bmodel "
                               "header; not a bmodel or truncated");
  h.magic = le32(data.data());
  h.headerSize = le32(data.data() + 4);
  h.flatbuffersSize = le32(data.data() + 8);
  h.binarySize = le32(data.data() + 12);
  for (unsigned i = 0; i < 12; ++i)
    h.reserved[i] = le32(data.data() + 16 + 4 * i);
  if (h.magic != FileHeader::kMagic)
    return fileError(path, "bad magic 0x" + llvm::utohexstr(h.magic) +
                               " (a bmodel starts with 0xFF55AAEE" +
                               (h.magic == 0xFF55AAFF
                                    ? "; 0xFF55AAFF is the old bmtap2 "
                                      "format, which is not supported"
                                    : "") +
                               ")");
  if (h.headerSize < FileHeader::kSize)
    return fileError(path, "header_size " + llvm::Twine(h.headerSize) +
                               " is smaller than 64");
  uint64_t need =
      uint64_t(h.headerSize) + h.flatbuffersSize + uint64_t(h.binarySize);
  if (need > data.size())
    return fileError(path,
                     "header says " + llvm::Twine(need) + " bytes (header " +
                         llvm::Twine(h.headerSize) + " + flatbuffer " +
                         llvm::Twine(h.flatbuffersSize) + " + binary " +
                         llvm::Twine(h.binarySize) + ") but the file has " +
                         llvm::Twine(data.size()) + "; truncated?");
  const uint8_t *fbuf = data.data() + h.headerSize;
  // Flatbuffers reads scalars in place; keep them aligned.
  if (reinterpret_cast<uintptr_t>(fbuf) % 8 != 0) {
    alignedFb.assign((h.flatbuffersSize + 7) / 8, 0);
    std::memcpy(alignedFb.data(), fbuf, h.flatbuffersSize);
    fbuf = reinterpret_cast<const uint8_t *>(alignedFb.data());
  }
  fbOut = llvm::ArrayRef<uint8_t>(fbuf, h.flatbuffersSize);
  // Deep models have deep tables (net/stage/subnet/core/group); 64 levels is
  // the flatbuffers default and far more than the schema nests.
  flatbuffers::Verifier v(fbuf, h.flatbuffersSize, 64, 1u << 26);
  if (h.flatbuffersSize < 8 || !fb::VerifyModelBuffer(v))
    return fileError(path, "the flatbuffer (" + llvm::Twine(h.flatbuffersSize) +
                               " bytes) fails verification against the "
                               "bmodel schema; the file is damaged");
  const fb::Model *m = fb::GetModel(fbuf);
  info.type = str(m->type());
  info.version = str(m->version());
  info.time = str(m->time());
  info.chip = str(m->chip());
  info.nets = tables<NetInfo>(m->net(), convNet);
  info.neuronSize = m->neuron_size();
  if (const fb::KernelModule *k = m->kernel_module())
    info.kernelModule = convModule(k->file_name(), k->binary());
  info.deviceNum = m->device_num();
  if (const fb::CpuopModule *c = m->cpuop_module())
    info.cpuopModule = convModule(c->file_name(), c->binary());
  info.bmodelType = m->bmodel_type();
  info.libBackend = range(m->lib_backend());
  return checkModel(path, info, h.binarySize);
}

llvm::Expected<BModel> readBModel(llvm::StringRef path) {
  int fd;
  if (std::error_code ec = llvm::sys::fs::openFileForRead(path, fd))
    return fileError(path, "cannot open: " + ec.message());
  llvm::sys::fs::file_status st;
  std::error_code ec = llvm::sys::fs::status(fd, st);
  if (!ec && st.type() != llvm::sys::fs::file_type::regular_file)
    ec = std::make_error_code(std::errc::invalid_argument);
  if (ec) {
    llvm::sys::Process::SafelyCloseFileDescriptor(fd);
    return fileError(path, "not a regular file");
  }
  BModel model;
  model.storage_ = std::make_unique<BModel::Storage>();
  model.path_ = path.str();
  uint64_t size = st.getSize();
  if (size >= FileHeader::kSize) {
    auto map = std::make_unique<llvm::sys::fs::mapped_file_region>(
        llvm::sys::fs::convertFDToNativeFile(fd),
        llvm::sys::fs::mapped_file_region::readonly, size, 0, ec);
    if (ec) {
      llvm::sys::Process::SafelyCloseFileDescriptor(fd);
      return fileError(path, "cannot map: " + ec.message());
    }
    model.data_ = llvm::ArrayRef<uint8_t>(
        reinterpret_cast<const uint8_t *>(map->const_data()), size);
    model.storage_->mapping = std::move(map);
  }
  llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  if (size < FileHeader::kSize)
    return fileError(path, "file is " + llvm::Twine(size) +
                               " bytes, shorter than the 64-byte bmodel "
                               "header; not a bmodel or truncated");
  if (auto e = parseInto(model.data_, model.storage_->alignedFb, model.fb_,
                         path, model.header_, model.info_))
    return e;
  return model;
}

llvm::Expected<BModel> readBModelBytes(llvm::ArrayRef<uint8_t> bytes,
                                       llvm::StringRef name) {
  BModel model;
  model.storage_ = std::make_unique<BModel::Storage>();
  model.storage_->copy.assign(bytes.begin(), bytes.end());
  model.data_ = model.storage_->copy;
  model.path_ = name.str();
  if (auto e = parseInto(model.data_, model.storage_->alignedFb, model.fb_,
                         name, model.header_, model.info_))
    return e;
  return model;
}

llvm::Error verifyCheckCodes(const BModel &model) {
  auto check = [&](const std::vector<uint8_t> &code, BinaryRange r,
                   const llvm::Twine &where) -> llvm::Error {
    if (code.empty())
      return llvm::Error::success();
    auto h = sha256(model.bytes(r));
    if (code.size() != h.size() ||
        std::memcmp(code.data(), h.data(), h.size()) != 0)
      return fileError(model.path(),
                       where + ": check_code is not the SHA-256 of its " +
                           llvm::Twine(r.size) +
                           " bytes; the weights were changed or damaged");
    return llvm::Error::success();
  };
  const ModelInfo &m = model.info();
  for (const NetInfo &net : m.nets)
    for (size_t s = 0; s < net.stages.size(); ++s) {
      const StageInfo &st = net.stages[s];
      if (st.coeff && st.coeff->encryptMode == 0)
        if (auto e = check(st.coeff->checkCode, st.coeff->data,
                           "net '" + net.name + "' stage " + llvm::Twine(s) +
                               " coeff"))
          return e;
      for (const SubNetInfo &sn : st.subnets)
        for (const CpuParamInfo &p : sn.cpuParams)
          for (const CpuConstInfo &c : p.consts)
            if (c.data)
              if (auto e =
                      check(c.checkCode, *c.data,
                            "net '" + net.name + "' stage " + llvm::Twine(s) +
                                " cpu const '" + c.name + "'"))
                return e;
    }
  return llvm::Error::success();
}

} // namespace bmodel
} // namespace onntc
