"""Each forward argument with its own dtype: `--full-shape SHAPE:DTYPE` and `--inputs FILE` (torch.save).

    python inputs_test.py FLOPSCOPE

The model takes token ids and a float feature vector, as CLIP or Whisper take ids and pixels or audio.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import torch
from torch import nn

CLI = sys.argv[1]


class IdsAndFeatures(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(50, 6)
        self.proj = nn.Linear(5, 6)

    def forward(self, ids, features):
        return self.embed(ids).sum(1) + self.proj(features)


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


class PerInputDtype(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.model = os.path.join(cls.dir.name, "ids_and_features.pt")
        example = (torch.zeros(3, 7, dtype=torch.long), torch.randn(3, 5))
        torch.jit.save(torch.jit.trace(IdsAndFeatures().eval(), example), cls.model)

    def analyze(self, *args):
        code, out, err = run("analyze", self.model, *args, "-f", "json", "-q")
        self.assertEqual(code, 0, err)
        return json.loads(out)

    def test_shape_suffix_gives_one_input_its_dtype(self):
        r = self.analyze("--full-shape", "3,7:int64", "--full-shape", "3,5")
        self.assertEqual(r["totals"]["macs"], 3 * 5 * 6)
        self.assertEqual([i["dtype"] for i in r["inputs"]], ["int64", "float32"])

    def test_dtype_sets_the_model_and_the_float_inputs(self):
        r = self.analyze("--full-shape", "3,7:int64", "--full-shape", "3,5", "--dtype", "float64")
        self.assertEqual([i["dtype"] for i in r["inputs"]], ["int64", "float64"])
        self.assertEqual(r["totals"]["macs"], 3 * 5 * 6)

    def test_without_a_suffix_the_ids_are_float_and_the_error_says_which_input(self):
        code, _, err = run("analyze", self.model, "--full-shape", "3,7", "--full-shape", "3,5", "-q")
        self.assertEqual(code, 2)
        self.assertIn("input 1 (ids) is [3, 7] float32", err)
        self.assertIn("--full-shape 1,128:int64", err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_inputs_file_tuple_dict_and_tensor(self):
        ids, features = torch.zeros(4, 9, dtype=torch.long), torch.randn(4, 5)
        for name, value in (("tuple", (ids, features)), ("list", [ids, features]),
                            ("dict", {"features": features, "ids": ids})):
            path = os.path.join(self.dir.name, name + ".pt")
            torch.save(value, path)
            r = self.analyze("--inputs", path)
            self.assertEqual(r["totals"]["macs"], 4 * 5 * 6, name)
            self.assertEqual([i["shape"] for i in r["inputs"]], [[4, 9], [4, 5]], name)
        bad = os.path.join(self.dir.name, "bad_key.pt")
        torch.save({"ids": ids, "pixels": features}, bad)
        code, _, err = run("analyze", self.model, "--inputs", bad)
        self.assertEqual(code, 2)
        self.assertIn("'pixels', which the model's forward does not take", err)
        missing = os.path.join(self.dir.name, "missing.pt")
        torch.save({"ids": ids}, missing)
        code, _, err = run("analyze", self.model, "--inputs", missing)
        self.assertEqual(code, 2)
        self.assertIn("has no 'features'", err)


class DefaultedArguments(unittest.TestCase):
    """A scripted forward whose later arguments have defaults (nn.TransformerEncoderLayer's forward(src,
    src_mask=None, src_key_padding_mask=None, is_causal=False)) takes fewer inputs, as a call from Python does.
    Run without grad in eval, the scripted layer takes its fused fast path, _transformer_encoder_layer_fwd."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.model = os.path.join(cls.dir.name, "encoder_layer.pt")
        torch.manual_seed(0)
        torch.jit.save(torch.jit.script(nn.TransformerEncoderLayer(64, 4, 128, batch_first=True).eval()), cls.model)

    def analyze(self, *args):
        code, out, err = run("analyze", self.model, "--full-shape", "2,10,64", *args, "-f", "json", "-q")
        self.assertEqual(code, 0, err)
        return json.loads(out)

    def test_one_input_for_four_arguments(self):
        # 20 tokens, E = 64, 4 heads, F = 128: the q, k, v, output and feed-forward projections, the attention of
        # every head (2 x 4 x 10 x 10 pairs x (16 + 16)), and two affine layer norms at 5 per element.
        composite = 20 * 64 * (4 * 64 + 2 * 128) + 2 * 4 * 10 * 10 * 32 + 2 * 20 * 64 * 5
        r = self.analyze("--ops", "default")
        self.assertEqual(r["totals"]["macs"], composite)
        self.assertEqual([o["op"] for o in r["operators"]["macs"]], ["transformer_encoder_layer"])
        # all: the softmax and scaling (4 per pair and head), two residual adds, the ReLU.
        r = self.analyze("--ops", "all")
        self.assertEqual(r["totals"]["macs"], composite + 4 * 2 * 4 * 10 * 10 + 2 * 20 * 64 + 20 * 128)

    def test_too_few_or_too_many_inputs_say_the_range(self):
        code, _, err = run("analyze", self.model, "-i", "2,10,64", "-i", "1", "-i", "1", "-i", "1", "-i", "1")
        self.assertEqual(code, 2)
        self.assertIn("takes 1 to 4 argument(s) but 5 input(s) were given: forward(", err)


class PaddingMask(unittest.TestCase):
    """A scripted nn.TransformerEncoder given a padding mask in eval mode (the CLI runs without grad) turns the
    batch into a nested tensor, and each layer runs its fused fast path on it: counted per sequence."""

    def test_the_tokens_there_are(self):
        with tempfile.TemporaryDirectory() as tmp:
            model, inputs = os.path.join(tmp, "encoder.pt"), os.path.join(tmp, "inputs.pt")
            torch.manual_seed(0)
            encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4, 128, batch_first=True), 2).eval()
            torch.jit.save(torch.jit.script(encoder), model)
            padding = torch.zeros(2, 10, dtype=torch.bool)
            padding[1, 6:] = True
            torch.save({"src": torch.randn(2, 10, 64), "src_key_padding_mask": padding}, inputs)
            code, out, err = run("analyze", model, "--inputs", inputs, "--ops", "default", "-f", "json", "-q")
        self.assertEqual(code, 0, err)
        r = json.loads(out)
        # Sequences of 10 and 6 tokens (16), E = 64, 4 heads, F = 128: per layer the projections of 16 tokens, each
        # sequence's own L x L pairs x 2E, and two layer norms at 5 per element.
        layer = 16 * 64 * (4 * 64 + 2 * 128) + (10 * 10 + 6 * 6) * 2 * 64 + 2 * 16 * 64 * 5
        self.assertEqual(r["totals"]["macs"], 2 * layer)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
