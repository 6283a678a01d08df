"""Tests of `flopscope compare`: the exit status is the regression gate.

    python compare_test.py FLOPSCOPE
"""
import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

CLI = sys.argv[1]


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True)


class Compare(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.base_path = cls.write("base.json", None)
        p = run("analyze", "testnet", "-f", "json", "-q", "-o", cls.base_path)
        assert p.returncode == 0, p.stderr
        with open(cls.base_path) as f:
            cls.base = json.load(f)

    @classmethod
    def write(cls, name, report):
        path = os.path.join(cls.dir.name, name)
        if report is not None:
            with open(path, "w") as f:
                json.dump(report, f)
        return path

    def changed(self, name, path, metric, factor):
        r = copy.deepcopy(self.base)
        for m in r["modules"]:
            if m["path"] == path:
                m[metric] = int(m[metric] * factor)
        return self.write(name, r)

    def test_identical_reports_pass(self):
        p = run("compare", self.base_path, self.base_path)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("0 outside tolerance, 0 regressions", p.stdout)

    def test_ten_percent_more_macs_fails_a_five_percent_gate(self):
        new = self.changed("macs_up.json", "inner.fc1", "macs", 1.10)  # 100 -> 110
        p = run("compare", self.base_path, new, "--rtol", "macs=0.05")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("inner.fc1", p.stdout)
        self.assertIn("REGRESSION", p.stdout)
        self.assertIn("+10.0%", p.stdout)
        # Within a 15% tolerance it passes, and a decrease passes unless asked to fail.
        self.assertEqual(run("compare", self.base_path, new, "--rtol", "0.15").returncode, 0)
        self.assertEqual(run("compare", new, self.base_path, "--rtol", "macs=0.05").returncode, 0)
        self.assertEqual(run("compare", new, self.base_path, "--rtol", "macs=0.05", "--fail-on-decrease").returncode, 1)
        # An absolute tolerance of 10 MACs allows it too.
        self.assertEqual(run("compare", self.base_path, new, "--atol", "macs=10").returncode, 0)

    def test_depth_limit(self):
        new = self.changed("deep.json", "inner.fc1", "macs", 2)
        # Only inner.fc1 (depth 2) changed; its parents' sums are untouched in this hand-edited report.
        self.assertEqual(run("compare", self.base_path, new, "--max-depth", "1").returncode, 0)
        self.assertEqual(run("compare", self.base_path, new, "--max-depth", "2").returncode, 1)

    def test_added_and_removed_modules_are_listed(self):
        r = copy.deepcopy(self.base)
        extra = copy.deepcopy(r["modules"][-1])
        extra["path"] = "inner.fc3"
        r["modules"].append(extra)
        r["modules"] = [m for m in r["modules"] if m["path"] != "fc2"]
        new = self.write("reshaped.json", r)
        p = run("compare", self.base_path, new, "--format", "json")
        self.assertEqual(p.returncode, 1)  # a new module adds cost
        out = json.loads(p.stdout)
        status = {m["path"]: m["status"] for m in out["modules"]}
        self.assertEqual(status["inner.fc3"], "added")
        self.assertEqual(status["fc2"], "removed")
        self.assertEqual(out["regressions"], 1)

    def test_different_inputs_need_the_override(self):
        # testnet at batch 1 (the base) and batch 3: every count of its Linear layers triples.
        batch3 = self.write("batch3.json", None)
        self.assertEqual(run("analyze", "testnet", "--full-shape", "3,10", "-f", "json", "-q", "-o", batch3).returncode, 0)
        p = run("compare", self.base_path, batch3)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("different inputs", p.stderr)
        self.assertIn("--allow-different-inputs", p.stderr)
        p = run("compare", self.base_path, batch3, "--allow-different-inputs", "--format", "json")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)  # 3x the MACs is a regression at any default tolerance
        out = json.loads(p.stdout)
        self.assertTrue(out["inputs_differ"])
        self.assertIn("inputs differ", out["summary"])
        root = next(m for m in out["modules"] if m["path"] == "")
        # TestNet: four Linear(10, 10), 100 MACs each per row; 1 row vs 3 rows.
        self.assertEqual(root["metrics"]["macs"]["base"], 4 * 100)
        self.assertEqual(root["metrics"]["macs"]["new"], 3 * 4 * 100)
        self.assertIn("--allow-different-inputs", run("compare", "--help").stdout)

    def test_counts_are_integers_in_json(self):
        p = run("compare", self.base_path, self.base_path, "--format", "json")
        out = json.loads(p.stdout)
        for m in out["modules"]:
            for metric, v in m["metrics"].items():
                self.assertIs(type(v["base"]), int, metric)
                self.assertIs(type(v["new"]), int, metric)

    def test_root_cannot_clash_with_a_child_named_model(self):
        # Every *ForCausalLM has a child called "model": the root and it must be two distinct test cases.
        r = copy.deepcopy(self.base)
        for m in r["modules"]:
            if m["path"] == "fc1":
                m["path"] = "model"
        base = self.write("with_model_child.json", r)
        junit = os.path.join(self.dir.name, "model_child.xml")
        self.assertEqual(run("compare", base, base, "--format", "junit", "--output", junit).returncode, 0)
        names = [c.get("name") for c in ET.parse(junit).getroot().find("testsuite").findall("testcase")]
        self.assertEqual(len(names), len(set(names)), names)
        self.assertIn(".", names)
        self.assertIn("model", names)

    def test_junit_names_the_regressing_module(self):
        new = self.changed("params_up.json", "fc2", "parameters", 2)
        junit = os.path.join(self.dir.name, "junit.xml")
        p = run("compare", self.base_path, new, "--format", "junit", "--output", junit)
        self.assertEqual(p.returncode, 1)
        suite = ET.parse(junit).getroot().find("testsuite")
        self.assertEqual(suite.get("failures"), "1")
        failed = [c.get("name") for c in suite.findall("testcase") if c.find("failure") is not None]
        self.assertEqual(failed, ["fc2"])
        self.assertIn("parameters 110 -> 220", suite.find("testcase[@name='fc2']/failure").get("message"))

    def test_malformed_report_is_status_2(self):
        bad = self.write("bad.json", None)
        with open(bad, "w") as f:
            f.write("{not json")
        p = run("compare", self.base_path, bad)
        self.assertEqual(p.returncode, 2)
        self.assertTrue(p.stderr.startswith("flopscope: error: "), p.stderr)


    # GPU gating. The timing pass's numbers are written into copies of a CPU report by hand, as a report made
    # with --device cuda would carry them (docs/report-schema.md).
    def with_gpu(self, name, fc1_ms, fc1_tflops):
        r = copy.deepcopy(self.base)
        r["gpu"] = {"ran": True, "modules": []}
        for m in r["modules"]:
            ms, tf = (fc1_ms, fc1_tflops) if m["path"] == "inner.fc1" else (1.0, 2.0)
            r["gpu"]["modules"].append({"module": m["path"], "kernels_per_forward": 1,
                                        "kernel_ms": {"median": ms, "min": ms, "max": ms}, "tflops_per_s": tf})
        return self.write(name, r)

    def test_gpu_time_is_gated_only_when_a_tolerance_names_it(self):
        base = self.with_gpu("gpu_base.json", 0.50, 4.0)
        slower = self.with_gpu("gpu_slower.json", 0.60, 4.0)  # +20% time
        self.assertEqual(run("compare", base, slower).returncode, 0)
        p = run("compare", base, slower, "--rtol", "gpu_ms=0.1")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("inner.fc1", p.stdout)
        self.assertIn("gpu_ms", p.stdout)
        self.assertIn("+20.0%", p.stdout)
        self.assertEqual(run("compare", base, slower, "--rtol", "gpu_ms=0.25").returncode, 0)
        # Faster is not a regression.
        self.assertEqual(run("compare", slower, base, "--rtol", "gpu_ms=0.1").returncode, 0)

    def test_a_fall_in_throughput_is_the_regression(self):
        base = self.with_gpu("tf_base.json", 0.50, 4.0)
        lower = self.with_gpu("tf_lower.json", 0.50, 3.0)  # -25%
        p = run("compare", base, lower, "--rtol", "tflops_per_s=0.1")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("tflops_per_s", p.stdout)
        self.assertIn("-25.0%", p.stdout)
        self.assertEqual(run("compare", lower, base, "--rtol", "tflops_per_s=0.1").returncode, 0)

    def test_gpu_tolerance_without_gpu_timings_is_status_2(self):
        base = self.with_gpu("g.json", 0.5, 4.0)
        p = run("compare", self.base_path, base, "--rtol", "gpu_ms=0.1")
        self.assertEqual(p.returncode, 2)
        self.assertIn("has no GPU timings", p.stderr)
        self.assertEqual(p.stderr.count("\n"), 1)


    def test_measured_flops_and_dram_bytes_gate_when_named(self):
        def with_counters(name, fc1_flops):
            r = copy.deepcopy(self.base)
            r["counters"] = {"ran": True, "by_module": {}}
            for m in r["modules"]:
                flops = fc1_flops if m["path"] == "inner.fc1" else 200.0
                r["counters"]["by_module"][m["path"]] = {"measured_flops": flops, "dram_read_bytes": 800.0,
                                                         "dram_write_bytes": 40.0}
            return self.write(name, r)
        base = with_counters("c_base.json", 200.0)
        more = with_counters("c_more.json", 260.0)  # +30%: padded tiles, say
        self.assertEqual(run("compare", base, more).returncode, 0)
        p = run("compare", base, more, "--rtol", "measured_flops=0.1")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("measured_flops", p.stdout)
        self.assertIn("+30.0%", p.stdout)
        self.assertEqual(run("compare", base, more, "--rtol", "dram_bytes=0").returncode, 0)
        p = run("compare", self.base_path, more, "--rtol", "dram_bytes=0.1")
        self.assertEqual(p.returncode, 2)
        self.assertIn("has no hardware counters", p.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
