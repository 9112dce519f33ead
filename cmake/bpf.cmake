# Compiles bpf/<stem>.bpf.c against a vmlinux.h dumped from the running
# kernel's BTF and generates <stem>.skel.h with bpftool; the interface target
# <stem>_skel carries the include path and libbpf.
find_program(BPFTOOL bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)
find_program(BPF_CLANG clang REQUIRED)
set(PMTUGUARD_VMLINUX_BTF /sys/kernel/btf/vmlinux CACHE FILEPATH "BTF the vmlinux.h is generated from")
set(BPF_GEN_DIR ${CMAKE_BINARY_DIR}/bpf)
file(MAKE_DIRECTORY ${BPF_GEN_DIR})

add_custom_command(
  OUTPUT ${BPF_GEN_DIR}/vmlinux.h
  COMMAND ${BPFTOOL} btf dump file ${PMTUGUARD_VMLINUX_BTF} format c > ${BPF_GEN_DIR}/vmlinux.h
  COMMENT "Generating vmlinux.h from ${PMTUGUARD_VMLINUX_BTF}"
  VERBATIM)

# pmtuguard_bpf_skeleton(stem [SOURCE path/to/x.bpf.c]); the default source is bpf/<stem>.bpf.c.
function(pmtuguard_bpf_skeleton stem)
  cmake_parse_arguments(ARG "" "SOURCE" "" ${ARGN})
  if(ARG_SOURCE)
    set(src ${ARG_SOURCE})
  else()
    set(src ${PROJECT_SOURCE_DIR}/bpf/${stem}.bpf.c)
  endif()
  get_filename_component(src_dir ${src} DIRECTORY)
  set(obj ${BPF_GEN_DIR}/${stem}.bpf.o)
  set(skel ${BPF_GEN_DIR}/${stem}_bpf.skel.h)
  file(GLOB bpf_headers ${PROJECT_SOURCE_DIR}/bpf/*.h ${PROJECT_SOURCE_DIR}/include/pmtuguard/*.h ${src_dir}/*.h)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_x86 -mcpu=v3
            -Wall -Wextra -Wno-unused-parameter -Werror
            -I${BPF_GEN_DIR} -I${PROJECT_SOURCE_DIR}/include -I${PROJECT_SOURCE_DIR}/bpf -I${src_dir}
            -c ${src} -o ${obj}
    DEPENDS ${src} ${bpf_headers} ${BPF_GEN_DIR}/vmlinux.h
    COMMENT "BPF ${stem}.bpf.c"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${BPFTOOL} gen skeleton ${obj} name ${stem}_bpf > ${skel}
    DEPENDS ${obj}
    COMMENT "Skeleton ${stem}.skel.h"
    VERBATIM)
  add_custom_target(${stem}_skel_gen ALL DEPENDS ${skel})
  add_library(${stem}_skel INTERFACE)
  add_dependencies(${stem}_skel ${stem}_skel_gen)
  target_include_directories(${stem}_skel INTERFACE ${BPF_GEN_DIR})
  target_link_libraries(${stem}_skel INTERFACE PkgConfig::LIBBPF)
endfunction()
