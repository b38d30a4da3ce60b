//===- Dataset.cpp - LMDB datasets of Caffe Datum records ----------------===//
#include "quantizer/Dataset.h"

#include "Datum.pb.h"

#include "ir/Diagnostics.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <lmdb.h>
#include <opencv2/imgcodecs.hpp>

namespace onntc {

std::string encodeDatum(const DatumRecord &d) {
  caffe::Datum m;
  m.set_channels(d.channels);
  m.set_height(d.height);
  m.set_width(d.width);
  if (!d.data.empty())
    m.set_data(d.data);
  m.set_label(d.label);
  for (float f : d.floatData)
    m.add_float_data(f);
  if (d.encoded)
    m.set_encoded(true);
  return m.SerializeAsString();
}

llvm::Expected<DatumRecord> decodeDatum(llvm::StringRef bytes,
                                        llvm::StringRef what) {
  caffe::Datum m;
  if (!m.ParseFromArray(bytes.data(), int(bytes.size())))
    return makeError(what + ": not a Caffe Datum record (the protobuf does "
                            "not parse); make the dataset with convert_imageset");
  DatumRecord d;
  d.channels = m.channels();
  d.height = m.height();
  d.width = m.width();
  d.data = m.data();
  d.floatData.assign(m.float_data().begin(), m.float_data().end());
  d.label = m.label();
  d.encoded = m.encoded();
  return d;
}

llvm::Expected<Image> datumToImage(const DatumRecord &d, llvm::StringRef what) {
  Image img;
  if (d.encoded) {
    cv::Mat buf(1, int(d.data.size()), CV_8U,
                const_cast<char *>(d.data.data()));
    int flags = d.channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR;
    cv::Mat m = d.data.empty() ? cv::Mat() : cv::imdecode(buf, flags);
    if (m.empty())
      return makeError(what + ": the encoded image does not decode");
    img.channels = m.channels();
    img.height = m.rows;
    img.width = m.cols;
    img.data.resize(size_t(img.channels) * img.height * img.width);
    size_t plane = size_t(img.height) * img.width;
    for (int y = 0; y < m.rows; ++y) {
      const uint8_t *row = m.ptr<uint8_t>(y);
      for (int x = 0; x < m.cols; ++x)
        for (int c = 0; c < img.channels; ++c)
          img.data[c * plane + size_t(y) * img.width + x] =
              row[x * img.channels + c];
    }
    return img;
  }
  if (d.channels <= 0 || d.height <= 0 || d.width <= 0)
    return makeError(what + ": bad image size " + llvm::Twine(d.channels) +
                     "x" + llvm::Twine(d.height) + "x" + llvm::Twine(d.width));
  size_t n = size_t(d.channels) * d.height * d.width;
  img.channels = d.channels;
  img.height = d.height;
  img.width = d.width;
  if (!d.floatData.empty()) {
    if (d.floatData.size() != n)
      return makeError(what + ": float_data holds " +
                       llvm::Twine(d.floatData.size()) + " values, expected " +
                       llvm::Twine(n));
    img.data = d.floatData;
    return img;
  }
  if (d.data.size() != n)
    return makeError(what + ": data holds " + llvm::Twine(d.data.size()) +
                     " bytes, expected " + llvm::Twine(n) + " (" +
                     llvm::Twine(d.channels) + "x" + llvm::Twine(d.height) +
                     "x" + llvm::Twine(d.width) + ")");
  img.data.resize(n);
  for (size_t i = 0; i < n; ++i)
    img.data[i] = float(uint8_t(d.data[i]));
  return img;
}

static llvm::Error lmdbError(llvm::StringRef dir, const llvm::Twine &what,
                             int rc) {
  return makeError(dir + ": " + what + ": " + mdb_strerror(rc));
}

//===--- writer ----------------------------------------------------------===//

struct LmdbWriter::Impl {
  std::string dir;
  MDB_env *env = nullptr;
  MDB_txn *txn = nullptr;
  MDB_dbi dbi = 0;
  size_t pending = 0;
  ~Impl() {
    if (txn)
      mdb_txn_abort(txn);
    if (env)
      mdb_env_close(env);
  }
};

llvm::Expected<std::unique_ptr<LmdbWriter>>
LmdbWriter::create(llvm::StringRef dir) {
  std::unique_ptr<LmdbWriter> w(new LmdbWriter);
  w->impl_ = std::make_unique<Impl>();
  Impl &I = *w->impl_;
  I.dir = dir.str();
  int rc = mdb_env_create(&I.env);
  if (rc)
    return lmdbError(dir, "cannot create the LMDB environment", rc);
  // The map is address space only; the file grows with the data (Caffe
  // reserves 1 TiB the same way).
  if ((rc = mdb_env_set_mapsize(I.env, size_t(1) << 40)))
    return lmdbError(dir, "cannot size the LMDB map", rc);
  if ((rc = mdb_env_open(I.env, I.dir.c_str(), 0, 0664)))
    return lmdbError(dir, "cannot open the LMDB environment", rc);
  if ((rc = mdb_txn_begin(I.env, nullptr, 0, &I.txn)))
    return lmdbError(dir, "cannot begin a transaction", rc);
  if ((rc = mdb_dbi_open(I.txn, nullptr, 0, &I.dbi)))
    return lmdbError(dir, "cannot open the database", rc);
  return w;
}

LmdbWriter::~LmdbWriter() = default;

llvm::Error LmdbWriter::flush(bool reopen) {
  Impl &I = *impl_;
  int rc = mdb_txn_commit(I.txn);
  I.txn = nullptr;
  if (rc)
    return lmdbError(I.dir, "cannot commit", rc);
  I.pending = 0;
  if (reopen && (rc = mdb_txn_begin(I.env, nullptr, 0, &I.txn)))
    return lmdbError(I.dir, "cannot begin a transaction", rc);
  return llvm::Error::success();
}

llvm::Error LmdbWriter::put(llvm::StringRef key, llvm::StringRef value) {
  Impl &I = *impl_;
  if (!I.txn)
    return makeError(I.dir + ": the LMDB writer is closed");
  MDB_val k{key.size(), const_cast<char *>(key.data())};
  MDB_val v{value.size(), const_cast<char *>(value.data())};
  if (int rc = mdb_put(I.txn, I.dbi, &k, &v, 0))
    return lmdbError(I.dir, "cannot write record '" + key + "'", rc);
  // Commit in chunks so one transaction never holds the whole dataset.
  if (++I.pending == 1000)
    return flush(/*reopen=*/true);
  return llvm::Error::success();
}

llvm::Error LmdbWriter::commit() {
  Impl &I = *impl_;
  if (I.txn)
    if (llvm::Error e = flush(/*reopen=*/false))
      return e;
  if (int rc = mdb_env_sync(I.env, 1))
    return lmdbError(I.dir, "cannot sync", rc);
  mdb_env_close(I.env);
  I.env = nullptr;
  return llvm::Error::success();
}

//===--- reader ----------------------------------------------------------===//

struct LmdbReader::Impl {
  std::string dir;
  MDB_env *env = nullptr;
  MDB_txn *txn = nullptr;
  MDB_cursor *cursor = nullptr;
  MDB_dbi dbi = 0;
  size_t entries = 0;
  bool atStart = true;
  ~Impl() {
    if (cursor)
      mdb_cursor_close(cursor);
    if (txn)
      mdb_txn_abort(txn);
    if (env)
      mdb_env_close(env);
  }
};

llvm::Expected<std::unique_ptr<LmdbReader>>
LmdbReader::open(llvm::StringRef dir) {
  if (!llvm::sys::fs::exists(dir))
    return makeError(dir + ": the LMDB dataset does not exist (make it with "
                           "convert_imageset, or fix data_param.source)");
  if (!llvm::sys::fs::is_directory(dir))
    return makeError(dir + ": not an LMDB dataset directory");
  llvm::SmallString<256> dataFile(dir);
  llvm::sys::path::append(dataFile, "data.mdb");
  if (!llvm::sys::fs::exists(dataFile))
    return makeError(dir + ": not an LMDB dataset (no data.mdb in it; make "
                           "it with convert_imageset)");
  std::unique_ptr<LmdbReader> r(new LmdbReader);
  r->impl_ = std::make_unique<Impl>();
  Impl &I = *r->impl_;
  I.dir = dir.str();
  int rc = mdb_env_create(&I.env);
  if (rc)
    return lmdbError(dir, "cannot create the LMDB environment", rc);
  if ((rc = mdb_env_open(I.env, I.dir.c_str(), MDB_RDONLY | MDB_NOLOCK, 0664)))
    return lmdbError(dir, "not a readable LMDB dataset", rc);
  if ((rc = mdb_txn_begin(I.env, nullptr, MDB_RDONLY, &I.txn)))
    return lmdbError(dir, "cannot begin a read transaction", rc);
  if ((rc = mdb_dbi_open(I.txn, nullptr, 0, &I.dbi)))
    return lmdbError(dir, "cannot open the database", rc);
  MDB_stat st;
  if ((rc = mdb_stat(I.txn, I.dbi, &st)))
    return lmdbError(dir, "cannot read the database size", rc);
  I.entries = st.ms_entries;
  if (I.entries == 0)
    return makeError(dir + ": the LMDB dataset has no records");
  if ((rc = mdb_cursor_open(I.txn, I.dbi, &I.cursor)))
    return lmdbError(dir, "cannot open a cursor", rc);
  return r;
}

LmdbReader::~LmdbReader() = default;
size_t LmdbReader::size() const { return impl_->entries; }
const std::string &LmdbReader::path() const { return impl_->dir; }
void LmdbReader::rewind() { impl_->atStart = true; }

llvm::Expected<bool> LmdbReader::next(std::string &key, DatumRecord &rec) {
  Impl &I = *impl_;
  MDB_val k, v;
  int rc = mdb_cursor_get(I.cursor, &k, &v, I.atStart ? MDB_FIRST : MDB_NEXT);
  I.atStart = false;
  if (rc == MDB_NOTFOUND)
    return false;
  if (rc)
    return lmdbError(I.dir, "cannot read a record", rc);
  key.assign(static_cast<const char *>(k.mv_data), k.mv_size);
  auto d = decodeDatum(
      llvm::StringRef(static_cast<const char *>(v.mv_data), v.mv_size),
      I.dir + ": record '" + key + "'");
  if (!d)
    return d.takeError();
  rec = std::move(*d);
  return true;
}

} // namespace onntc
