"""flopscope's exceptions: the library's typed errors, as Python classes.

Every error flopscope raises on purpose is a flopscope.Error; the one for bad arguments is also a ValueError
(mmengine raises ValueError for the same mistakes), the others also RuntimeErrors. An exception the model's own
forward raises reaches the caller as itself, with flopscope's line (the op and module it failed in) as a note.
"""


class Error(Exception):
    """Base of every error flopscope raises on purpose."""


class InvalidInput(Error, ValueError):
    """The arguments are wrong: no inputs, both inputs and input_shape, an unknown op set or device, ..."""


class CudaUnavailable(Error, RuntimeError):
    """CUDA was asked for but cannot be used here; the message says why."""


class ForwardFailed(Error, RuntimeError):
    """The model's forward failed inside LibTorch; the message names the op and the module."""
