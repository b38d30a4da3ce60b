# Every dependency comes from a Debian 12 package; scripts/setup.sh installs them.
find_package(LLVM 14 REQUIRED CONFIG PATHS /usr/lib/llvm-14/lib/cmake/llvm NO_DEFAULT_PATH)
message(STATUS "LLVM ${LLVM_PACKAGE_VERSION} from ${LLVM_DIR}")
add_library(llvm_support INTERFACE)
target_include_directories(llvm_support SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS})
target_compile_definitions(llvm_support INTERFACE ${LLVM_DEFINITIONS})
llvm_map_components_to_libnames(ONNTC_LLVM_LIBS support)
target_link_libraries(llvm_support INTERFACE ${ONNTC_LLVM_LIBS})

find_package(Protobuf REQUIRED)
find_package(Threads REQUIRED)

# libonnx-dev ships the generated onnx.proto headers and libonnx_proto.
find_path(ONNX_INCLUDE_DIR onnx/onnx_pb.h PATHS /usr/include REQUIRED)
find_library(ONNX_PROTO_LIB onnx_proto REQUIRED)
add_library(onnx_proto_dep INTERFACE)
target_include_directories(onnx_proto_dep SYSTEM INTERFACE ${ONNX_INCLUDE_DIR})
target_compile_definitions(onnx_proto_dep INTERFACE ONNX_ML=1 ONNX_NAMESPACE=onnx)
target_link_libraries(onnx_proto_dep INTERFACE ${ONNX_PROTO_LIB} protobuf::libprotobuf)

find_program(FLATC flatc REQUIRED)
find_path(FLATBUFFERS_INCLUDE_DIR flatbuffers/flatbuffers.h REQUIRED)

find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
add_library(cli11 INTERFACE)
target_include_directories(cli11 SYSTEM INTERFACE ${CLI11_INCLUDE_DIR})

find_path(CATCH2_INCLUDE_DIR catch2/catch.hpp REQUIRED)
add_library(catch2_v2 INTERFACE)
target_include_directories(catch2_v2 SYSTEM INTERFACE ${CATCH2_INCLUDE_DIR})

set(LIT_PY /usr/lib/llvm-14/build/utils/lit/lit.py)
set(FILECHECK /usr/lib/llvm-14/bin/FileCheck)
