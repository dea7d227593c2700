# The CUDA backend: EMBER_CUDA=AUTO|ON|OFF -> EMBER_WITH_CUDA. Only sm_90 SASS plus compute_90 PTX
# (forward compatible) to keep nvcc time down; cudart linked statically, cuBLAS dynamically with
# an rpath to the toolkit, so binaries built here run on a GPU machine with the same toolkit;
# cuDNN is not linked but loaded when first used (src/cuda/cudnn.cpp).
set(EMBER_WITH_CUDA OFF)
if(EMBER_SANITIZE)
  if(EMBER_CUDA STREQUAL "ON")
    message(WARNING "EMBER_SANITIZE forces the CUDA backend off")
  endif()
elseif(NOT EMBER_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90 CACHE STRING "CUDA architectures (90: sm_90 SASS + PTX)")
    endif()
    set(CMAKE_CUDA_RUNTIME_LIBRARY Static)
    if(CCACHE_PROGRAM)
      set(CMAKE_CUDA_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
    endif()
    enable_language(CUDA)
    # CMake 3.25 does not know nvcc 13's C++20 dialect flag.
    if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
      set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
      set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
    endif()
    set(CMAKE_CUDA_STANDARD 20)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    set(CMAKE_CUDA_EXTENSIONS OFF)
    find_package(CUDAToolkit)
    if(CUDAToolkit_FOUND AND TARGET CUDA::cublas)
      set(EMBER_WITH_CUDA ON)
    endif()
  endif()
  if(EMBER_CUDA STREQUAL "ON" AND NOT EMBER_WITH_CUDA)
    message(FATAL_ERROR "EMBER_CUDA=ON but no working nvcc / CUDA toolkit with cuBLAS was found")
  endif()
endif()
message(STATUS "ember CUDA backend: ${EMBER_WITH_CUDA}")

function(ember_add_cuda target)
  target_compile_definitions(${target} PRIVATE EMBER_WITH_CUDA=1)
  target_link_libraries(${target} PRIVATE CUDA::cudart_static CUDA::cublas CUDA::cublasLt
    ${CMAKE_DL_LIBS})
  # cuDNN is loaded at run time (Note [cuDNN at run time]); last place looked: the toolkit's.
  target_compile_definitions(${target} PRIVATE
    EMBER_CUDNN_DEFAULT_DIR="${CUDAToolkit_LIBRARY_DIR}")
  set(cuda_warn -Xcompiler=-Wall -Xcompiler=-Wextra -Xcompiler=-Wno-unused-parameter)
  if(EMBER_WERROR)
    list(APPEND cuda_warn -Werror=all-warnings -Xcompiler=-Werror)
  endif()
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:${cuda_warn} --expt-relaxed-constexpr>)
  # The installed library finds libcublas where the toolkit is (the build tree gets it anyway).
  set_property(TARGET ${target} APPEND PROPERTY INSTALL_RPATH "${CUDAToolkit_LIBRARY_DIR}")
endfunction()
