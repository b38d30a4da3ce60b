//===- BModel.h - typed view of a .bmodel file -----------------*- C++ -*-===//
//
// The one C++ description of a .bmodel that the rest of OpenNNTC uses: the
// backend fills these structs to write a file, the runtime and tools get them
// back from readBModel(). The flatbuffers types generated from bmodel.fbs stay
// private to bmodel/ (see docs/bmodel.md).
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_BMODEL_BMODEL_H
#define ONNTC_BMODEL_BMODEL_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace onntc {
namespace bmodel {

/// Element type of a tensor, numbered as the SDK's `bm_data_type_t`. Files may
/// carry values outside this list; they are kept as they are.
enum class DType : uint32_t {
  F32 = 0,
  F16 = 1,
  I8 = 2,
  U8 = 3,
  I16 = 4,
  U16 = 5,
  I32 = 6,
  U32 = 7,
  BF16 = 8,
  I4 = 9,
  U4 = 10,
};

/// The SDK's name of a dtype ("float32", ...), "unkown" (sic, as the SDK
/// prints it) for a value outside the list.
llvm::StringRef dtypeName(DType t);
/// Parses a name of dtypeName(); None for anything else.
std::optional<DType> parseDType(llvm::StringRef name);
/// Bits per element; 0 for an unknown dtype.
unsigned dtypeBits(DType t);
/// Bytes taken by `elements` elements of `t` (int4 packs two per byte,
/// rounded up); 0 for an unknown dtype.
uint64_t dtypeBytes(DType t, uint64_t elements);

/// A byte range inside the binary region of a file (offsets count from the
/// first byte after the flatbuffer, not from the start of the file).
struct BinaryRange {
  uint64_t start = 0;
  uint64_t size = 0;
  bool operator==(const BinaryRange &o) const {
    return start == o.start && size == o.size;
  }
};

using Shape = std::vector<uint64_t>;
/// Product of the dims (1 for a scalar shape).
uint64_t elementCount(const Shape &s);

/// One input or output tensor of a stage or subnet.
struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  int32_t gmemStmode = 0; ///< 0 BM_STORE_1N, 1 2N, 2 4N.
  uint64_t deviceAddr = 0;
  uint64_t size = 0; ///< Device bytes reserved.
  /// Static nets hold one shape; dynamic nets the max shape of the stage.
  std::vector<Shape> shapes;
  uint32_t memType = 0;
  float scale = 1.0f;
  uint32_t cpuAddr = 0;
  uint32_t padH = 0;
  int32_t zeroPoint = 0;
  int32_t hidden = 0; ///< Cascade: 0 hidden, 1 input, 2 output.
  int32_t index = 0;
};

/// One id-synchronised group of BDC (TIU) and GDMA commands.
struct CmdGroupInfo {
  uint32_t bdcNum = 0;
  uint32_t gdmaNum = 0;
  std::optional<BinaryRange> bdc;
  std::optional<BinaryRange> gdma;
  uint32_t bdcCmdByte = 0;
  uint32_t gdmaCmdByte = 0;
};

/// Per-core command lists of a multi-core chip.
struct CoreCommandsInfo {
  std::vector<CmdGroupInfo> gdmaTiu;
  std::vector<BinaryRange> sdma;
  std::vector<BinaryRange> hau;
  std::vector<BinaryRange> cdma;
};

struct StageIRInfo {
  uint32_t irInfoLen = 0;
  int32_t heightHigh = 0;
  int32_t heightLow = 0;
  int32_t widthHigh = 0;
  int32_t widthLow = 0;
};

/// The coefficients of one op inside CoeffInfo::data.
struct LocationInfo {
  std::string name;
  uint64_t offset = 0;
  uint64_t size = 0;
};

