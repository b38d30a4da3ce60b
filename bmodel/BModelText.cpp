//===- BModelText.cpp - --info, --weight, --print text, memory accounting
//--===//
//
// The text follows the SDK's tpu_model line for line (docs/bmodel.md), so
// scripts that parse its output keep working.
//
//===----------------------------------------------------------------------===//
#include "bmodel/BModelOps.h"

#include "flatbuffers/idl.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace onntc {
namespace bmodel {

llvm::StringRef schemaText() {
  static const char kSchema[] =
#include "bmodel/BModelSchema.inc"
      ;
  return llvm::StringRef(kSchema, sizeof(kSchema) - 1);
}

static void addCmdGroups(const std::vector<CmdGroupInfo> &groups,
                         llvm::StringRef chip, MemInfo &info) {
  for (const CmdGroupInfo &g : groups) {
    if (chip == "BM1682") {
      info.bdcCmd += uint64_t(g.bdcNum) << 8;
      info.gdmaCmd += uint64_t(g.gdmaNum) << 8;
    } else if (chip == "BM1684") {
      info.bdcCmd += uint64_t(g.bdcNum) << 7;
      info.gdmaCmd += uint64_t(g.gdmaNum) << 7;
    } else {
      info.bdcCmd += g.bdc ? g.bdc->size : 0;
      info.gdmaCmd += g.gdma ? g.gdma->size : 0;
    }
  }
}

MemInfo computeMemInfo(const ModelInfo &model) {
  MemInfo info;
  uint64_t netMaxNeuron = 0;
  std::set<std::vector<uint8_t>> deviceCodes, hostCodes;
  for (const NetInfo &net : model.nets) {
    if (net.stages.empty())
      continue;
    // The SDK resets this per net, so of the nets with several subnets only
    // the last one counts; kept for identical figures.
    info.neuron = 0;
    uint64_t maxNeuron = 0;
    bool multiSubnet = false;
    for (size_t s = 0; s < net.stages.size(); ++s) {
      // The SDK's stage loop reads stage 0 every time; kept as well.
      const StageInfo &p = net.stages[0];
      maxNeuron = std::max(maxNeuron, p.ctxSize);
      if (p.subnets.size() > 1)
        multiSubnet = true;
      if (p.coeff && deviceCodes.insert(p.coeff->checkCode).second)
        info.coeff += p.coeff->data.size;
      for (const SubNetInfo &sn : p.subnets) {
        if (sn.mode == SubnetMode::Cpu) {
          if (sn.cpuParams.empty())
            continue;
          for (const CpuConstInfo &c : sn.cpuParams[0].consts)
            if (hostCodes.insert(c.checkCode).second)
              info.hostCoeff += c.data ? c.data->size : 0;
        } else if (sn.mode == SubnetMode::Tpu) {
          if (sn.isDynamic) {
            info.dynamicIR += uint64_t(sn.irLen) * 4;
            continue;
          }
          if (!sn.cmdGroups.empty())
            addCmdGroups(sn.cmdGroups, model.chip, info);
          else if (!sn.coreCommands.empty())
            addCmdGroups(sn.coreCommands[0].gdmaTiu, model.chip, info);
          if (model.chip == "SG2260")
            for (const CoreCommandsInfo &cc : sn.coreCommands) {
              for (const BinaryRange &r : cc.hau)
                info.hauCmd += r.size;
              for (const BinaryRange &r : cc.sdma)
                info.sdmaCmd += r.size;
            }
        }
      }
      info.hostNeuron += uint64_t(p.cpuMemSize) * 4;
      for (const auto *list : {&p.inputs, &p.outputs})
        for (const TensorInfo &t : *list)
          if (!t.shapes.empty())
            info.middleBuffer =
                std::max(info.middleBuffer, 4 * elementCount(t.shapes[0]));
    }
    if (multiSubnet)
      info.neuron += maxNeuron;
    else
      netMaxNeuron = std::max(netMaxNeuron, maxNeuron);
  }
  info.neuron += netMaxNeuron;
  return info;
}

namespace {

std::string shapeStr(const Shape &s, bool dynamic) {
  if (s.empty())
    return "[ ]";
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i)
    os << (dynamic ? "max:" : "") << s[i] << (i + 1 != s.size() ? ", " : "");
  os << "]";
  return os.str();
}

std::string tensorStr(const TensorInfo &t, bool output, bool dynamic) {
  std::ostringstream os;
  os << (output ? "output: " : "input: ") << t.name << ", "
     << shapeStr(t.shapes.empty() ? Shape() : t.shapes[0], dynamic) << ", "
     << dtypeName(t.dtype).str() << ", scale: " << t.scale
     << ", zero point: " << t.zeroPoint << "\n";
  return os.str();
}

void moduleLines(std::ostringstream &os, const BModel &model,
                 const std::optional<ModuleInfo> &m, llvm::StringRef label) {
  if (!m) {
    os << label.str() << ": not found!\n";
    return;
  }
  llvm::ArrayRef<uint8_t> bytes = model.bytes(m->binary);
  os << label.str() << " name: " << m->fileName << "\n";
  os << label.str() << " size: " << bytes.size() << "\n";
  os << label.str() << " md5: " << md5Hex(bytes) << "\n";
}

const char kRule[] = "==========================================\n";

} // namespace

