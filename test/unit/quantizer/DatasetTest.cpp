//===- DatasetTest.cpp - LMDB datasets, convert_imageset, preprocessing ---===//
#include "QuantizerTestUtil.h"

#include "quantizer/Dataset.h"
#include "quantizer/ImageSet.h"
#include "quantizer/Preprocess.h"

#include <opencv2/imgcodecs.hpp>

#include <fstream>

using namespace onntc;
using onntc::test::TempDir;

namespace {
/// A 3-channel image whose pixel (y, x, c) = (10*c + 3*y + x) % 256.
cv::Mat patternImage(int h, int w) {
  cv::Mat m(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        m.at<cv::Vec3b>(y, x)[c] = uint8_t((10 * c + 3 * y + x) % 256);
  return m;
}

void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

std::vector<std::pair<std::string, DatumRecord>> readAll(const std::string &dir) {
  auto r = LmdbReader::open(dir);
  REQUIRE(!!r);
  std::vector<std::pair<std::string, DatumRecord>> out;
  std::string key;
  DatumRecord d;
  while (true) {
    auto more = (*r)->next(key, d);
    REQUIRE(!!more);
    if (!*more)
      break;
    out.push_back({key, d});
  }
  return out;
}
} // namespace

TEST_CASE("Datum records round-trip with Caffe's field numbers") {
  DatumRecord d;
  d.channels = 3;
  d.height = 2;
  d.width = 1;
  d.data = std::string("\x01\x02\x03\x04\x05\xff", 6);
  d.label = 7;
  std::string bytes = encodeDatum(d);
  // Field 1 (channels) varint 3, field 2 height 2, field 3 width 1, field 4
  // data length-delimited: the wire bytes Caffe writes.
  REQUIRE(bytes.substr(0, 6) == std::string("\x08\x03\x10\x02\x18\x01", 6));
  REQUIRE(bytes.substr(6, 2) == std::string("\x22\x06", 2));
  auto back = decodeDatum(bytes, "rec");
  REQUIRE(!!back);
  CHECK(back->channels == 3);
  CHECK(back->label == 7);
  CHECK(back->data == d.data);
  auto img = datumToImage(*back, "rec");
  REQUIRE(!!img);
  CHECK(img->data[5] == 255.f);

  d.data.pop_back();
  auto bad = datumToImage(d, "calib: record 'k'");
  REQUIRE(!bad);
  CHECK(llvm::toString(bad.takeError()) ==
        "calib: record 'k': data holds 5 bytes, expected 6 (3x2x1)");
  auto junk = decodeDatum(std::string("\xff\xff\xff", 3), "x");
  REQUIRE(!junk);
  llvm::consumeError(junk.takeError());
}

TEST_CASE("convert_imageset writes every image, skips the rest, in order") {
  TempDir t;
  std::string root = t / "images";
  REQUIRE(!llvm::sys::fs::create_directories(root + "/b_class"));
  REQUIRE(!llvm::sys::fs::create_directories(root + "/a_class"));
  cv::Mat img = patternImage(6, 5);
  REQUIRE(cv::imwrite(root + "/a_class/one.png", img));
  REQUIRE(cv::imwrite(root + "/b_class/two.BMP", img));
  REQUIRE(cv::imwrite(root + "/three.JPEG", img));
  writeFile(root + "/notes.txt", "not an image");
  writeFile(root + "/a_class/broken.jpg", std::string("\xff\xd8\xff\xe0garbage", 12));

  ImageSetOptions o;
  o.rootFolder = root;
  o.lmdbFolder = t / "lmdb";
  size_t lastDone = 0, lastTotal = 0;
  auto res = convertImageSet(o, [&](size_t d, size_t n) {
    lastDone = d;
    lastTotal = n;
  });
  REQUIRE(!!res);
  CHECK(res->written == 3);
  CHECK(lastDone == 4);
  CHECK(lastTotal == 4);
  REQUIRE(res->notImages == std::vector<std::string>{"notes.txt"});
  REQUIRE(res->undecodable.size() == 1);
  CHECK(llvm::StringRef(res->undecodable[0].first).endswith("a_class/broken.jpg"));

  auto recs = readAll(o.lmdbFolder);
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].first == "00000000_a_class/one.png");
  CHECK(recs[1].first == "00000001_b_class/two.BMP");
  CHECK(recs[2].first == "00000002_three.JPEG");
  CHECK(recs[0].second.label == 0);
  CHECK(recs[1].second.label == 1);
  CHECK(recs[2].second.label == 0);
  // PNG is lossless: stored CHW BGR bytes equal the pattern.
  const DatumRecord &png = recs[0].second;
  REQUIRE(png.channels == 3);
  REQUIRE(png.height == 6);
  REQUIRE(png.width == 5);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 6; ++y)
      for (int x = 0; x < 5; ++x)
        REQUIRE(uint8_t(png.data[size_t(c) * 30 + y * 5 + x]) ==
                (10 * c + 3 * y + x) % 256);
  // No staging folder is left next to the LMDB.
  std::error_code ec;
  size_t entries = 0;
  for (llvm::sys::fs::directory_iterator it(t.path, ec), e; it != e && !ec;
       it.increment(ec))
    ++entries;
  CHECK(entries == 2);

  SECTION("an existing target is not overwritten") {
    auto again = convertImageSet(o);
    REQUIRE(!again);
    CHECK(llvm::StringRef(llvm::toString(again.takeError()))
              .contains("already exists"));
  }
}

