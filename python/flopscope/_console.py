"""The console mmengine's table is drawn for: the rich Console() mmengine makes for it. rich narrows a wider table to
its width (wrapping cells, cutting long names with "…"), and where it renders styles it makes the header bold, so
mmengine's out_table depends on where it runs: 80 columns and no codes in a log or a pipe, the terminal's width and a
bold header in a terminal, 115 columns and a bold header in a notebook, $COLUMNS when set. The rules are rich's
(Console.__init__, Console.size, Console.is_terminal, Console._detect_color_system, _is_jupyter); rich itself is not
needed."""
import builtins
import os
import sys

_JUPYTER_DEFAULT_COLUMNS = 115


def _digits(name):
    value = os.environ.get(name)
    return int(value) if value is not None and value.isdigit() else None


def _is_jupyter():
    get_ipython = getattr(builtins, "get_ipython", None)
    if get_ipython is None:
        return False
    shell = get_ipython()
    return ("google.colab" in str(shell.__class__) or bool(os.getenv("DATABRICKS_RUNTIME_VERSION"))
            or shell.__class__.__name__ == "ZMQInteractiveShell")


def _is_terminal():
    if _is_jupyter():
        return False
    if getattr(sys.stdin, "__module__", "").startswith("idlelib"):
        return False
    tty_compatible = os.environ.get("TTY_COMPATIBLE", "")
    if tty_compatible in ("0", "1"):
        return tty_compatible == "1"
    force_color = os.environ.get("FORCE_COLOR")
    if force_color is not None:
        return force_color != ""
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        return False if isatty is None else bool(isatty())
    except ValueError:  # a closed stdout
        return False


def _is_dumb_terminal():
    return _is_terminal() and os.environ.get("TERM", "").lower() in ("dumb", "unknown")


def styled():
    """Whether rich renders styles here (its colour system is not None): a notebook, or a terminal that is not dumb."""
    if _is_jupyter():
        return True
    return _is_terminal() and not _is_dumb_terminal()


def console_width():
    """Columns a fresh rich Console() would have here (on Windows' legacy console rich takes one less)."""
    if _is_jupyter():
        width = _digits("JUPYTER_COLUMNS")
        return _JUPYTER_DEFAULT_COLUMNS if width is None else width
    width, height = _digits("COLUMNS"), _digits("LINES")
    if width is not None and height is not None:
        return width
    if _is_dumb_terminal():
        return 80
    if width is not None:
        return width
    for fd in (0, 1, 2):  # stdin first, as rich asks
        try:
            width = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):
            continue
        break
    return width or 80