/// The weights of one stage.
struct CoeffInfo {
  uint64_t address = 0; ///< Device address the commands were compiled for.
  /// SHA-256 of the coefficient bytes. Left empty, the writer computes it.
  std::vector<uint8_t> checkCode;
  BinaryRange data;
  std::vector<LocationInfo> locations;
  int32_t encryptMode = 0;
  uint64_t decryptSize = 0;
};

struct CpuConstInfo {
  std::string name;
  std::optional<BinaryRange> data;
  /// SHA-256 of the constant. Left empty, the writer computes it.
  std::vector<uint8_t> checkCode;
};

struct CpuParamInfo {
  int32_t opType = 0;
  std::optional<BinaryRange> param;
  std::vector<CpuConstInfo> consts;
  int32_t isCustom = 0;
};

struct MergeParamInfo {
  std::vector<std::vector<int32_t>> outputFrom;
};

struct SwitchParamInfo {
  std::vector<int32_t> outputFrom;
  std::vector<int32_t> outputBranch; ///< 0 false branch, 1 true branch.
};

enum class SubnetMode : int32_t { Tpu = 0, Cpu = 1 };

/// A part of a stage that runs on one engine: TPU commands, TPU IR
/// interpreted at run time, or host (CPU) layers.
struct SubNetInfo {
  SubnetMode mode = SubnetMode::Tpu;
  std::vector<CmdGroupInfo> cmdGroups;
  std::vector<CpuParamInfo> cpuParams;
  std::vector<TensorInfo> inputs;
  std::vector<TensorInfo> outputs;
  bool isDynamic = false;
  uint32_t irOffset = 0;
  uint32_t irLen = 0; ///< In 32-bit words.
  bool nDynamic = false;
  bool hwDynamic = false;
  int32_t id = -1;
  std::vector<int32_t> nextSubnetIds;
  std::optional<MergeParamInfo> merge;
  std::optional<SwitchParamInfo> switchParam;
  std::vector<CoreCommandsInfo> coreCommands;
};

/// One stage of a net (the file's `NetParameter`): one compiled input shape.
struct StageInfo {
  std::vector<TensorInfo> inputs;
  std::vector<TensorInfo> outputs;
  uint64_t ctxAddr = 0; ///< Base device address of the neuron memory.
  uint64_t ctxSize = 0; ///< Neuron memory bytes.
  std::optional<CoeffInfo> coeff;
  bool isDynamic = false;
  bool nDynamic = false;
  bool hwDynamic = false;
  std::vector<CmdGroupInfo> cmdGroups;
  std::optional<BinaryRange> netProfile;
  std::vector<StageIRInfo> stageIR;
  std::optional<BinaryRange> binaryIR;
  std::vector<SubNetInfo> subnets;
  uint32_t cpuMemSize = 0; ///< In 4-byte words.
  std::vector<uint64_t> ctxSizes;
  std::optional<BinaryRange> netStat;
  uint32_t coreNum = 0; ///< 0 means 1.
  uint64_t ioAddr = 0;
  uint64_t ioSize = 0;
  std::optional<BinaryRange> tensorLoc;
  uint64_t dynamicCtxAddr = 0;
  uint64_t dynamicCoeffOffset = 0;
  uint64_t dynamicCombinedCoeffOffset = 0;
};

struct CascadeInfo {
  uint32_t deviceId = 0;
  uint32_t step = 0;
  std::string mainName;
};

/// A named net with one or more stages.
struct NetInfo {
  std::string name;
  std::vector<StageInfo> stages;
  std::optional<CascadeInfo> cascade;
  /// 0 basic, 1 io-alone, 2 io-tag, 3 io-tag-fuse.
  int32_t addrMode = 0;
};

/// An embedded library (TPU kernel module or CPU-op module).
struct ModuleInfo {
  std::string fileName;
  BinaryRange binary;
};

