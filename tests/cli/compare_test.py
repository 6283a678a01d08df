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


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
