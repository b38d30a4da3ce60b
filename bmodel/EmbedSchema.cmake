# Turns bmodel.fbs into a C++ raw string literal (for tpu_model --print).
# Called as: cmake -DIN=<fbs> -DOUT=<inc> -P EmbedSchema.cmake
file(READ ${IN} text)
string(FIND "${text}" ")ONNTCFBS\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter")
endif()
file(WRITE ${OUT}.tmp "R\"ONNTCFBS(${text})ONNTCFBS\"\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
