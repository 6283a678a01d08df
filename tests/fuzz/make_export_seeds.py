# Fuzz seeds for export_fuzz (tests/fuzz/corpus/export): the graph JSON (models/model.json) of small programs that
# reach the reader's control flow (cond on a value and on a size, scan, map, while_loop), its symbols (sizes
# derived from two dynamic inputs, a slice by a symbolic expression, stft) and a size only values decide (u0).
#
#   python tests/fuzz/make_export_seeds.py tests/fuzz/corpus/export
import io, sys, zipfile, torch
from torch import nn
from torch.export import Dim
out = sys.argv[1]

def save(name, ep):
    buf = io.BytesIO(); torch.export.save(ep, buf)
    with zipfile.ZipFile(buf) as z:
        data = z.read(next(n for n in z.namelist() if n.endswith("models/model.json")))
    open(f"{out}/{name}.json", "wb").write(data); print(name, len(data))

class Cond(nn.Module):
    def __init__(s): super().__init__(); s.a = nn.Linear(8, 8); s.b = nn.Linear(8, 4)
    def forward(s, x):
        y = torch.cond(x.sum() > 0, lambda t: s.a(t), lambda t: s.a(t) * 2, (x,))
        y = torch.cond(x.shape[0] > 4, lambda t: s.a(t), lambda t: t * 1, (y,))
        return s.b(y)
save("cond", torch.export.export(Cond(), (torch.randn(6, 8),), dynamic_shapes=({0: Dim("b", min=2, max=32)},)))

class Scan(nn.Module):
    def __init__(s): super().__init__(); s.w = nn.Linear(8, 8)
    def forward(s, x):
        from torch._higher_order_ops.scan import scan
        def step(c, xi):
            c = torch.tanh(s.w(xi) + c); return c, c.clone()
        c, ys = scan(step, torch.zeros(x.shape[1], 8), x)
        m = torch._higher_order_ops.map(lambda xi: s.w(xi), x)
        return ys.sum() + c.sum() + m.sum()
save("scan_map", torch.export.export(Scan(), (torch.randn(5, 3, 8),), dynamic_shapes=({0: Dim("t", min=2, max=64), 1: Dim.AUTO},)))

class While(nn.Module):
    def forward(s, x):
        from torch._higher_order_ops.while_loop import while_loop
        i0 = torch.zeros((), dtype=torch.long)
        i, y = while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y @ y.T @ y), (i0, x))
        return y
save("while", torch.export.export(While(), (torch.randn(4, 4),)))

class Reshape(nn.Module):
    def __init__(s): super().__init__(); s.p = nn.Linear(16, 16); s.c = nn.Conv1d(4, 4, 3, padding=1)
    def forward(s, x, y):
        b, t, c = x.shape
        h = s.p(x).view(b * t, 4, 4)
        h = torch.cat([h, y[: b * t]], 1)
        z = s.c(h.transpose(1, 2)).flatten(1)
        return z[:, : (t + 1) // 2], torch.stft(x.flatten(1), 16, 8, window=torch.hann_window(16), return_complex=True)
x, y = torch.randn(2, 6, 16), torch.randn(12, 3, 4)
save("symbols", torch.export.export(Reshape(), (x, y), dynamic_shapes=({0: Dim.AUTO, 1: Dim.AUTO}, {0: Dim.AUTO})))

class Nonzero(nn.Module):
    def __init__(s): super().__init__(); s.p = nn.Linear(8, 8)
    def forward(s, x, mask):
        rows = x[mask.nonzero().squeeze(1)]
        n = mask.sum().item()
        torch._check(n >= 1)
        return s.p(rows).sum(0) * n
save("data_dependent", torch.export.export(Nonzero(), (torch.randn(6, 8), torch.tensor([1, 0, 1, 1, 0, 1], dtype=torch.bool))))
