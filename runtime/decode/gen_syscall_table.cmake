# cmake -DHEADER=unistd_64.h -DOUT=syscall_table.cpp -P gen_syscall_table.cmake
# Turns the "#define __NR_name number" lines into a table indexed by number.
file(STRINGS ${HEADER} lines REGEX "^#define __NR_[a-z0-9_]+[ \t]+[0-9]+")
set(max -1)
foreach(line ${lines})
  string(REGEX MATCH "^#define __NR_([a-z0-9_]+)[ \t]+([0-9]+)" _ "${line}")
  set(name_${CMAKE_MATCH_2} ${CMAKE_MATCH_1})
  if(CMAKE_MATCH_2 GREATER max)
    set(max ${CMAKE_MATCH_2})
  endif()
endforeach()
if(max LESS 0)
  message(FATAL_ERROR "no syscall numbers found in ${HEADER}")
endif()

set(body "")
foreach(nr RANGE ${max})
  if(DEFINED name_${nr})
    string(APPEND body "    \"${name_${nr}}\",\n")
  else()
    string(APPEND body "    nullptr,\n")
  endif()
endforeach()

file(WRITE ${OUT}.tmp
"// Generated from ${HEADER} by gen_syscall_table.cmake. Do not edit.
#include \"runtime/decode/syscall.h\"

#include <iterator>

namespace sonde::decode {
namespace {

constexpr const char* kNames[] = {
${body}};

}  // namespace

const char* syscall_table_name(uint64_t number) {
  return number < std::size(kNames) ? kNames[number] : nullptr;
}

}  // namespace sonde::decode
")
# Keep the timestamp when nothing changed, so dependants do not rebuild.
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
