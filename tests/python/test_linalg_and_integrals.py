"""Matrix powers, vector dot products, matrix norms, trapezoidal integration, torch.gradient, the multivariate log-gamma
and fractional max pooling (src/count/linalg.cpp, contraction.cpp, distance.cpp, elementwise.cpp, pool.cpp): each
costs what flopscope counts for the same computation written out as ATen runs it, and the arithmetic written out
here."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import flopscope


class Fn(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


def flops(fn, *args, ops="all"):
    result = flopscope.analyze(Fn(fn), args, ops=ops)
    assert not any("Unsupported" in w or "counted as 0" in w for w in result.warnings), result.warnings
    return result.flops


A = torch.randn(4, 5, 5)  # a batch of 4 matrices of 5 x 5


@pytest.mark.parametrize("n, products", [(2, 1), (3, 2), (4, 2), (5, 3), (8, 3), (13, 5)])
def test_matrix_power_counts_the_products_of_repeated_squaring(n, products):
    # 13 = 0b1101: A^2, A^4, A^8 (three squarings), then A * A^4 and that * A^8 (two products); 125 MACs each.
    assert flops(lambda a: torch.linalg.matrix_power(a, n), A, ops="default") == 4 * products * 5 ** 3

    def squaring(a):  # ATen's loop, written out
        z, result, k = None, None, n
        if k == 2:
            return a @ a
        if k == 3:
            return (a @ a) @ a
        while k > 0:
            bit, k = k % 2, k // 2
            z = a if z is None else z @ z
            if bit:
                result = z if result is None else result @ z
        return result

    assert flops(squaring, A, ops="default") == 4 * products * 5 ** 3


def test_negative_matrix_power_inverts_first():
    # A^-5 = (A^-1)^5: the inverse's LU (n^3/3 + 2n/3 = 45 for n = 5) and its solve against the identity (125), then
    # the 3 products of the fifth power.
    assert flops(lambda a: torch.linalg.matrix_power(a, -5), A, ops="default") == 4 * (45 + 125 + 3 * 125)
    assert (flops(lambda a: torch.linalg.matrix_power(a, -5), A, ops="default")
            == flops(lambda a: torch.linalg.matrix_power(torch.linalg.inv(a), 5), A, ops="default"))


def test_vecdot_is_a_dot_product_per_output_element():
    # x[4,5,5] . y[5] along the last dim: 4 x 5 outputs of 5 multiply-adds each, as the same product by matmul.
    y = torch.randn(5)
    assert flops(lambda a: torch.linalg.vecdot(a, y), A, ops="default") == 4 * 5 * 5
    assert flops(lambda a: torch.linalg.vecdot(a, y), A, ops="default") == flops(lambda a: a @ y, A, ops="default")


@pytest.mark.parametrize("ord, expected", [("fro", 100), (1, 100 + 20), (-1, 100 + 20), (float("inf"), 100 + 20),
                                           (float("-inf"), 100 + 20)])
def test_matrix_norms_cost_their_vector_norm_and_extreme(ord, expected):
    # 1: each column's sum of magnitudes (a vector norm over the 100 elements), then the largest of the 4 x 5 sums.
    hand_written = {
        "fro": lambda a: torch.linalg.vector_norm(a, 2, dim=(-2, -1)),
        1: lambda a: torch.linalg.vector_norm(a, 1, dim=-2).amax(-1),
        -1: lambda a: torch.linalg.vector_norm(a, 1, dim=-2).amin(-1),
        float("inf"): lambda a: torch.linalg.vector_norm(a, 1, dim=-1).amax(-1),
        float("-inf"): lambda a: torch.linalg.vector_norm(a, 1, dim=-1).amin(-1),
    }[ord]
    assert flops(lambda a: torch.linalg.matrix_norm(a, ord), A) == flops(hand_written, A) == expected
    assert flops(lambda a: torch.linalg.norm(a, ord, dim=(-2, -1)), A) == expected


def test_a_matrix_norm_that_needs_an_svd_says_it_has_no_count():
    result = flopscope.analyze(Fn(lambda a: torch.linalg.matrix_norm(a, "nuc")), (A,), ops="all")
    assert result.flops == 0
    assert any("SVD" in w for w in result.warnings), result.warnings


def test_trapezoid_costs_its_hand_written_form():
    # 20 lines of 5 samples: the 100-element sum, then per line the ends added, halved, subtracted and scaled.
    assert (flops(lambda y: torch.trapezoid(y, dx=0.5), A)
            == flops(lambda y: (y.sum(-1) - (y[..., 0] + y[..., -1]) * 0.5) * 0.5, A) == 100 + 4 * 20)
    # With sample points x[5]: their 4 differences; per interval the neighbours added, times dx, summed; per line
    # halved.
    x = torch.rand(5).cumsum(0)
    assert (flops(lambda y: torch.trapezoid(y, x), A)
            == flops(lambda y: ((x[1:] - x[:-1]) * (y[..., 1:] + y[..., :-1])).sum(-1) / 2, A) == 4 + 3 * 80 + 20)
    assert (flops(lambda y: torch.cumulative_trapezoid(y), A)
            == flops(lambda y: ((y[..., 1:] + y[..., :-1]) * 0.5).cumsum(-1), A) == 3 * 80)
    assert flops(lambda y: torch.cumulative_trapezoid(y, x), A) == 4 + 4 * 80


F46 = torch.randn(4, 6)  # 4 lines of 6 samples along dim 1, 6 lines of 4 along dim 0


def central_differences(f, h, edge_order):  # torch.gradient along dim 1 with spacing h, as ATen runs it
    center = (f[:, 2:] - f[:, :-2]) / h / 2
    if edge_order == 1:
        first, last = (f[:, 1:2] - f[:, 0:1]) / h, (f[:, -1:] - f[:, -2:-1]) / h
    else:
        first = (-1.5 * f[:, 0:1] + 2 * f[:, 1:2] - 0.5 * f[:, 2:3]) / h
        last = (0.5 * f[:, -3:-2] - 2 * f[:, -2:-1] + 1.5 * f[:, -1:]) / h
    return torch.cat([first, center, last], 1)


@pytest.mark.parametrize("edge_order, per_end", [(1, 2), (2, 6)])
def test_gradient_with_a_spacing_costs_its_hand_written_form(edge_order, per_end):
    # 4 lines: 4 interior points each (subtract, divide, halve), and each end per_end ops per line.
    expected = 3 * 4 * 4 + 2 * per_end * 4
    assert (flops(lambda f: torch.gradient(f, spacing=0.5, dim=1, edge_order=edge_order), F46)
            == flops(lambda f: central_differences(f, 0.5, edge_order), F46) == expected)
    # No spacing, every dim: dim 0 (6 lines of 4 samples, 2 interior) too.
    assert flops(lambda f: torch.gradient(f, edge_order=edge_order), F46) == expected + 3 * 6 * 2 + 2 * per_end * 6
    assert flops(lambda f: torch.gradient(f, dim=[1], edge_order=edge_order), F46) == expected


X6 = torch.rand(6).cumsum(0) + torch.arange(6.0)  # 6 increasing, unevenly spaced coordinates


def nonuniform_differences(f, edge_order):  # torch.gradient along dim 1 at coordinates X6, as ATen runs it
    dx = X6.diff()
    dx1, dx2 = dx[:-1], dx[1:]
    a, b, c = -dx2 / (dx1 * (dx1 + dx2)), (dx2 - dx1) / (dx1 * dx2), dx1 / (dx2 * (dx1 + dx2))
    center = a * f[:, :-2] + b * f[:, 1:-1] + c * f[:, 2:]
    if edge_order == 1:
        first, last = (f[:, 1:2] - f[:, 0:1]) / dx[0], (f[:, -1:] - f[:, -2:-1]) / dx[-1]
    else:
        d0, d1, dl, dm = dx[0], dx[1], dx[-1], dx[-2]
        a0, b0, c0 = -(2.0 * d0 + d1) / (d0 * (d0 + d1)), (d0 + d1) / (d0 * d1), -d0 / (d1 * (d0 + d1))
        a1, b1, c1 = dl / (dm * (dl + dm)), -(dl + dm) / (dl * dm), (2 * dl + dm) / (dl * (dl + dm))
        first = a0 * f[:, 0:1] + b0 * f[:, 1:2] + c0 * f[:, 2:3]
        last = a1 * f[:, -3:-2] + b1 * f[:, -2:-1] + c1 * f[:, -1:]
    return torch.cat([first, center, last], 1)


@pytest.mark.parametrize("edge_order, ends", [(1, 2 * 2 * 4), (2, 2 * 5 * 4 + 13 + 12)])
def test_gradient_at_coordinates_costs_its_hand_written_form(edge_order, ends):
    # X6's 5 differences; per interior point (4) the coefficients a (4 ops), b (3), c (3); per line (4) and
    # interior point the weighted sum of three neighbours (5); then the ends.
    expected = 5 + 10 * 4 + 5 * 4 * 4 + ends
    assert (flops(lambda f: torch.gradient(f, spacing=(X6,), dim=1, edge_order=edge_order), F46)
            == flops(lambda f: nonuniform_differences(f, edge_order), F46) == expected)
    assert torch.allclose(torch.gradient(F46, spacing=(X6,), dim=1, edge_order=edge_order)[0],
                          nonuniform_differences(F46, edge_order))


def test_mvlgamma_costs_its_hand_written_form():
    # p = 3: x + (1 - j) / 2 for j = 1..3 (300), their lgamma (300), the sum over j (300), the constant (100).
    positive = A.abs() + 3
    constant = 3 * 2 / 4 * torch.log(torch.tensor(torch.pi)).item()
    hand_written = lambda a: torch.lgamma(a.unsqueeze(-1) + torch.tensor([0.0, -0.5, -1.0])).sum(-1) + constant
    assert flops(lambda a: torch.mvlgamma(a, 3), positive) == flops(hand_written, positive) == 3 * 3 * 100 + 100


def test_fractional_max_pool_compares_each_window_element():
    # 2 channels of 8 x 8 to 3 x 3 windows of 2 x 2: 18 outputs of 4 elements each, as a max pool's.
    x = torch.randn(1, 2, 8, 8)
    assert flops(lambda t: F.fractional_max_pool2d(t, 2, output_size=3), x) == 2 * 3 * 3 * 4
    assert flops(lambda t: F.fractional_max_pool3d(t, 2, output_size=3), torch.randn(1, 2, 6, 6, 6)) == 2 * 27 * 8


def test_index_generation_is_no_arithmetic():
    assert flops(lambda a: a.flatten()[torch.tril_indices(3, 3)[0]], A) == 0