std::string formatInfo(const BModel &model) {
  const ModelInfo &m = model.info();
  std::ostringstream os;
  os << "bmodel version: " << m.type << "." << m.version << "\n";
  os << "chip: " << m.chip;
  if (m.deviceNum > 1)
    os << ",  device num: " << m.deviceNum;
  os << "\ncreate time: " << m.time << "\n";
  moduleLines(os, model, m.kernelModule, "kernel_module");
  moduleLines(os, model, m.cpuopModule, "cpuop_module");

  std::map<std::string, std::vector<size_t>> cascades;
  for (size_t i = 0; i < m.nets.size(); ++i) {
    const NetInfo &net = m.nets[i];
    if (net.cascade && !net.cascade->mainName.empty()) {
      cascades[net.cascade->mainName].push_back(i);
      continue;
    }
    if (net.stages.empty())
      continue;
    bool dynamic = net.stages[0].isDynamic;
    os << kRule;
    os << "net " << i << ": [" << net.name << "]  "
       << (dynamic ? "dynamic" : "static") << "\n";
    if (net.addrMode)
      os << "addr mode: " << net.addrMode << "\n";
    for (size_t s = 0; s < net.stages.size(); ++s) {
      const StageInfo &st = net.stages[s];
      os << "------------\n";
      os << "stage " << s << ", core num: " << (st.coreNum ? st.coreNum : 1)
         << "\n";
      if (st.subnets.size() > 1)
        os << "subnet number: " << st.subnets.size() << "\n";
      bool dynDims = st.nDynamic || st.hwDynamic;
      for (const TensorInfo &t : st.inputs)
        os << tensorStr(t, false, dynDims);
      for (const TensorInfo &t : st.outputs)
        os << tensorStr(t, true, false);
      // Not in the SDK's --info: only printed when the stage has one.
      if (st.netProfile)
        os << "net profile: " << st.netProfile->size << " bytes\n";
    }
  }
  for (const auto &c : cascades) {
    os << kRule;
    os << "net: [" << c.first << "]  cascade\n";
    struct Item {
      uint32_t dev;
      const TensorInfo *t;
    };
    std::vector<Item> ins, outs;
    for (size_t idx : c.second) {
      const NetInfo &net = m.nets[idx];
      const StageInfo &st = net.stages[0];
      for (const auto *list : {&st.inputs, &st.outputs})
        for (const TensorInfo &t : *list) {
          if (t.hidden == 1 || t.hidden == 3)
            ins.push_back({net.cascade->deviceId, &t});
          else if (t.hidden == 2 || t.hidden == 4)
            outs.push_back({net.cascade->deviceId, &t});
        }
    }
    auto order = [](const Item &a, const Item &b) {
      return a.dev != b.dev ? a.dev < b.dev : a.t->index < b.t->index;
    };
    std::stable_sort(ins.begin(), ins.end(), order);
    std::stable_sort(outs.begin(), outs.end(), order);
    for (const Item &i : ins)
      os << tensorStr(*i.t, false, false);
    for (const Item &o : outs)
      os << tensorStr(*o.t, true, false);
  }
  os << "\n";
  MemInfo mem = computeMemInfo(m);
  os << "\n";
  os << "device mem size: " << mem.device() << " (weight: " << mem.coeff
     << ", instruct: " << mem.instruct() << ", runtime: " << mem.runtime()
     << ")\n";
  os << "host mem size: " << mem.host() << " (weight: " << mem.hostCoeff
     << ", runtime: " << mem.hostNeuron << ")\n";
  return os.str();
}

std::string formatWeights(const BModel &model) {
  const ModelInfo &m = model.info();
  std::string out;
  llvm::raw_string_ostream os(out);
  for (size_t i = 0; i < m.nets.size(); ++i) {
    const NetInfo &net = m.nets[i];
    for (size_t s = 0; s < net.stages.size(); ++s) {
      const StageInfo &st = net.stages[s];
      if (!st.coeff || st.coeff->locations.empty())
        continue;
      os << "net " << i << " : \"" << net.name << "\", stage:" << s << "\n";
      os << "-------------------------------\n";
      for (const LocationInfo &l : st.coeff->locations)
        os << l.name << " : ["
           << llvm::format("0x%llx", (unsigned long long)l.offset) << ", "
           << llvm::format("0x%llx", (unsigned long long)(l.offset + l.size))
           << ")\n";
      os << kRule;
    }
  }
  return os.str();
}

llvm::Expected<std::string> printAsText(const BModel &model) {
  flatbuffers::Parser parser;
  parser.opts.output_default_scalars_in_json = true;
  if (!parser.Parse(schemaText().str().c_str()))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "built-in bmodel schema does not parse: " +
                                       parser.error_);
  std::string text;
  if (!flatbuffers::GenerateText(parser, model.flatbuffer().data(), &text))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        model.path() + ": cannot print the flatbuffer as text (a string is "
                       "not valid UTF-8)");
  return text;
}

} // namespace bmodel
} // namespace onntc
