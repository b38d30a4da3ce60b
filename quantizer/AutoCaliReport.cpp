//===- AutoCaliReport.cpp - auto_cali's report, text and HTML -------------===//
#include "quantizer/AutoCaliReport.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

namespace onntc {

namespace {

std::string cosText(double c) {
  return std::isnan(c) ? std::string("-") : llvm::formatv("{0:F6}", c).str();
}

std::string escape(llvm::StringRef s) {
  std::string o;
  for (char c : s) {
    switch (c) {
    case '&': o += "&amp;"; break;
    case '<': o += "&lt;"; break;
    case '>': o += "&gt;"; break;
    case '"': o += "&quot;"; break;
    default: o += c;
    }
  }
  return o;
}

std::string outputsText(const StrategyResult &s) {
  std::vector<std::string> v;
  for (double c : s.outputCosines)
    v.push_back(cosText(c));
  return llvm::join(v, " ");
}

/// The fallback layers of the chosen strategy beyond the user's own list.
std::vector<std::string> fallbackLayers(const AutoCaliResult &r) {
  const CaliStrategy &c = r.tried[r.chosen].strategy;
  const CaliStrategy &base = r.tried.front().strategy;
  std::vector<std::string> v;
  for (const std::string &l : c.fp32Layers)
    if (std::find(base.fp32Layers.begin(), base.fp32Layers.end(), l) ==
        base.fp32Layers.end())
      v.push_back(l);
  return v;
}

/// The per-layer cosine plot: one point per compared layer in net order,
/// FP32 layers in red, the target as a dashed line.
std::string svgPlot(const StrategyResult &s, double target) {
  std::vector<std::pair<size_t, const LayerCosine *>> pts;
  for (size_t i = 0; i < s.layers.size(); ++i)
    if (!std::isnan(s.layers[i].cosine))
      pts.push_back({i, &s.layers[i]});
  const double w = 900, h = 320, l = 60, rgt = 20, top = 20, bot = 40;
  double lo = std::min(target, 1.0);
  for (const auto &p : pts)
    lo = std::min(lo, p.second->cosine);
  lo = std::floor(lo * 1000 - 1) / 1000;
  if (lo >= 1)
    lo = 0.999;
  size_t n = std::max<size_t>(s.layers.size(), 2);
  auto x = [&](size_t i) { return l + (w - l - rgt) * double(i) / double(n - 1); };
  auto y = [&](double c) { return top + (h - top - bot) * (1 - c) / (1 - lo); };
  std::string o;
  llvm::raw_string_ostream os(o);
  os << llvm::formatv("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" "
                      "height=\"{1}\" viewBox=\"0 0 {0} {1}\" role=\"img\">\n",
                      w, h);
  os << llvm::formatv("<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"{3}\" "
                      "fill=\"#fafafa\" stroke=\"#999\"/>\n",
                      l, top, w - l - rgt, h - top - bot);
  for (int k = 0; k <= 4; ++k) {
    double c = lo + (1 - lo) * k / 4;
    os << llvm::formatv("<text x=\"{0}\" y=\"{1}\" font-size=\"11\" "
                        "text-anchor=\"end\">{2:F4}</text>\n",
                        l - 4, y(c) + 4, c);
  }
  os << llvm::formatv("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" "
                      "stroke=\"#2a7\" stroke-dasharray=\"6 4\"/>\n",
                      l, w - rgt, y(target));
  os << llvm::formatv("<text x=\"{0}\" y=\"{1}\" font-size=\"11\" "
                      "fill=\"#2a7\" text-anchor=\"end\">target {2}</text>\n",
                      w - rgt - 4, y(target) - 4,
                      shortNumber(target));
  std::string path;
  for (const auto &p : pts)
    path += llvm::formatv("{0}{1:F1},{2:F1} ", path.empty() ? "M" : "L",
                          x(p.first), y(p.second->cosine))
                .str();
  os << "<path d=\"" << path << "\" fill=\"none\" stroke=\"#36c\"/>\n";
  for (const auto &p : pts)
    os << llvm::formatv("<circle cx=\"{0:F1}\" cy=\"{1:F1}\" r=\"{2}\" "
                        "fill=\"{3}\"><title>{4} ({5}): {6}{7}</title></circle>\n",
                        x(p.first), y(p.second->cosine),
                        p.second->fp32 ? 4 : 2.5,
                        p.second->fp32 ? "#d33" : "#36c",
                        escape(p.second->node), escape(p.second->op),
                        cosText(p.second->cosine),
                        p.second->fp32 ? " FP32" : "");
  os << llvm::formatv("<text x=\"{0}\" y=\"{1}\" font-size=\"12\" "
                      "text-anchor=\"middle\">layer along the net ({2} "
                      "layers; red: FP32)</text>\n",
                      l + (w - l - rgt) / 2, h - 10, s.layers.size());
  os << "</svg>\n";
  return os.str();
}

} // namespace

std::string autoCaliReportText(const AutoCaliReportInfo &info,
                               const AutoCaliResult &r) {
  std::string o;
  llvm::raw_string_ostream os(o);
  const StrategyResult &c = r.tried[r.chosen];
  os << "auto_cali report: net '" << info.netName << "' (" << info.model
     << ") for " << info.target << "\n";
  os << "calibration images: " << info.caliImages << ", test images: "
     << info.testImages << " (" << info.dataset << ")\n";
  os << "score: cosine of the INT8 reference against FP32 on the test "
        "images, the minimum over the outputs ("
     << llvm::join(info.outputNames, ", ") << ")\n";
  os << "target cosine: " << llvm::format("%g", info.targetCosine) << ", "
     << (r.reachedTarget ? "reached" : "NOT reached") << "\n";
  for (const std::string &w : info.warnings)
    os << "warning: " << w << "\n";
  os << "\nstrategies:\n";
  os << llvm::formatv("  {0,-2} {1,-48} {2,10}  {3}\n", "", "strategy",
                      "cosine", "per output");
  for (size_t i = 0; i < r.tried.size(); ++i)
    os << llvm::formatv("  {0,-2} {1,-48} {2,10:F6}  {3}\n",
                        i == r.chosen ? "*" : "", r.tried[i].strategy.name(),
                        r.tried[i].score, outputsText(r.tried[i]));
  os << "chosen: " << c.strategy.name() << ", output cosine "
     << llvm::formatv("{0:F6}", c.score) << " (" << c.quantizeSummary << ")\n";
  std::vector<std::string> fb = fallbackLayers(r);
  os << "FP32 fallback layers: " << (fb.empty() ? "none" : llvm::join(fb, ", "))
     << "\n";
  os << "\nper-layer cosine (chosen strategy; '-': fused into the next "
        "layer):\n";
  os << llvm::formatv("  {0,-40} {1,-18} {2,10}\n", "layer", "op", "cosine");
  for (const LayerCosine &l : c.layers)
    os << llvm::formatv("  {0,-40} {1,-18} {2,10}{3}\n", l.node, l.op,
                        cosText(l.cosine), l.fp32 ? " fp32" : "");
  if (!info.compileNote.empty())
    os << "\n" << info.compileNote << "\n";
  if (!info.files.empty())
    os << "\nfiles: " << llvm::join(info.files, ", ") << "\n";
  return os.str();
}

std::string autoCaliReportHtml(const AutoCaliReportInfo &info,
                               const AutoCaliResult &r) {
  std::string o;
  llvm::raw_string_ostream os(o);
  const StrategyResult &c = r.tried[r.chosen];
  os << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>"
        "auto_cali: "
     << escape(info.netName) << "</title>\n<style>\n"
     << "body{font-family:sans-serif;margin:2em;color:#222}\n"
        "table{border-collapse:collapse;margin:1em 0}\n"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}\n"
        "td.num{text-align:right;font-family:monospace}\n"
        "tr.chosen{background:#dfd;font-weight:bold}\n"
        "tr.fp32{color:#c22}\n.warn{color:#a50}\n"
     << "</style></head><body>\n";
  os << "<h1>auto_cali: " << escape(info.netName) << "</h1>\n<p>Model <code>"
     << escape(info.model) << "</code>, target " << escape(info.target)
     << ". " << info.caliImages << " calibration images, " << info.testImages
     << " held-out test images (" << escape(info.dataset) << ").</p>\n";
  os << "<p>Score: cosine of the INT8 reference (the quantized net on the "
        "interpreter, bit-exact with the chip) against FP32 on the test "
        "images, the minimum over the outputs ("
     << escape(llvm::join(info.outputNames, ", ")) << "). Target "
     << llvm::format("%g", info.targetCosine) << ": <b>"
     << (r.reachedTarget ? "reached" : "not reached") << "</b>.</p>\n";
  for (const std::string &w : info.warnings)
    os << "<p class=\"warn\">warning: " << escape(w) << "</p>\n";
  os << "<h2>Strategies</h2>\n<table><tr><th>#</th><th>strategy</th>"
        "<th>output cosine</th><th>per output</th><th></th></tr>\n";
  for (size_t i = 0; i < r.tried.size(); ++i) {
    const StrategyResult &s = r.tried[i];
    os << "<tr" << (i == r.chosen ? " class=\"chosen\"" : "") << "><td>"
       << i + 1 << "</td><td>" << escape(s.strategy.name())
       << "</td><td class=\"num\">" << llvm::formatv("{0:F6}", s.score)
       << "</td><td class=\"num\">" << escape(outputsText(s)) << "</td><td>"
       << (i == r.chosen ? "chosen" : s.fallback ? "fallback" : "")
       << "</td></tr>\n";
  }
  os << "</table>\n<p>Chosen: <b>" << escape(c.strategy.name()) << "</b> ("
     << escape(c.quantizeSummary) << ").</p>\n";
  std::vector<std::string> fb = fallbackLayers(r);
  os << "<p>FP32 fallback layers: "
     << (fb.empty() ? std::string("none") : escape(llvm::join(fb, ", ")))
     << "</p>\n";
  os << "<h2>Per-layer cosine, chosen strategy</h2>\n" << svgPlot(c, info.targetCosine);
  os << "<table><tr><th>#</th><th>layer</th><th>op</th><th>cosine</th></tr>\n";
  for (size_t i = 0; i < c.layers.size(); ++i) {
    const LayerCosine &l = c.layers[i];
    os << "<tr" << (l.fp32 ? " class=\"fp32\"" : "") << "><td>" << i
       << "</td><td>" << escape(l.node) << "</td><td>" << escape(l.op)
       << (l.fp32 ? " (FP32)" : "") << "</td><td class=\"num\">"
       << cosText(l.cosine) << "</td></tr>\n";
  }
  os << "</table>\n<p>'-': the INT8 net has no such tensor (the layer is "
        "fused into the next one).</p>\n";
  if (!info.compileNote.empty())
    os << "<p>" << escape(info.compileNote) << "</p>\n";
  if (!info.files.empty()) {
    os << "<h2>Files</h2>\n<ul>\n";
    for (const std::string &f : info.files)
      os << "<li><code>" << escape(f) << "</code></li>\n";
    os << "</ul>\n";
  }
  os << "</body></html>\n";
  return os.str();
}

} // namespace onntc
