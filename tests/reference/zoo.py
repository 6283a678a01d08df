"""The model zoo of the parity suite.

ZOO: name -> (model factory, input shape with batch) for the torchvision and hand-written models, one float
input each (tiny_gpt: int64 token ids). HF_ZOO (hf_zoo.py): transformers and timm models from tiny configs,
name -> (factory, [(argument name, shape, dtype), ...]). MODELS joins both in that second form; `make_inputs`
makes the tensors the reference tools see.
"""
import torch
import torchvision
from torch import nn
from torch.nn import functional as F

from hf_zoo import HF_ZOO


class BiLstm(nn.Module):
    """A 2-layer bidirectional LSTM over [T, N, features], returning the output sequence."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(input_size=64, hidden_size=128, num_layers=2, bidirectional=True)
        self.head = nn.Linear(256, 10)

    def forward(self, x):
        return self.head(self.lstm(x)[0])


class CausalSelfAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).reshape(b, t, c))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = CausalSelfAttention(dim, heads)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class TinyGpt(nn.Module):
    """A small GPT-style decoder: token + position embeddings, 4 causal blocks, a tied-free LM head."""

    def __init__(self, vocab=1000, dim=128, heads=4, layers=4, context=64):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(context, dim)
        self.blocks = nn.Sequential(*[Block(dim, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab, bias=False)

    def forward(self, idx):
        t = idx.shape[1]
        x = self.tok(idx) + self.pos(torch.arange(t, device=idx.device))
        return self.head(self.ln(self.blocks(x)))


class EinsumMixer(nn.Module):
    """einsum in the forms mmengine special-cases and in forms it sends through numpy's optimal path."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(16, 16))
        self.proj = nn.Linear(16, 16)

    def forward(self, x):
        y = torch.einsum("bij,jk->bik", x, self.w)
        scores = torch.einsum("bik,bjk->bij", y, y)
        mixed = torch.einsum("bij,bjk->bik", scores, y)
        gate = torch.einsum("bi,bj,ij->b", x[:, 0], x[:, 1], self.w)
        head = torch.einsum("...ij,jk->...ik", self.proj(mixed), self.w)
        return head * gate[:, None, None]


def transformer_encoder():
    layer = nn.TransformerEncoderLayer(d_model=512, nhead=8, batch_first=True)
    return nn.TransformerEncoder(layer, num_layers=6, enable_nested_tensor=False)


IMAGE = [1, 3, 224, 224]
ZOO = {
    "resnet18": (torchvision.models.resnet18, IMAGE),
    "resnet50": (torchvision.models.resnet50, IMAGE),
    "mobilenet_v2": (torchvision.models.mobilenet_v2, IMAGE),
    "mobilenet_v3_large": (torchvision.models.mobilenet_v3_large, IMAGE),
    "efficientnet_b0": (torchvision.models.efficientnet_b0, IMAGE),
    "vgg11_bn": (torchvision.models.vgg11_bn, IMAGE),
    "densenet121": (torchvision.models.densenet121, IMAGE),
    "convnext_tiny": (torchvision.models.convnext_tiny, IMAGE),
    "regnet_y_400mf": (torchvision.models.regnet_y_400mf, IMAGE),
    "shufflenet_v2_x1_0": (torchvision.models.shufflenet_v2_x1_0, IMAGE),
    "vit_b_16": (torchvision.models.vit_b_16, IMAGE),
    "swin_t": (torchvision.models.swin_t, IMAGE),
    "transformer_encoder": (transformer_encoder, [2, 32, 512]),
    "bilstm": (BiLstm, [20, 3, 64]),
    "tiny_gpt": (TinyGpt, [2, 64]),
    "einsum_mixer": (EinsumMixer, [2, 8, 16]),
}


def make_input(name, shape):
    if name == "tiny_gpt":
        return torch.randint(0, 1000, shape)
    return torch.randn(shape)


MODELS = {name: (factory, [("x", shape, "int64" if name == "tiny_gpt" else "float32")])
          for name, (factory, shape) in ZOO.items()}
MODELS.update(HF_ZOO)


def make_inputs(name):
    """The forward's tensors, in order. Integer inputs of the Hugging Face models are zeros, as flopscope makes
    them (valid token ids; a forward traced on them sees the same values); float inputs are random normal."""
    if name in ZOO:
        return (make_input(name, ZOO[name][1]),)
    return tuple(torch.zeros(shape, dtype=getattr(torch, dtype)) if dtype != "float32" else torch.randn(shape)
                 for _, shape, dtype in MODELS[name][1])
