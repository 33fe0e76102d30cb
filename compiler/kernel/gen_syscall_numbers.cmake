# cmake -DHEADER=unistd_64.h -DOUT=syscall_numbers_table.cpp -P gen_syscall_numbers.cmake
# Turns the "#define __NR_name number" lines into a table of names and numbers, sorted
# by name (the compiler looks a syscall's number up by its tracepoint's name).
file(STRINGS ${HEADER} lines REGEX "^#define __NR_[a-z0-9_]+[ \t]+[0-9]+")
set(rows "")
foreach(line ${lines})
  string(REGEX MATCH "^#define __NR_([a-z0-9_]+)[ \t]+([0-9]+)" _ "${line}")
  list(APPEND rows "${CMAKE_MATCH_1} ${CMAKE_MATCH_2}")
endforeach()
if(NOT rows)
  message(FATAL_ERROR "no syscall numbers found in ${HEADER}")
endif()
list(SORT rows)
set(body "")
foreach(row ${rows})
  string(REPLACE " " ";" parts "${row}")
  list(GET parts 0 name)
  list(GET parts 1 nr)
  string(APPEND body "    {\"${name}\", ${nr}},\n")
endforeach()

file(WRITE ${OUT}.tmp
"// Generated from ${HEADER} by gen_syscall_numbers.cmake. Do not edit.
#include \"compiler/kernel/syscall_numbers.h\"

namespace sonde::kernel {

const std::span<const SyscallNumber> syscall_numbers_table() {
  static constexpr SyscallNumber kRows[] = {
${body}  };
  return kRows;
}

}  // namespace sonde::kernel
")
# Keep the timestamp when nothing changed, so dependants do not rebuild.
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
