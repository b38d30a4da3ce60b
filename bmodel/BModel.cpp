//===- BModel.cpp - dtypes, binary walks, hashes
//---------------------------===//
#include "bmodel/BModel.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/MD5.h"
#include "llvm/Support/SHA256.h"

namespace onntc {
namespace bmodel {

namespace {
struct DTypeRow {
  DType type;
  const char *name;
  unsigned bits;
};
// Order and names as the SDK's bm_data_type_t and tpu_model print them.
constexpr DTypeRow kDTypes[] = {
    {DType::F32, "float32", 32},   {DType::F16, "float16", 16},
    {DType::I8, "int8", 8},        {DType::U8, "uint8", 8},
    {DType::I16, "int16", 16},     {DType::U16, "uint16", 16},
    {DType::I32, "int32", 32},     {DType::U32, "uint32", 32},
    {DType::BF16, "bfloat16", 16}, {DType::I4, "int4", 4},
    {DType::U4, "uint4", 4},
};
const DTypeRow *findDType(DType t) {
  auto v = static_cast<uint32_t>(t);
  if (v >= sizeof(kDTypes) / sizeof(kDTypes[0]))
    return nullptr;
  return &kDTypes[v];
}
} // namespace

llvm::StringRef dtypeName(DType t) {
  const DTypeRow *r = findDType(t);
  return r ? r->name : "unkown";
}

std::optional<DType> parseDType(llvm::StringRef name) {
  for (const DTypeRow &r : kDTypes)
    if (name == r.name)
      return r.type;
  return std::nullopt;
}

unsigned dtypeBits(DType t) {
  const DTypeRow *r = findDType(t);
  return r ? r->bits : 0;
}

uint64_t dtypeBytes(DType t, uint64_t elements) {
  return (elements * dtypeBits(t) + 7) / 8;
}

uint64_t elementCount(const Shape &s) {
  uint64_t n = 1;
  for (uint64_t d : s)
    n *= d;
  return n;
}

static void walkCmdGroup(CmdGroupInfo &g,
                         llvm::function_ref<void(BinaryRange &)> fn) {
  if (g.bdc)
    fn(*g.bdc);
  if (g.gdma)
    fn(*g.gdma);
}

static void walkSubnet(SubNetInfo &sn,
                       llvm::function_ref<void(BinaryRange &)> fn) {
  for (CmdGroupInfo &g : sn.cmdGroups)
    walkCmdGroup(g, fn);
  for (CpuParamInfo &p : sn.cpuParams) {
    if (p.param)
      fn(*p.param);
    for (CpuConstInfo &c : p.consts)
      if (c.data)
        fn(*c.data);
  }
  for (CoreCommandsInfo &cc : sn.coreCommands) {
    for (CmdGroupInfo &g : cc.gdmaTiu)
      walkCmdGroup(g, fn);
    for (BinaryRange &r : cc.sdma)
      fn(r);
    for (BinaryRange &r : cc.hau)
      fn(r);
    for (BinaryRange &r : cc.cdma)
      fn(r);
  }
}

void forEachBinary(StageInfo &st, llvm::function_ref<void(BinaryRange &)> fn) {
  if (st.coeff)
    fn(st.coeff->data);
  for (CmdGroupInfo &g : st.cmdGroups)
    walkCmdGroup(g, fn);
  if (st.netProfile)
    fn(*st.netProfile);
  if (st.binaryIR)
    fn(*st.binaryIR);
  for (SubNetInfo &sn : st.subnets)
    walkSubnet(sn, fn);
  if (st.netStat)
    fn(*st.netStat);
  if (st.tensorLoc)
    fn(*st.tensorLoc);
}

void forEachBinary(ModelInfo &m, llvm::function_ref<void(BinaryRange &)> fn) {
  if (m.kernelModule)
    fn(m.kernelModule->binary);
  if (m.cpuopModule)
    fn(m.cpuopModule->binary);
  if (m.libBackend)
    fn(*m.libBackend);
  for (NetInfo &n : m.nets)
    for (StageInfo &s : n.stages)
      forEachBinary(s, fn);
}

std::array<uint8_t, 32> sha256(llvm::ArrayRef<uint8_t> bytes) {
  return llvm::SHA256::hash(bytes);
}

std::string md5Hex(llvm::ArrayRef<uint8_t> bytes) {
  llvm::MD5 h;
  h.update(bytes);
  llvm::MD5::MD5Result r;
  h.final(r);
  return std::string(r.digest().str());
}

} // namespace bmodel
} // namespace onntc
