"""`flopscope analyze --shape-only` gives the real forward's report, byte for byte.

    python shape_only_test.py FLOPSCOPE FIXTURE_DIR            # the fixtures: TestNet, ResNet-50, LSTM, attention
    python shape_only_test.py FLOPSCOPE FIXTURE_DIR --zoo DIR  # every model of the reference zoo

The expectation is the CPU run of the same model by the same binary: a forward on meta tensors must see the same
ops with the same shapes, so the table, the arch, the summary and the JSON (all but the run's device) are
identical. Models whose forward reads tensor values must be refused with one line and exit status 2.
"""
import json
import os
import subprocess
import sys
import unittest

CLI, FIXTURES = sys.argv[1:3]
ZOO = sys.argv[sys.argv.index("--zoo") + 1] if "--zoo" in sys.argv else None
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from parity import shape_args  # noqa: E402  one --full-shape per input, with its dtype


def run(*args, status=0):
    p = subprocess.run([CLI, *args, "--quiet"], capture_output=True, text=True)
    if p.returncode != status:
        raise AssertionError(f"flopscope {' '.join(args)} -> {p.returncode}, want {status}: {p.stderr}")
    return p


class SameReport(unittest.TestCase):
    def same(self, model, *shape_args, ops=("mmengine", "all")):
        for op_set in ops:
            args = ["analyze", model, *shape_args, "--ops", op_set]
            with self.subTest(model=os.path.basename(model), ops=op_set):
                cpu_text = run(*args, "--format", "table,arch,summary,operators").stdout
                meta_text = run(*args, "--shape-only", "--format", "table,arch,summary,operators").stdout
                self.assertEqual(cpu_text, meta_text)
                cpu_json = json.loads(run(*args, "--format", "json").stdout)
                meta_json = json.loads(run(*args, "--shape-only", "--format", "json").stdout)
                self.assertEqual(cpu_json.pop("device"), "cpu")
                self.assertEqual(meta_json.pop("device"), "meta")
                self.assertEqual(json.dumps(cpu_json, sort_keys=True), json.dumps(meta_json, sort_keys=True))
                self.assertGreater(len(cpu_text), 100)

    def test_fixtures(self):
        if ZOO:
            self.skipTest("zoo run")
        f = lambda name: os.path.join(FIXTURES, name)  # noqa: E731
        self.same(f("testnet_scripted.pt"), "--input-shape", "10")
        self.same(f("testnet_traced.pt"), "--input-shape", "1,10")
        self.same(f("odd/shared_twice.pt"), "--input-shape", "10")
        # LSTM and attention run fused kernels on the CPU and their composite forms on meta.
        self.same(f("lstm.pt"), "--full-shape", "7,3,5")
        self.same(f("causal_attention.pt"), "--full-shape", "2,3,5,8")
        self.same(f("resnet50_scripted.pt"), "--input-shape", "3,224,224")
        self.same(f("resnet50_traced.pt"), "--input-shape", "3,224,224", ops=("default",))
        # Ops whose kernels call mm inside (tensordot, cdist, the MHA fast path, the MoE experts' _grouped_mm),
        # and three modules tied to one weight.
        self.same(f("real_world/contractions.pt"), "--full-shape", "11,5", "--full-shape", "11,7", "--full-shape",
                  "2,13,6", "--full-shape", "2,5,12", "--full-shape", "13,8", ops=("mmengine", "default"))
        self.same(f("real_world/tied.pt"), "--full-shape", "2,16")
        # --device meta means the same as --shape-only
        a = run("analyze", f("testnet_scripted.pt"), "-i", "10", "--device", "meta", "-f", "table").stdout
        b = run("analyze", f("testnet_scripted.pt"), "-i", "10", "-f", "table").stdout
        self.assertEqual(a, b)

    def test_zoo(self):
        if not ZOO:
            self.skipTest("no --zoo")
        names = sorted(n[:-3] for n in os.listdir(ZOO) if n.endswith(".pt"))
        self.assertGreaterEqual(len(names), 16, names)
        for name in names:
            with open(os.path.join(ZOO, name + ".json")) as fh:
                ref = json.load(fh)
            self.same(os.path.join(ZOO, name + ".pt"), *shape_args(ref), ops=("all",))


class Refusals(unittest.TestCase):
    def one_error_line(self, p):
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        return lines[0]

    def test_a_forward_that_reads_values(self):
        if ZOO:
            self.skipTest("zoo run")
        # DataDependent branches on bool(x.sum() > 1e9): a meta tensor has no value to branch on.
        p = run("analyze", os.path.join(FIXTURES, "odd/data_dependent.pt"), "-i", "10", "--shape-only", status=2)
        self.assertRegex(self.one_error_line(p),
                         r"^flopscope: error: cannot be analysed shape-only: aten::\w+ needs tensor values; "
                         r"analyse on cpu$")

    def test_contradictions(self):
        if ZOO:
            self.skipTest("zoo run")
        p = run("analyze", os.path.join(FIXTURES, "testnet_scripted.pt"), "-i", "10", "--shape-only",
                "--device", "cpu", status=2)
        self.assertIn("--shape-only runs on the meta device", self.one_error_line(p))
        p = run("analyze", "testnet", "--shape-only", status=2)
        self.assertIn("cannot be analysed shape-only", self.one_error_line(p))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]])
