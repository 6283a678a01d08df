#!/usr/bin/env bash
# flopscope links only LibTorch's CPU half: libtorch_cuda.so (and cuDNN, cuBLAS, ... behind it) is opened at run
# time when a CUDA device is requested. A direct dependency would bring them back into every start-up.
#   no_cuda_at_load.sh FLOPSCOPE
set -u
cli=$1 failed=0
needed=$(readelf -d "$cli" | grep NEEDED)
echo "$needed"
if grep -qE 'libtorch_cuda|libtorch\.so|libc10_cuda|cudnn|cublas|cufft|cusparse|nccl' <<<"$needed"; then
  echo "FAIL: a CUDA library is a load-time dependency of $cli"; failed=1
fi
# In a started process: --version must not map libtorch_cuda.so (LD_DEBUG lists what the loader opens).
if LD_DEBUG=files "$cli" --version 2>&1 >/dev/null | grep -qE 'file=.*(libtorch_cuda|libcudnn|libcublas)'; then
  echo "FAIL: flopscope --version loads a CUDA library"; failed=1
fi
# Device discovery still works (it opens the driver itself), and names a reason when there is no device.
out=$("$cli" devices) || { echo "FAIL: flopscope devices -> $?"; failed=1; }
echo "devices: $out"
grep -qE '^(CUDA: [0-9]+ device|no CUDA device: .+)' <<<"$out" || { echo "FAIL: devices printed '$out'"; failed=1; }
# A CPU analysis runs without the CUDA library.
if LD_DEBUG=files "$cli" analyze testnet -q -f summary 2>&1 >/dev/null | grep -qE 'file=.*libtorch_cuda'; then
  echo "FAIL: a CPU analysis loads libtorch_cuda.so"; failed=1
fi
exit $failed