TEST_CASE("convert_imageset resize, bgr2rgb and gray") {
  TempDir t;
  std::string root = t / "images";
  REQUIRE(!llvm::sys::fs::create_directories(root));
  REQUIRE(cv::imwrite(root + "/x.png", patternImage(6, 5)));
  ImageSetOptions o;
  o.rootFolder = root;
  o.lmdbFolder = t / "rgb";
  o.bgr2rgb = true;
  o.resizeHeight = 3;
  o.resizeWidth = 4;
  REQUIRE(!!convertImageSet(o));
  auto recs = readAll(o.lmdbFolder);
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].second.height == 3);
  CHECK(recs[0].second.width == 4);
  // Channel 0 is now the red plane (pattern channel 2, values >= 20 at the
  // first pixel region).
  CHECK(uint8_t(recs[0].second.data[0]) > uint8_t(recs[0].second.data[24]));

  o.lmdbFolder = t / "gray";
  o.bgr2rgb = false;
  o.gray = true;
  REQUIRE(!!convertImageSet(o));
  recs = readAll(o.lmdbFolder);
  CHECK(recs[0].second.channels == 1);
  CHECK(recs[0].second.data.size() == 12);
}

TEST_CASE("convert_imageset errors leave nothing behind") {
  TempDir t;
  ImageSetOptions o;
  o.lmdbFolder = t / "out";
  o.rootFolder = t / "missing";
  auto r = convertImageSet(o);
  REQUIRE(!r);
  CHECK(llvm::toString(r.takeError()) ==
        o.rootFolder + ": the image folder does not exist (check "
                       "--imageset_rootfolder)");
  o.rootFolder = t / "empty";
  REQUIRE(!llvm::sys::fs::create_directories(o.rootFolder));
  writeFile(o.rootFolder + "/readme.md", "x");
  r = convertImageSet(o);
  REQUIRE(!r);
  CHECK(llvm::StringRef(llvm::toString(r.takeError()))
            .contains("no images (.jpg, .jpeg, .png, .bmp) in the folder or "
                      "its sub-folders (1 other files)"));
  // Only undecodable images: an error, and no LMDB.
  writeFile(o.rootFolder + "/bad.png", "PNG? no");
  r = convertImageSet(o);
  REQUIRE(!r);
  CHECK(llvm::StringRef(llvm::toString(r.takeError())).contains("none of the 1"));
  CHECK(!llvm::sys::fs::exists(o.lmdbFolder));
  std::error_code ec;
  size_t entries = 0;
  for (llvm::sys::fs::directory_iterator it(t.path, ec), e; it != e && !ec;
       it.increment(ec))
    ++entries;
  CHECK(entries == 1); // only "empty"
}

TEST_CASE("LMDB reader errors name the folder") {
  TempDir t;
  auto r = LmdbReader::open(t / "nope");
  REQUIRE(!r);
  CHECK(llvm::StringRef(llvm::toString(r.takeError())).contains("does not exist"));
  r = LmdbReader::open(t.path);
  REQUIRE(!r);
  CHECK(llvm::StringRef(llvm::toString(r.takeError())).contains("no data.mdb"));
}

