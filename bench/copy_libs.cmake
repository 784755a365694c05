# copy_libs.cmake - cmake -DPROGRAM=<program> -DDEST=<dir> -P copy_libs.cmake
# Copies the shared objects PROGRAM loads that a machine without compilers
# may lack (libomp, libtbb, and the C++ runtime they need) into DEST, under
# the names the loader asks for; the programs find them through their
# $ORIGIN RPATH. Each file is written to a temporary name and renamed, so a
# half-copied library is never visible. glibc itself is never copied.
execute_process(COMMAND ldd ${PROGRAM} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "copy_libs: ldd ${PROGRAM} failed")
endif()
string(REPLACE "\n" ";" lines "${out}")
foreach(line IN LISTS lines)
  if(line MATCHES "^[ \t]*((libomp|libtbb|libstdc\\+\\+|libgcc_s)[^ ]*) => ([^ ]+)")
    set(name ${CMAKE_MATCH_1})
    set(path ${CMAKE_MATCH_3})
    if(path STREQUAL "not")
      message(FATAL_ERROR "copy_libs: ${PROGRAM} needs ${name}, which is not found")
    endif()
    get_filename_component(real ${path} REALPATH)
    if(NOT EXISTS ${DEST}/${name} OR ${real} IS_NEWER_THAN ${DEST}/${name})
      file(COPY_FILE ${real} ${DEST}/.${name}.tmp)
      file(RENAME ${DEST}/.${name}.tmp ${DEST}/${name})
    endif()
  endif()
endforeach()
