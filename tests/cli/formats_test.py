"""Golden tests of `flopscope analyze` in every format, on the seed's two examples.

    python formats_test.py FLOPSCOPE FIXTURE_DIR SCHEMA

Expected values come from the seed's listings and from arithmetic written out here, never from flopscope's
own output. Every JSON report is validated against docs/report.schema.json.
"""
import csv
import io
import json
import os
import subprocess
import sys
import unittest

import jsonschema

CLI, FIXTURES, SCHEMA = sys.argv[1:4]

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden", "seed_testnet_table.txt")) as f:
    SEED_TABLE = f.read()  # the seed's listing, verbatim

# Each Linear(10, 10) on one 10-vector: 10*10 = 100 MACs, 10 outputs, 10*10 + 10 = 110 parameters.
LINEAR = {"parameters": 110, "macs": 100, "flops": 200, "activations": 10}
TESTNET_MODULES = {
    "": ("TestNet", 0, 4), "fc1": ("Linear", 1, 1), "fc2": ("Linear", 1, 1),
    "inner": ("InnerNet", 1, 2), "inner.fc1": ("Linear", 2, 1), "inner.fc2": ("Linear", 2, 1),
}

# ResNet-50 (mmengine-behaviour.md §12): convs 4,087,136,256 + training batch norms 5 x 11,113,984
# + avgpool 2048*7*7 + fc 2048*1000 MACs.
R50_MACS = 4087136256 + 5 * 11113984 + 2048 * 7 * 7 + 2048 * 1000
R50_PARAMS = 23454912 + 53120 + 2048 * 1000 + 1000
R50_ACTS = 11113984 + 1000


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"flopscope {' '.join(args)} -> {p.returncode}: {p.stderr}")
    return p.stdout


