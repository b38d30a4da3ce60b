# lit configuration for OpenNNTC: FileCheck tests of textual IR and tool output.
import os
import lit.formats

config.name = "OpenNNTC"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".tir", ".test", ".txt", ".onnxtxt"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py.in", "README.md"]
config.test_source_root = os.path.join(config.onntc_src_root, "test", "lit")
config.test_exec_root = config.onntc_obj_root

config.environment["PATH"] = os.pathsep.join(
    [config.onntc_bin_dir, os.path.dirname(config.filecheck), config.environment.get("PATH", os.environ.get("PATH", ""))])
config.substitutions.append(("%FileCheck", config.filecheck))
config.substitutions.append(("%shared", config.shared_dir))
config.substitutions.append(("%src", config.onntc_src_root))
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%inputs", os.path.join(config.onntc_src_root, "test", "lit", "Inputs")))

# The sanitizer build (cmake -DONNTC_SANITIZE=ON): tests too slow under ASan
# say `UNSUPPORTED: asan` with the reason.
if config.onntc_sanitize.upper() in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("asan")
    config.environment["ASAN_OPTIONS"] = os.environ.get(
        "ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:halt_on_error=1")
    config.environment["UBSAN_OPTIONS"] = os.environ.get(
        "UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
