//===- TfGraph.cpp - reading GraphDef files and TensorProtos --------------===//

#include "frontends/tensorflow/TfContext.h"

#include "ir/Diagnostics.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <cstring>

namespace onntc {

char TfUnsupportedError::ID = 0;

static bool isTextGraph(llvm::StringRef path) {
  return path.endswith(".pbtxt") || path.endswith(".pbtext") ||
         path.endswith(".txt");
}

llvm::Expected<std::unique_ptr<tfproto::GraphDef>>
parseTfGraph(llvm::StringRef bytes, llvm::StringRef name, bool text) {
  auto graph = std::make_unique<tfproto::GraphDef>();
  if (bytes.empty())
    return makeError(name + ": the file is empty, not a TensorFlow GraphDef");
  if (text) {
    google::protobuf::TextFormat::Parser parser;
    // Fields of newer TensorFlow versions (and ones this schema leaves out)
    // are skipped, as the binary parser skips them.
    parser.AllowUnknownField(true);
    parser.AllowUnknownExtension(true);
    struct Collector : google::protobuf::io::ErrorCollector {
      std::string msg;
      void AddError(int line, int col, const std::string &m) override {
        if (msg.empty())
          msg = std::to_string(line + 1) + ":" + std::to_string(col + 1) +
                ": " + m;
      }
      void AddWarning(int, int, const std::string &) override {}
    } collector;
    parser.RecordErrorsTo(&collector);
    if (!parser.ParseFromString(bytes.str(), graph.get()))
      return makeError(name + ": not a valid TensorFlow GraphDef text file: " +
                       collector.msg);
  } else {
    google::protobuf::io::ArrayInputStream raw(bytes.data(), int(bytes.size()));
    google::protobuf::io::CodedInputStream in(&raw);
    in.SetTotalBytesLimit(INT32_MAX);
    if (!graph->ParseFromCodedStream(&in) || !in.ConsumedEntireMessage())
      return makeError(name + ": not a valid TensorFlow GraphDef (the protobuf "
                              "does not parse: truncated file, or not a "
                              "frozen .pb; text graphs must end in .pbtxt)");
  }
  // Arbitrary bytes can parse as a protobuf; a GraphDef has named nodes with
  // ops.
  if (graph->node_size() == 0)
    return makeError(name + ": not a TensorFlow GraphDef (it has no nodes); "
                            "is this really a frozen .pb?");
  for (int i = 0; i < graph->node_size(); ++i) {
    const auto &n = graph->node(i);
    if (n.name().empty() || n.op().empty())
      return makeError(name + ": not a TensorFlow GraphDef (node " +
                       llvm::Twine(i) + " has no " +
                       (n.name().empty() ? "name" : "op") +
                       "); is this really a frozen .pb?");
  }
  return graph;
}

llvm::Expected<std::unique_ptr<tfproto::GraphDef>>
loadTfGraph(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return makeError("cannot read model '" + path +
                     "': " + buf.getError().message());
  return parseTfGraph((*buf)->getBuffer(), llvm::sys::path::filename(path),
                      isTextGraph(path));
}

std::optional<DType> dtypeFromTf(int t) {
  switch (t) {
  case tfproto::DT_FLOAT:
    return DType::F32;
  case tfproto::DT_HALF:
    return DType::F16;
  case tfproto::DT_BFLOAT16:
    return DType::BF16;
  case tfproto::DT_INT32:
  case tfproto::DT_QINT32:
    return DType::I32;
  case tfproto::DT_INT64:
    return DType::I64;
  case tfproto::DT_INT16:
  case tfproto::DT_QINT16:
    return DType::I16;
  case tfproto::DT_UINT16:
  case tfproto::DT_QUINT16:
    return DType::U16;
  case tfproto::DT_INT8:
  case tfproto::DT_QINT8:
    return DType::I8;
  case tfproto::DT_UINT8:
  case tfproto::DT_QUINT8:
    return DType::U8;
  case tfproto::DT_BOOL:
    return DType::Bool;
  default:
    return std::nullopt;
  }
}

std::string tfTypeName(int t) {
  if (tfproto::DataType_IsValid(t))
    return tfproto::DataType_Name(tfproto::DataType(t));
  return "data type " + std::to_string(t);
}

/// Fills `out` from a repeated field: all values, the last one repeated
/// when fewer are given (TensorFlow's rule), zeros when none.
template <typename Field, typename Set>
static void fillFrom(const Field &vals, int64_t n, Set set) {
  int64_t have = vals.size();
  for (int64_t i = 0; i < n; ++i) {
    if (have == 0)
      return;
    set(i, vals.Get(int(i < have ? i : have - 1)));
  }
}

llvm::Expected<Tensor> tensorFromTf(const tfproto::TensorProto &tp,
                                    llvm::StringRef what) {
  auto dt = dtypeFromTf(tp.dtype());
  if (!dt)
    return llvm::make_error<TfUnsupportedError>(
        what.str() + ": tensor data type " + tfTypeName(tp.dtype()) +
        " is not supported");
  if (tp.tensor_shape().unknown_rank())
    return makeError(what + ": a constant tensor of unknown rank");
  Shape shape;
  int64_t n = 1;
  // Shapes beyond 2^40 elements cannot be real; a constant filled from a
  // few typed values (no tensor_content) is limited to 2^26 elements.
  constexpr int64_t kMaxElements = int64_t(1) << 40;
  for (const auto &d : tp.tensor_shape().dim()) {
    if (d.size() < 0)
      return makeError(what + ": a constant tensor with an unknown dim");
    if (d.size() > 0 && n > kMaxElements / d.size())
      return makeError(what + ": a constant tensor with more than 2^40 "
                              "elements");
    n *= d.size();
    shape.mutableDims().push_back(d.size());
  }
  size_t elemSize = dtypeSize(*dt);
  if (!tp.tensor_content().empty()) {
    if (tp.tensor_content().size() != size_t(n) * elemSize)
      return makeError(what + ": tensor_content has " +
                       llvm::Twine(tp.tensor_content().size()) +
                       " bytes, but shape " + shape.str() + " of " +
                       tfTypeName(tp.dtype()) + " needs " +
                       llvm::Twine(size_t(n) * elemSize));
    Tensor t(*dt, shape);
    std::memcpy(t.raw(), tp.tensor_content().data(), t.byteSize());
    return t;
  }
  if (n > (int64_t(1) << 26))
    return makeError(what + ": constant of shape " + shape.str() +
                     " filled from " +
                     llvm::Twine(tp.float_val_size() + tp.int_val_size() +
                                 tp.int64_val_size()) +
                     " typed values: too large (over 2^26 elements)");
  Tensor t(*dt, shape);
  switch (tp.dtype()) {
  case tfproto::DT_FLOAT:
    fillFrom(tp.float_val(), n,
             [&](int64_t i, float v) { t.data<float>()[i] = v; });
    break;
  case tfproto::DT_HALF:
  case tfproto::DT_BFLOAT16:
    fillFrom(tp.half_val(), n, [&](int64_t i, int32_t v) {
      t.data<uint16_t>()[i] = uint16_t(v);
    });
    break;
  case tfproto::DT_INT64:
    fillFrom(tp.int64_val(), n, [&](int64_t i, int64_t v) { t.setInt(i, v); });
    break;
  case tfproto::DT_BOOL:
    fillFrom(tp.bool_val(), n, [&](int64_t i, bool v) { t.setInt(i, v); });
    break;
  default: // the integer types stored in int_val
    fillFrom(tp.int_val(), n, [&](int64_t i, int32_t v) { t.setInt(i, v); });
    break;
  }
  return t;
}

} // namespace onntc