/// The whole model.
struct ModelInfo {
  /// Read from the file; the writer always writes "B" and its own version.
  std::string type = "B";
  std::string version;
  /// ctime() form, including its trailing newline.
  std::string time;
  std::string chip; ///< "BM1684", "BM1684X", ... upper case.
  std::vector<NetInfo> nets;
  /// Read from the file; the writer stores the largest stage ctxSize.
  uint64_t neuronSize = 0;
  std::optional<ModuleInfo> kernelModule;
  uint32_t deviceNum = 0;
  std::optional<ModuleInfo> cpuopModule;
  uint32_t bmodelType = 0; ///< 0 coeff not combined, 1 combined.
  std::optional<BinaryRange> libBackend;
};

/// The fixed 64-byte header at the start of every file.
struct FileHeader {
  static constexpr uint32_t kMagic = 0xFF55AAEE;
  static constexpr uint32_t kSize = 64;
  uint32_t magic = kMagic;
  uint32_t headerSize = kSize;
  uint32_t flatbuffersSize = 0;
  uint32_t binarySize = 0;
  std::array<uint32_t, 12> reserved{};
};

/// Calls `fn` on every binary range of a stage, in the fixed order the writer
/// lays the binary region out in (schema field order, depth first).
void forEachBinary(StageInfo &stage,
                   llvm::function_ref<void(BinaryRange &)> fn);
/// The same over the whole model: modules and lib_backend first, then every
/// stage of every net in order.
void forEachBinary(ModelInfo &model,
                   llvm::function_ref<void(BinaryRange &)> fn);

/// SHA-256 of a byte range, as stored in check_code fields.
std::array<uint8_t, 32> sha256(llvm::ArrayRef<uint8_t> bytes);
/// Lower-case hex MD5 of a byte range (tpu_model --info prints it).
std::string md5Hex(llvm::ArrayRef<uint8_t> bytes);

/// A .bmodel opened for reading. The file is memory-mapped read-only; the
/// view in info() was checked when the file was opened: the header against
/// the file size, the flatbuffer by the flatbuffers verifier, every binary
/// range against the binary region, and every stage for inputs, outputs and
/// shapes. bytes() therefore never fails.
class BModel {
public:
  BModel(BModel &&);
  BModel &operator=(BModel &&);
  ~BModel();

  const ModelInfo &info() const { return info_; }
  const FileHeader &header() const { return header_; }
  /// The file name given to readBModel(), used in messages.
  llvm::StringRef path() const { return path_; }
  /// The raw flatbuffer (for --print and the schema tests).
  llvm::ArrayRef<uint8_t> flatbuffer() const;
  /// The whole binary region.
  llvm::ArrayRef<uint8_t> binaryRegion() const;
  /// The bytes of a range of info(); ranges not from info() are clamped to
  /// the binary region.
  llvm::ArrayRef<uint8_t> bytes(BinaryRange r) const;

private:
  friend llvm::Expected<BModel> readBModelBytes(llvm::ArrayRef<uint8_t>,
                                                llvm::StringRef);
  friend llvm::Expected<BModel> readBModel(llvm::StringRef);
  struct Storage;
  BModel() = default;
  std::unique_ptr<Storage> storage_;
  llvm::ArrayRef<uint8_t> data_;
  /// The flatbuffer: inside data_, or an aligned copy when header_size puts
  /// it at an offset that is not a multiple of 8.
  llvm::ArrayRef<uint8_t> fb_;
  std::string path_;
  FileHeader header_;
  ModelInfo info_;
};

/// Opens and checks a .bmodel file. Errors name the file and what is wrong.
llvm::Expected<BModel> readBModel(llvm::StringRef path);
/// The same over bytes in memory (copied); `name` is used in messages.
llvm::Expected<BModel> readBModelBytes(llvm::ArrayRef<uint8_t> bytes,
                                       llvm::StringRef name);

/// Compares every check_code of the model against the SHA-256 of its bytes
/// (unencrypted coefficients and CPU constants). Reads all weights, so it is
/// not part of readBModel().
llvm::Error verifyCheckCodes(const BModel &model);

} // namespace bmodel
} // namespace onntc

#endif
