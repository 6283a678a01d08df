"""The package refuses, with a clear ImportError, a torch other than the one it was built against (its C++ core
links that torch's libraries)."""
import os
import shutil
import subprocess
import sys

import pytest

import flopscope


def test_mismatched_torch_is_an_import_error(tmp_path):
    package = os.path.dirname(flopscope.__file__)
    copy = tmp_path / "flopscope"
    shutil.copytree(package, copy)
    build = (copy / "_build.py").read_text().replace(f'torch_version = "{flopscope._build.torch_version}"',
                                                     'torch_version = "1.0.0"')
    (copy / "_build.py").write_text(build)
    run = subprocess.run([sys.executable, "-c", "import flopscope"], cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert run.returncode != 0
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: flopscope was built against torch 1.0.0 but this environment has torch")


def test_import_leaves_nothing_global():
    # Importing registers no hooks or callbacks: a plain forward afterwards runs as before.
    run = subprocess.run([sys.executable, "-c", "import torch, flopscope; from torch import nn; "
                          "import torch.nn.modules.module as m; "
                          "assert not m._global_forward_hooks and not m._global_forward_pre_hooks; "
                          "print(flopscope.__version__)"],
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.path.dirname(
                             os.path.dirname(flopscope.__file__))})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == flopscope.__version__


def test_torch_errors_keep_their_type_after_import():
    # An error torch's C++ raises in torch's own functions is still torch's RuntimeError once flopscope is loaded (and
    # has analysed something): flopscope's translation of C++ errors applies to its own functions only.
    import torch

    flopscope.analyze(torch.nn.Linear(2, 2), torch.ones(1, 2))
    with pytest.raises(Exception, match="cannot be traced") as error:  # any type: the type is what is checked
        torch.jit.trace(lambda a, b: a, (torch.ones(1), 3))  # tracing refuses an int input, from C++
    assert type(error.value) is RuntimeError, type(error.value).__mro__
