# Writes OUTPUT defining SONDE_REVISION, the git commit of SOURCE_DIR ("unknown" outside
# a git checkout; "-dirty" when the work tree has changes), only when it changed, so that
# an unchanged revision rebuilds nothing. Run at every build: cmake -P revision.cmake.
execute_process(COMMAND git -C ${SOURCE_DIR} rev-parse --short=12 HEAD
                OUTPUT_VARIABLE revision OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE failed ERROR_QUIET)
if(failed OR revision STREQUAL "")
  set(revision "unknown")
else()
  execute_process(COMMAND git -C ${SOURCE_DIR} status --porcelain --untracked-files=no
                  OUTPUT_VARIABLE changes ERROR_QUIET)
  if(NOT changes STREQUAL "")
    set(revision "${revision}-dirty")
  endif()
endif()
set(text "#define SONDE_REVISION \"${revision}\"\n")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUTPUT} "${text}")
endif()
