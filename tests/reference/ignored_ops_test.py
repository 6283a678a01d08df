"""The ops every op set ignores (counted as 0, never named unsupported) are mmengine's _IGNORED_OPS, read from
mmengine itself, plus the TorchScript interpreter's scalar reads (aten::item, aten::_local_scalar_dense).

    python ignored_ops_test.py FLOPSCOPE
"""
import subprocess
import sys

from mmengine.analysis.jit_analysis import _IGNORED_OPS

flopscope = sys.argv[1]
want = {"aten::" + name if not name.startswith("aten::") else name for name in _IGNORED_OPS}
want |= {"aten::item", "aten::_local_scalar_dense"}
failed = False
for op_set in ("mmengine", "default", "all"):
    out = subprocess.run([flopscope, "ops", "--ops", op_set], capture_output=True, text=True, check=True).stdout
    line = [l for l in out.splitlines() if l.startswith("ignored (counted as 0 without a warning):")][-1]
    got = set(line.split(":", 1)[1].split())
    if got != want:
        failed = True
        print(f"{op_set}: flopscope ignores {sorted(got - want)} that mmengine does not, and misses {sorted(want - got)}")
print("ignored ops: as mmengine's _IGNORED_OPS" if not failed else "ignored ops differ from mmengine's")
sys.exit(1 if failed else 0)
