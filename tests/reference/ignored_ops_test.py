"""The ops the mmengine op set ignores (counted as 0, never named unsupported) are mmengine's _IGNORED_OPS, read
from mmengine itself, plus the TorchScript interpreter's scalar reads (aten::item, aten::_local_scalar_dense).
default and all ignore those too, and ops with no arithmetic beyond them (src/count/ignored.cpp), the same in both;
none of those is an op mmengine or fvcore has a handler for.

    python ignored_ops_test.py FLOPSCOPE
"""
import subprocess
import sys

from fvcore.nn.flop_count import _DEFAULT_SUPPORTED_OPS as FVCORE_HANDLED
from mmengine.analysis.complexity_analysis import _DEFAULT_SUPPORTED_FLOP_OPS as MMENGINE_HANDLED
from mmengine.analysis.jit_analysis import _IGNORED_OPS

flopscope = sys.argv[1]


def aten(names):
    return {"aten::" + name if not name.startswith("aten::") else name for name in names}


def ignored(op_set):
    out = subprocess.run([flopscope, "ops", "--ops", op_set], capture_output=True, text=True, check=True).stdout
    line = [l for l in out.splitlines() if l.startswith("ignored (counted as 0 without a warning):")][-1]
    return set(line.split(":", 1)[1].split())


want = aten(_IGNORED_OPS) | {"aten::item", "aten::_local_scalar_dense"}
failed = False
got = ignored("mmengine")
if got != want:
    failed = True
    print(f"mmengine: flopscope ignores {sorted(got - want)} that mmengine does not, and misses {sorted(want - got)}")
default, everything = ignored("default"), ignored("all")
handled = aten(MMENGINE_HANDLED) | aten(FVCORE_HANDLED)
for op_set, got in (("default", default), ("all", everything)):
    if not want <= got:
        failed = True
        print(f"{op_set}: flopscope does not ignore {sorted(want - got)}, which mmengine ignores")
    if got & handled:
        failed = True
        print(f"{op_set}: flopscope ignores {sorted(got & handled)}, which mmengine or fvcore count")
if default != everything:
    failed = True
    print(f"default and all ignore different ops: {sorted(default ^ everything)}")
print("ignored ops: as mmengine's _IGNORED_OPS (and ops with no arithmetic in default and all)" if not failed
      else "ignored ops differ")
sys.exit(1 if failed else 0)
