"""`flopscope analyze` on torch.export .pt2 archives (graph mode), their sweeps and their errors.

    python exported_test.py FLOPSCOPE FIXTURE_DIR SCHEMA

The fixtures come from tests/fixtures/make_exported.py, with mmengine's numbers for the original modules
(exported/mmengine.json). Expected values are mmengine's, or arithmetic written out here.
"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

import jsonschema

CLI, FIXTURES, SCHEMA = sys.argv[1:4]
EX = os.path.join(FIXTURES, "exported")
with open(os.path.join(EX, "mmengine.json")) as f:
    MMENGINE = json.load(f)


def two_linear(seq):
    """TwoLinear on [2, seq, 16]: a = Linear(16, 32) twice, ln = LayerNorm(32) (mmengine: 5 per element with an
    affine transform), b = Linear(32, 8); unused = Linear(4, 4) is never called."""
    a = 2 * (2 * seq * 16 * 32)
    ln = 2 * seq * 32 * 5
    b = 2 * seq * 32 * 8
    return {"macs": a + ln + b, "activations": 2 * (2 * seq * 32) + 2 * seq * 8,
            "parameters": (16 * 32 + 32) + (32 * 8 + 8) + (4 * 4 + 4) + 2 * 32,
            "by_module": {"a": a, "ln": ln, "b": b, "unused": 0}}


def run(*args, status=0):
    p = subprocess.run([CLI, *args], capture_output=True, text=True)
    if p.returncode != status:
        raise AssertionError(f"flopscope {' '.join(args)} -> {p.returncode}, want {status}: {p.stderr}")
    return p


class Exported(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(SCHEMA) as f:
            cls.schema = json.load(f)

    def report(self, model, *args):
        r = json.loads(run("analyze", os.path.join(EX, model), *args, "--format", "json", "--quiet").stdout)
        jsonschema.validate(r, self.schema)
        return r

    def assert_mmengine(self, report, key):
        mm = MMENGINE[key]
        mods = {m["path"]: m for m in report["modules"]}
        self.assertEqual(set(mods), set(mm["flops"]), key)
        for path in mm["flops"]:
            self.assertEqual(mods[path]["macs"], mm["flops"][path], (key, path))
            self.assertEqual(mods[path]["activations"], mm["activations"].get(path, 0), (key, path))
            self.assertEqual(mods[path]["parameters"], mm["parameters"].get(path, 0), (key, path))

    def test_graph_mode_equals_mmengine_and_arithmetic(self):
        for model in ("two_linear.pt2", "two_linear_static.pt2", "no_weights.pt2"):
            with self.subTest(model=model):
                r = self.report(model)
                self.assert_mmengine(r, "two_linear@10")
                want = two_linear(10)
                self.assertEqual(r["totals"], {"parameters": want["parameters"], "macs": want["macs"],
                                               "flops": 2 * want["macs"], "activations": want["activations"]})
                self.assertEqual(r["model"]["kind"], "exported")
                self.assertEqual(r["mode"], "as exported")
                self.assertEqual(r["inputs"], [{"shape": [2, 10, 16], "dtype": "float32"}])
                self.assertEqual(r["export"]["dialect"], "TRAINING")
                self.assertRegex(r["export"]["schema_version"], r"^8\.\d+$")
                self.assertEqual([m["called"] for m in r["modules"] if m["path"] == "unused"], [False])
        self.assert_mmengine(self.report("conv.pt2"), "conv")

    def test_dims_bind_a_symbol_by_name_or_input_dimension(self):
        r = self.report("two_linear.pt2")
        (symbol,) = r["export"]["dims"]
        self.assertEqual(r["export"]["dims"][symbol], 10)  # the example value
        for name in (symbol, "x.1"):
            for seq in (2, 100, 4096):
                with self.subTest(name=name, seq=seq):
                    r = self.report("two_linear.pt2", "--dim", f"{name}={seq}")
                    self.assert_mmengine(r, f"two_linear@{seq}")
                    self.assertEqual(r["totals"]["macs"], two_linear(seq)["macs"])
                    self.assertEqual(r["inputs"], [{"shape": [2, seq, 16], "dtype": "float32"}])
                    self.assertEqual(r["export"]["dims"], {symbol: seq})

    def test_sweep(self):
        seqs = [2, 10, 100, 4096]
        values = ",".join(map(str, seqs))
        r = json.loads(run("analyze", os.path.join(EX, "two_linear.pt2"), "--dim", "x.1=" + values, "-f", "json",
                           "-q").stdout)
        self.assertEqual((r["kind"], r["dim"], r["values"]), ("sweep", "x.1", seqs))
        self.assertEqual(r["totals"]["macs"], [two_linear(s)["macs"] for s in seqs])
        self.assertEqual(r["totals"]["activations"], [two_linear(s)["activations"] for s in seqs])
        self.assertEqual([i[0]["shape"] for i in r["inputs"]], [[2, s, 16] for s in seqs])
        for m in r["modules"]:
            for i, s in enumerate(seqs):
                mm = MMENGINE[f"two_linear@{s}"]
                self.assertEqual(m["macs"][i], mm["flops"][m["path"]], (m["path"], s))
                self.assertEqual(m["activations"][i], mm["activations"].get(m["path"], 0), (m["path"], s))
        rows = list(csv.DictReader(io.StringIO(run("analyze", os.path.join(EX, "two_linear.pt2"), "--dim",
                                                   "x.1=" + values, "-f", "csv", "-q").stdout)))
        self.assertEqual(len(rows), 5 * len(seqs))  # root, a, b, unused, ln
        for row in rows:
            want = two_linear(int(row["x.1"]))
            self.assertEqual(int(row["macs"]), want["macs"] if row["module"] == "" else want["by_module"][row["module"]])
        table = run("analyze", os.path.join(EX, "two_linear.pt2"), "--dim", "x.1=2,4096", "-q").stdout
        self.assertIn("#flops @2", table)
        self.assertIn("#flops @4096", table)

    def test_compare_reads_pt2_reports(self):
        # A sequence length 4x as long: every module grows; compare says so (exit 1) once told the inputs differ.
        with tempfile.TemporaryDirectory() as tmp:
            a, b = os.path.join(tmp, "a.json"), os.path.join(tmp, "b.json")
            run("analyze", os.path.join(EX, "two_linear.pt2"), "--dim", "x.1=100", "-f", "json", "-q", "-o", a)
            run("analyze", os.path.join(EX, "two_linear.pt2"), "--dim", "x.1=400", "-f", "json", "-q", "-o", b)
            self.assertIn("different inputs", run("compare", a, b, status=2).stderr)
            out = json.loads(run("compare", a, b, "--allow-different-inputs", "-f", "json", status=1).stdout)
            macs = {m["path"]: (m["metrics"]["macs"]["base"], m["metrics"]["macs"]["new"]) for m in out["modules"]}
            self.assertEqual(macs[""], (two_linear(100)["macs"], two_linear(400)["macs"]))
            self.assertEqual(out["regressions"], 4)  # the root, a, b, ln; unused stays at 0

    def test_every_format(self):
        for fmt in ("table", "arch", "summary", "operators", "csv"):
            with self.subTest(fmt=fmt):
                self.assertTrue(run("analyze", os.path.join(EX, "conv.pt2"), "-f", fmt, "-q").stdout.strip())
        # The layer settings come from the graph's parameters and op arguments: the arch tree is mmengine's.
        arch = run("analyze", os.path.join(EX, "conv.pt2"), "-f", "arch", "-q", "-o", "/dev/stdout").stdout
        self.assertEqual(arch.rstrip("\n"), MMENGINE["conv"]["arch"])

    def test_both_irs_count_the_same_linear_work(self):
        # Core ATen decomposes linear on a 3-d input into matmuls (addmm, bmm): the same 2 x 1024 x seq + 512 x seq
        # MACs at seq 10; layer_norm stays one op (native_layer_norm).
        core = self.report("two_linear_core.pt2", "--ops", "default")
        self.assertEqual(core["export"]["dialect"], "ATEN")
        self.assertEqual(core["totals"]["macs"], two_linear(10)["macs"])

    def test_ops_lists_the_export_targets_of_each_formula(self):
        ops = run("ops").stdout
        self.assertIn("    export: torch.ops.aten.linear.default", ops)
        conv = ops[ops.index("aten::_convolution  [mmengine]"):].split("\naten::")[0]
        for caller in ("conv1d", "conv2d", "conv3d", "conv_transpose2d", "convolution"):
            self.assertIn(f"via torch.ops.aten.{caller}.default", conv)
        default = run("ops", "--ops", "default").stdout
        grouped = default[default.index("aten::_grouped_mm  [default]"):].split("\naten::")[0]
        self.assertIn("via torch.ops.transformers.grouped_mm_fallback.default", grouped)

    def test_an_op_with_no_formula_is_unsupported(self):
        r = self.report("unknown_op.pt2")
        self.assertIn({"op": "mylib::frobnicate", "count": 1}, r["unsupported"]["macs"])
        self.assertEqual(r["totals"]["macs"], two_linear(10)["macs"])

    def test_errors_are_one_line(self):
        cases = [
            (["truncated.pt2"], "truncated or corrupt zip archive"),
            (["no_graph.pt2"], "without a graph"),
            (["schema_99.pt2"], "export schema 99.0, and flopscope reads schema 8.x"),
            (["bad_json.pt2"], "is not valid JSON"),
            (["aoti_like.pt2"], "is an AOTInductor package"),
            (["bad_expr.pt2", "--dim", "x.1=20"], "cannot read the size expression 'Frobnicate"),
            (["two_linear.pt2", "--dim", "seq=5"], r"no such symbol; its symbols are s\d+ \(x.1\) in 2..4096"),
            (["two_linear_static.pt2", "--dim", "x.1=5"], "no dynamic dimensions"),
            (["two_linear.pt2", "--dim", "x.1=5000"], r"outside the range the export allows for s\d+ \(2..4096\)"),
            (["two_linear.pt2", "--dim", "x.1=abc"], "is not a size"),
            (["two_linear.pt2", "--dim", "x.1"], "give NAME=VALUE"),
            (["two_linear.pt2", "--dim", "x.1=3,4", "--dim", "x.0=1,2"], "a sweep has one axis"),
            (["two_linear.pt2", "--dim", "x.1=3,4", "-f", "table"], "a sweep's formats are sweep"),
            (["two_linear.pt2", "--input-shape", "10,16"], "holds its inputs' shapes"),
            (["two_linear.pt2", "--dtype", "float16"], "dtypes were fixed when it was exported"),
            (["two_linear.pt2", "--train"], "mode was fixed when it was exported"),
            (["two_linear.pt2", "--run", "--shape-only"], "--run executes the program, --shape-only runs nothing"),
            (["no_weights.pt2", "--run"], "its weights were removed"),
            (["meta_weights.pt2", "--run"], "exported on the meta device has no weights"),
            (["unknown_op.pt2", "--run"], "cannot run torch.ops.mylib.frobnicate.default: LibTorch has no such op"),
        ]
        for args, pattern in cases:
            with self.subTest(args=args):
                p = run("analyze", os.path.join(EX, args[0]), *args[1:], status=2)
                self.assertRegex(p.stderr, pattern)
                errors = [line for line in p.stderr.splitlines() if line.startswith("flopscope: error: ")]
                self.assertEqual(len(errors), 1, p.stderr)
        p = run("analyze", os.path.join(FIXTURES, "testnet_scripted.pt"), "-i", "10", "--dim", "s0=4", status=2)
        self.assertIn("--dim binds the dynamic dimensions of a torch.export .pt2", p.stderr)
        p = run("analyze", os.path.join(FIXTURES, "testnet_scripted.pt"), "-i", "10", "--run", status=2)
        self.assertIn("--run executes a torch.export .pt2", p.stderr)

    def test_run_gives_the_graphs_report(self):
        # Running the graph op by op (weights from the archive) counts what reading it counts.
        for model, args in (("two_linear.pt2", ["--dim", "x.1=100"]), ("two_linear_static.pt2", []),
                            ("conv.pt2", []), ("two_linear_core.pt2", ["--ops", "default"])):
            with self.subTest(model=model):
                graph = self.report(model, *args)
                ran = self.report(model, *args, "--run")
                self.assertFalse(graph["export"].pop("executed"))
                self.assertTrue(ran["export"].pop("executed"))
                self.assertEqual(graph, ran)
        self.assertEqual(self.report("two_linear.pt2", "--dim", "x.1=100", "--run")["totals"]["macs"],
                         two_linear(100)["macs"])
        # The meta-device export has the graph, so graph mode still reads it.
        self.assertEqual(self.report("meta_weights.pt2")["totals"]["macs"], two_linear(10)["macs"])

    def test_a_size_the_values_decide_is_read_by_running(self):
        # routed.pt2 keeps the rows its mask buffer picks: the graph names their number u0 and only the values tell
        # it. Reading the graph asks for it (or --run); running the graph finds 3 rows: 3 x 16 x 8 MACs.
        p = run("analyze", os.path.join(EX, "routed.pt2"), status=2)
        self.assertRegex(p.stderr, r"names 'u0', which has no value: bind it with --dim u0=VALUE, or analyse with "
                                   r"--run")
        self.assertEqual(self.report("routed.pt2", "--run")["totals"]["macs"], 3 * 16 * 8)
        self.assertEqual(self.report("routed.pt2", "--dim", "u0=3")["totals"]["macs"], 3 * 16 * 8)

    def test_inputs_size_the_program_and_are_what_it_runs_on(self):
        import torch

        with tempfile.TemporaryDirectory() as tmp:
            def saved(name, value):
                path = os.path.join(tmp, name)
                torch.save(value, path)
                return path

            # picked.pt2 keeps the rows of x its keep argument marks: 4 of 5 here, 4 x 16 x 8 MACs, given as a
            # tuple or by the program's input names. Made inputs (a mask of zeros) keep none: the report says the
            # sizes were the made inputs'.
            x, keep = torch.randn(5, 16), torch.tensor([True, True, False, True, True])
            for inputs in (saved("tuple.pt", (x, keep)), saved("dict.pt", {"keep": keep, "x": x})):
                r = self.report("picked.pt2", "--inputs", inputs, "--run")
                self.assertEqual(r["totals"]["macs"], 4 * 16 * 8)
                self.assertEqual(r["inputs"], [{"shape": [5, 16], "dtype": "float32"}, {"shape": [5], "dtype": "bool"}])
            made = self.report("picked.pt2", "--run")
            self.assertEqual(made["totals"]["macs"], 0)
            self.assertTrue(any("ran on inputs flopscope made" in w and "(u0)" in w for w in made["warnings"]))
            # Without --run the inputs size the symbols and the graph is read: x [2, 100, 16] is TwoLinear at 100.
            long_x = saved("long.pt", torch.randn(2, 100, 16))
            for args in ([], ["--run"]):
                r = self.report("two_linear.pt2", "--inputs", long_x, *args)
                self.assertEqual(r["totals"]["macs"], two_linear(100)["macs"])
                self.assertEqual(r["inputs"], [{"shape": [2, 100, 16], "dtype": "float32"}])
            cases = [
                ("two_linear.pt2", saved("f64.pt", torch.randn(2, 100, 16, dtype=torch.float64)), [],
                 r"input 0 \(x\) is float64, and the exported program takes float32"),
                ("two_linear.pt2", saved("two.pt", [torch.randn(2, 100, 16), torch.randn(3)]), [],
                 r"takes 1 tensor input\(s\) \(x\), and 2 were given"),
                ("two_linear.pt2", saved("int.pt", 3), [], "holds a Int, not a tensor"),
                ("two_linear.pt2", long_x, ["--dim", "x.1=50"], r"--dim x.1: the inputs give s\d+ already \(x.1 is 100\)"),
                ("two_linear_static.pt2", long_x, [], r"has shape \[2, 100, 16\], and the exported program takes \[2, 10, 16\]"),
                ("picked.pt2", saved("badkey.pt", {"x": x, "mask": keep}), ["--run"],
                 r"has a key \('mask'\) that is none of the exported program's tensor inputs \(x, keep\)"),
                ("picked.pt2", saved("nokey.pt", {"x": x}), ["--run"], "has no 'keep', which the exported program takes"),
            ]
            for model, inputs, args, pattern in cases:
                with self.subTest(model=model, inputs=os.path.basename(inputs)):
                    p = run("analyze", os.path.join(EX, model), "--inputs", inputs, *args, status=2)
                    self.assertRegex(p.stderr, pattern)

    def test_cuda_runs_the_graph_or_says_why_not(self):
        p = subprocess.run([CLI, "analyze", os.path.join(EX, "two_linear.pt2"), "--device", "cuda", "-f", "json", "-q"],
                           capture_output=True, text=True, env=dict(os.environ, CUDA_VISIBLE_DEVICES=""))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("CUDA was requested but", p.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
