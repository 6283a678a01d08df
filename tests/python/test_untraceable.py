"""A model no file-based path can analyse: its forward branches on tensor values and loops a data-dependent
number of times, so a trace or an export keeps only one path. Analysed live, every op that ran is counted;
the expected numbers are written out from the layer sizes."""
import torch
from torch import nn

import flopscope


class Adaptive(nn.Module):
    """Runs `refine` until the activations' norm drops under a bound (at most `cap` times), and takes one of two
    heads depending on the sign of the first output."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Linear(6, 20)
        self.refine = nn.Linear(20, 20)
        self.small = nn.Linear(20, 3)
        self.large = nn.Sequential(nn.Linear(20, 40), nn.ReLU(), nn.Linear(40, 3))

    def forward(self, x, steps):
        h = self.stem(x)
        n = 0
        while n < int(steps.item()):  # data-dependent trip count
            h = torch.tanh(self.refine(h))
            n += 1
        if h[0, 0] > 0:  # data-dependent branch
            return self.small(h)
        return self.large(h)


def run(first_sign, steps):
    torch.manual_seed(0)
    model = Adaptive()
    with torch.no_grad():  # make the branch certain: bias the first output of refine / stem
        model.refine.bias.zero_()
        model.refine.bias[0] = 100.0 * first_sign
        model.stem.bias.zero_()
        model.stem.bias[0] = 100.0 * first_sign
    x = torch.randn(5, 6)
    return flopscope.analyze(model, (x, torch.tensor(steps)))


def macs(result):
    return {m["path"]: m["macs"] for m in result.modules}


def test_loop_and_small_head():
    result = run(+1, steps=3)
    m = macs(result)
    # 5 rows: stem 6x20, three passes through refine 20x20, small head 20x3.
    assert m["stem"] == 5 * 6 * 20
    assert m["refine"] == 3 * 5 * 20 * 20
    assert m["small"] == 5 * 20 * 3
    assert m["large"] == 0
    assert result.flops == 5 * (6 * 20 + 3 * 20 * 20 + 20 * 3)


def test_no_loop_and_large_head():
    result = run(-1, steps=0)
    m = macs(result)
    # stem, no refine, the large head: 20x40 then 40x3.
    assert m["refine"] == 0
    assert m["large"] == 5 * (20 * 40 + 40 * 3)
    assert m["large.0"] == 5 * 20 * 40
    assert result.flops == 5 * (6 * 20 + 20 * 40 + 40 * 3)
    assert "refine" in [mm["path"] for mm in result.modules if not mm["called"]]
