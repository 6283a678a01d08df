"""flopscope's exceptions: the library's typed errors, as Python classes.

Every error flopscope raises on purpose is a flopscope.Error; the one for bad arguments is also a ValueError
(mmengine raises ValueError for the same mistakes), the others also RuntimeErrors. An exception the model's own
forward raises reaches the caller as itself, with flopscope's line (the op and module it failed in) as a note.
"""
import contextlib
import re


class Error(Exception):
    """Base of every error flopscope raises on purpose."""


class InvalidInput(Error, ValueError):
    """The arguments are wrong: no inputs, both inputs and input_shape, an unknown op set or device, ..."""


class CudaUnavailable(Error, RuntimeError):
    """CUDA was asked for but cannot be used here; the message says why."""


class ForwardFailed(Error, RuntimeError):
    """The model's forward failed inside LibTorch; the message names the op and the module."""


# The library speaks the command line's options; from Python they are this package's arguments.
_OPTIONS = [
    (re.compile(r"--dim ([\w.]+)=(\w+)"), r'dims={"\1": \2}'),
    (re.compile(r"--dim ([\w.]+)"), r'dims["\1"]'),
    (re.compile(r"--ops (\w+)"), r'ops="\1"'),
    (re.compile(r"--device (cuda(?::N)?)"), r'device="\1"'),
    (re.compile(r"--train-step"), "train_step=True"),
    (re.compile(r"--shape-only"), "shape_only=True"),
    (re.compile(r"--counters"), "counters=True"),
    (re.compile(r"--chrome-trace"), "chrome_trace=True"),
    (re.compile(r"--allow-cpu-fallback"), "allow_cpu_fallback=True"),
    (re.compile(r"--no-gpu-timing"), "gpu=False"),
    (re.compile(r"--run\b"), "run=True"),
    (re.compile(r"--device"), "device"),
    (re.compile(r"the archive's weights"), "the program's weights"),
]


def in_python_words(message):
    """The library's message with the command line's options written as the package's arguments."""
    for pattern, words in _OPTIONS:
        message = pattern.sub(words, message)
    return message


@contextlib.contextmanager
def python_words():
    """Re-raises the library's InvalidInput in the package's words (in_python_words)."""
    try:
        yield
    except InvalidInput as e:
        said = in_python_words(str(e))
        if said == str(e):
            raise
        raise InvalidInput(said) from None
