# sonde_module(NAME SOURCES ... DEPS ... [PRIVATE_DEPS ...])
# One static library per module. Headers are included as "module/file.h" from the
# repository root; a module may only include what it links, so the dependency
# direction stays visible in CMake.
function(sonde_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${SONDE_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()
