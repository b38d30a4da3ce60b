//===- ToolSupport.h - what the quantizer tools share ----------*- C++ -*-===//
//
// ProgressBar draws `label [#####.....] 12/200 3.4 img/s` on one line, redrawn in place,
// only when the stream is a terminal (the caller says so), so that logs and
// lit tests stay clean.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_QUANTIZER_TOOLSUPPORT_H
#define ONNTC_QUANTIZER_TOOLSUPPORT_H

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <string>
#include <vector>

namespace onntc {

/// An SDK boolean flag value: true/false/1/0 (any case); empty is true.
inline bool parseSdkBool(llvm::StringRef s, bool &out) {
  std::string l = s.lower();
  if (l == "true" || l == "1" || l.empty())
    out = true;
  else if (l == "false" || l == "0")
    out = false;
  else
    return false;
  return true;
}

class ProgressBar {
public:
  ProgressBar(llvm::raw_ostream &os, bool enabled, std::string label,
              std::string unit = "img")
      : os_(os), enabled_(enabled), label_(std::move(label)),
        unit_(std::move(unit)), start_(std::chrono::steady_clock::now()) {}
  ~ProgressBar() { finish(); }

  void update(size_t done, size_t total) {
    if (!enabled_ || total == 0)
      return;
    auto now = std::chrono::steady_clock::now();
    if (done != total && now - last_ < std::chrono::milliseconds(100))
      return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    const unsigned width = 30;
    unsigned fill = unsigned(double(done) / double(total) * width);
    os_ << "\r" << label_ << " [" << std::string(fill, '#')
        << std::string(width - fill, '.') << "] " << done << "/" << total;
    if (secs > 0)
      os_ << llvm::format(" %.1f %s/s", double(done) / secs, unit_.c_str());
    os_.flush();
    drawn_ = true;
  }
  void finish() {
    if (drawn_)
      os_ << "\n";
    drawn_ = false;
  }

private:
  llvm::raw_ostream &os_;
  bool enabled_;
  std::string label_, unit_;
  std::chrono::steady_clock::time_point start_, last_{};
  bool drawn_ = false;
};

} // namespace onntc

#endif
