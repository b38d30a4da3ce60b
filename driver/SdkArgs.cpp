#include "driver/FrontendOptions.h"

#include "llvm/ADT/StringExtras.h"

namespace onntc {

std::vector<std::string> normalizeSdkArgs(int argc, const char *const *argv) {
  std::vector<std::string> out;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (i > 0) {
      llvm::StringRef s(a);
      // -opt=2 / -target BM1684: one dash and a multi-letter name.
      if (s.size() > 2 && s[0] == '-' && s[1] != '-' && llvm::isAlpha(s[1]) &&
          (s.size() > 2 && (llvm::isAlnum(s[2]) || s[2] == '_')))
        a = "-" + a;
      llvm::StringRef t(a);
      if (t == "--v" || t == "-v")
        a = "--log_level";
      else if (t.startswith("--v=") || t.startswith("-v="))
        a = "--log_level=" + t.split('=').second.str();
    }
    out.push_back(a);
  }
  return out;
}

} // namespace onntc