TEST_CASE("auto_cali preprocessing strings") {
  auto p = parsePreprocess("resize_h=224,resize_w=200;mean_value=103.94:116.78:"
                           "123.68,scale=0.017,bgr2rgb=True");
  REQUIRE(!!p);
  CHECK(p->resizeH == 224);
  CHECK(p->resizeW == 200);
  CHECK(p->mean == std::vector<float>{103.94f, 116.78f, 123.68f});
  CHECK(p->scale == std::vector<float>{0.017f});
  CHECK(p->bgr2rgb);
  auto again = parsePreprocess(p->str());
  REQUIRE(!!again);
  CHECK(*again == *p);
  auto q = parsePreprocess("scale=1:2:3,bgr2rgb=false");
  REQUIRE(!!q);
  CHECK(q->scale.size() == 3);
  CHECK(!q->bgr2rgb);
  for (const char *bad : {"resize_h=224", "resize_h=x,resize_w=1", "mean_value=1:b",
                          "bgr2rgb=maybe", "colour=1", "scale"}) {
    auto e = parsePreprocess(bad);
    INFO(bad);
    REQUIRE(!e);
    llvm::consumeError(e.takeError());
  }
}

TEST_CASE("preprocessing: resize, channel swap, (x - mean) * scale") {
  Image img;
  img.channels = 3;
  img.height = 2;
  img.width = 2;
  img.data = {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23}; // B, G, R planes
  Preprocess p;
  p.mean = {1, 2, 3};
  p.scale = {2};
  p.bgr2rgb = true;
  Tensor t(DType::F32, Shape{2, 3, 2, 2});
  REQUIRE(!llvm::errorToBool(preprocessInto(img, p, t, 1, "img")));
  const float *y = t.data<float>() + 12;
  CHECK(y[0] == (20 - 1) * 2.f); // R plane first
  CHECK(y[4] == (10 - 2) * 2.f);
  CHECK(y[11] == (3 - 3) * 2.f);
  CHECK(t.data<float>()[0] == 0.f); // slot 0 untouched

  Tensor big(DType::F32, Shape{1, 3, 4, 4});
  p.resizeH = p.resizeW = 4;
  REQUIRE(!llvm::errorToBool(preprocessInto(img, p, big, 0, "img")));
  // Bilinear upscale keeps the corner values and stays within range.
  CHECK(big.data<float>()[0] == (20 - 1) * 2.f);
  p.resizeH = p.resizeW = 0;
  auto e = preprocessInto(img, p, big, 0, "calib: record 'k'");
  REQUIRE(!!e);
  CHECK(llvm::StringRef(llvm::toString(std::move(e)))
            .startswith("calib: record 'k': the image is 2x2 but the network "
                        "input is 4x4"));
  Tensor gray(DType::F32, Shape{1, 1, 2, 2});
  e = preprocessInto(img, p, gray, 0, "k");
  REQUIRE(!!e);
  CHECK(llvm::StringRef(llvm::toString(std::move(e))).contains("3 channels"));
}

TEST_CASE("encoded records (Caffe's convert_imageset --encoded) decode") {
  TempDir t;
  cv::Mat img = patternImage(4, 3);
  std::vector<uint8_t> png;
  REQUIRE(cv::imencode(".png", img, png));
  DatumRecord d;
  d.channels = 3;
  d.encoded = true;
  d.data.assign(png.begin(), png.end());
  std::string dir = t / "enc";
  REQUIRE(!llvm::sys::fs::create_directories(dir));
  {
    auto w = LmdbWriter::create(dir);
    REQUIRE(!!w);
    REQUIRE(!llvm::errorToBool((*w)->put("00000000_a.png", encodeDatum(d))));
    REQUIRE(!llvm::errorToBool((*w)->commit()));
  }
  auto recs = readAll(dir);
  REQUIRE(recs.size() == 1);
  auto im = datumToImage(recs[0].second, "enc");
  REQUIRE(!!im);
  CHECK(im->channels == 3);
  CHECK(im->height == 4);
  CHECK(im->width == 3);
  // Plane c, pixel (y, x) = (10c + 3y + x).
  CHECK(im->data[2 * 12 + 1 * 3 + 2] == float(20 + 3 + 2));
  recs[0].second.data.resize(10);
  auto bad = datumToImage(recs[0].second, "enc: record 'a'");
  REQUIRE(!bad);
  CHECK(llvm::toString(bad.takeError()) ==
        "enc: record 'a': the encoded image does not decode");
}