class Formats(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(SCHEMA) as f:
            cls.schema = json.load(f)

    def report(self, *args):
        r = json.loads(run(*args, "--format", "json", "--quiet"))
        jsonschema.validate(r, self.schema)
        return r

    def test_default_output_is_the_seeds(self):
        out = run("analyze", "testnet")
        self.assertTrue(out.startswith("\n" + SEED_TABLE + "\n\nTestNet(\n"), out[:300])
        self.assertTrue(out.endswith(")\nModel Flops:0.4K\nModel Parameters:0.44K\n"), out[-200:])

    def test_cuda_without_a_device_falls_back_only_when_asked(self):
        # This machine may have a GPU; the fallback is forced by hiding every device from the driver.
        env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
        p = subprocess.run([CLI, "analyze", "testnet", "--device", "cuda", "-f", "summary"], capture_output=True,
                           text=True, env=env)
        self.assertEqual(p.returncode, 2)
        self.assertIn("CUDA", p.stderr)
        self.assertEqual(p.stderr.count("\n"), 1, p.stderr)
        p = subprocess.run([CLI, "analyze", "testnet", "--device", "cuda", "--allow-cpu-fallback", "-f", "json"],
                           capture_output=True, text=True, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        r = json.loads(p.stdout)
        jsonschema.validate(r, self.schema)
        self.assertEqual(r["device"], "cpu")
        self.assertEqual(r["totals"]["macs"], 400)  # the analytic report as on the CPU (seed example 1)
        self.assertFalse(r["gpu"]["ran"])
        self.assertIn("analysed on the CPU instead", r["gpu"]["skipped_reason"])
        self.assertIn("GPU pass skipped: no CUDA device", p.stderr)

    def test_cpu_reports_carry_no_gpu_section(self):
        self.assertNotIn("gpu", self.report("analyze", "testnet"))
        self.assertTrue(run("analyze", "testnet", "-f", "csv").startswith(
            "module,type,depth,parameters,macs,flops,activations,called\n"))
        self.assertIn("the timing pass needs --device cuda", run("analyze", "testnet", "-f", "gpu"))

    def test_several_formats_at_once(self):
        out = run("analyze", "testnet", "--format", "summary,table")
        self.assertEqual(out, "Model Flops:0.4K\nModel Parameters:0.44K\n\n" + SEED_TABLE + "\n")

    def test_testnet_json(self):
        for model in ("testnet", f"{FIXTURES}/testnet_scripted.pt"):
            with self.subTest(model=model):
                args = ["analyze", model] + ([] if model == "testnet" else ["--input-shape", "10"])
                r = self.report(*args)
                self.assertEqual(r["totals"], {"parameters": 440, "macs": 400, "flops": 800, "activations": 40})
                self.assertEqual(r["inputs"], [{"shape": [1, 10], "dtype": "float32"}])
                self.assertEqual(r["operators"]["macs"], [{"op": "linear", "macs": 400, "flops": 800}])
                self.assertEqual(r["unsupported"], {"macs": [], "activations": []})
                self.assertEqual(r["mode"], "training")
                mods = {m["path"]: m for m in r["modules"]}
                self.assertEqual(list(mods), list(TESTNET_MODULES))
                for path, (cls, depth, linears) in TESTNET_MODULES.items():
                    m = mods[path]
                    self.assertEqual((m["type"], m["depth"], m["called"]), (cls, depth, True))
                    for k, v in LINEAR.items():
                        self.assertEqual(m[k], linears * v, (path, k))
        r = self.report("analyze", f"{FIXTURES}/testnet_scripted.pt", "--input-shape", "10")
        self.assertRegex(r["model"]["sha256"], "^[0-9a-f]{64}$")
        self.assertEqual(r["model"]["kind"], "torchscript")

    def test_json_is_deterministic(self):
        args = ("analyze", f"{FIXTURES}/testnet_traced.pt", "-i", "10", "-f", "json,csv,table,arch", "-q",
                "-o", "/dev/stdout", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null")
        self.assertEqual(run(*args), run(*args))

    def test_full_shape_batch_and_dtype(self):
        r = self.report("analyze", "testnet", "--full-shape", "3,10", "--dtype", "float64", "--eval")
        self.assertEqual(r["inputs"], [{"shape": [3, 10], "dtype": "float64"}])
        self.assertEqual(r["totals"]["macs"], 3 * 400)
        self.assertEqual(r["mode"], "eval")

    def test_op_sets(self):
        # TestNet has only Linear layers: every op set counts it as mmengine does.
        for ops in ("mmengine", "default", "all"):
            r = self.report("analyze", "testnet", "--ops", ops)
            self.assertEqual(r["op_set"], ops)
            self.assertEqual(r["totals"]["macs"], 400)
        # ResNet-50 under default: the same as mmengine, and the activation counter's gaps are not warnings.
        p = subprocess.run([CLI, "analyze", "resnet50", "--ops", "default", "-f", "summary"], capture_output=True, text=True)
        self.assertEqual(p.stdout, "Model Flops:4.145G\nModel Parameters:25.557M\n")
        self.assertNotIn("aten::batch_norm", p.stderr)
        self.assertIn("Unsupported operator aten::max_pool2d encountered 1 time(s)", p.stderr)
        # all counts max_pool2d: 64 x 56 x 56 outputs, 3 x 3 windows.
        r = self.report("analyze", "resnet50", "--ops", "all")
        self.assertIn({"op": "max_pool2d", "macs": 64 * 56 * 56 * 9, "flops": 2 * 64 * 56 * 56 * 9},
                      r["operators"]["macs"])
        self.assertEqual(r["unsupported"]["macs"], [])

    def test_operators_view(self):
        out = run("analyze", "resnet50", "--format", "operators")
        rows = {l.split("|")[1].strip(): [c.strip() for c in l.split("|")[2:-1]] for l in out.splitlines()
                if l.startswith("|")}
        # 53 convolutions: 4,087,136,256 MACs of 4,144,854,528; training batch norm 5 x 11,113,984.
        self.assertEqual(rows["conv"], ["4.087G", "98.6%", "11.114M"])
        self.assertEqual(rows["batch_norm"][0], "55.57M")
        self.assertEqual(rows["linear"], ["2.048M", "0.0%", "1K"])
        self.assertIn("no formula (counted as 0): aten::add_ x69 aten::max_pool2d x1", out)

    def test_testnet_csv(self):
        rows = list(csv.reader(io.StringIO(run("analyze", "testnet", "--format", "csv"))))
        self.assertEqual(rows[0], ["module", "type", "depth", "parameters", "macs", "flops", "activations", "called"])
        expected = [[p, c, str(d), str(110 * n), str(100 * n), str(200 * n), str(10 * n), "true"]
                    for p, (c, d, n) in TESTNET_MODULES.items()]
        self.assertEqual(rows[1:], expected)

    def test_resnet50_json_csv_and_summary(self):
        for model in ("resnet50", f"{FIXTURES}/resnet50_traced.pt"):
            with self.subTest(model=model):
                args = ["analyze", model] + ([] if model == "resnet50" else ["-i", "3,224,224"])
                r = self.report(*args)
                self.assertEqual(r["totals"], {"parameters": R50_PARAMS, "macs": R50_MACS, "flops": 2 * R50_MACS,
                                               "activations": R50_ACTS})
                mods = {m["path"]: m for m in r["modules"]}
                # conv1: 64*3*7*7 weights, 112*112 outputs per filter.
                self.assertEqual(mods["conv1"]["parameters"], 64 * 3 * 7 * 7)
                self.assertEqual(mods["conv1"]["macs"], 112 * 112 * 64 * 3 * 7 * 7)
                self.assertEqual(mods["conv1"]["activations"], 64 * 112 * 112)
                self.assertEqual(mods["bn1"]["macs"], 5 * 64 * 112 * 112)
                self.assertEqual(mods["avgpool"]["macs"], 2048 * 7 * 7)
                self.assertEqual(mods["fc"]["macs"], 2048 * 1000)
                self.assertEqual(len([m for m in r["modules"] if m["type"] == "Conv2d"]), 53)
                self.assertIn({"op": "aten::max_pool2d", "count": 1}, r["unsupported"]["macs"])
                self.assertIn({"op": "aten::add_", "count": 69}, r["unsupported"]["macs"])
                summary = run(*args, "--format", "summary")
                self.assertEqual(summary, "Model Flops:4.145G\nModel Parameters:25.557M\n")
                rows = {row[0]: row for row in csv.reader(io.StringIO(run(*args, "--format", "csv")))}
                self.assertEqual(rows["layer1.0.bn1"][4], str(5 * 64 * 56 * 56))

    def test_max_depth_and_outputs(self):
        import tempfile, os
        with tempfile.TemporaryDirectory() as d:
            table, arch = os.path.join(d, "t.txt"), os.path.join(d, "a.txt")
            out = run("analyze", "testnet", "--max-depth", "1", "-f", "table,arch", "-o", table, "-o", arch)
            self.assertEqual(out, "")
            lines = open(table).read().splitlines()
            self.assertEqual([l.split("|")[1].strip() for l in lines[3:-1]], ["model", "fc1", "fc2", "inner"])
            self.assertTrue(open(arch).read().startswith("TestNet(\n  #params: 0.44K, #flops: 0.4K, #acts: 40\n"))

    def test_ops_lists_formulas_and_unsupported(self):
        ops = run("ops")
        self.assertIn("aten::_convolution  [mmengine]  key conv", ops)
        self.assertIn("aten::relu_", ops)
        unsupported = run("ops", "--unsupported", "resnet50")
        self.assertIn("aten::max_pool2d  1 call(s), no macs formula", unsupported)
        self.assertIn("aten::batch_norm  53 call(s), no activations formula", unsupported)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
