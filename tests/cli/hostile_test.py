"""A hostile model corpus (tests/fixtures/make_hostile_models.py) against the confined analysis (docs/security.md).

    python hostile_test.py FLOPSCOPE PYTHON_WITH_TORCH

For every file: nothing appears or changes in the target directory, the model directory, $HOME or the working
directory; flopscope ends within its limits with exit 0 and a clean report, or exit 2 and one line naming the op or
the phase; stdout stays a parseable report; no process is left behind. A --trust-model run of the file writer shows
the corpus does write when nothing confines it, so the checks can fail.
"""
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

FLOPSCOPE, PYTHON = sys.argv[1], sys.argv[2]


def snapshot(*dirs):
    """Every file under `dirs` with its size and SHA-256."""
    seen = {}
    for d in dirs:
        for root, _, files in os.walk(d):
            for f in files:
                p = os.path.join(root, f)
                with open(p, "rb") as fh:
                    seen[p] = hashlib.sha256(fh.read()).hexdigest()
    return seen


class Hostile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        base = cls.tmp.name
        cls.models, cls.target = os.path.join(base, "models"), os.path.join(base, "target")
        cls.home, cls.cwd = os.path.join(base, "home"), os.path.join(base, "cwd")
        for d in (cls.home, cls.cwd):
            os.makedirs(d)
        here = os.path.dirname(os.path.abspath(__file__))
        subprocess.run([PYTHON, os.path.join(here, "..", "fixtures", "make_hostile_models.py"), cls.models, cls.target],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_flopscope(self, model, *args, limit=60):
        env = dict(os.environ, HOME=self.home)
        start = time.monotonic()
        p = subprocess.run([FLOPSCOPE, "analyze", os.path.join(self.models, model), "--full-shape", "2,4", *args],
                           cwd=self.cwd, env=env, capture_output=True, timeout=limit)
        return p, time.monotonic() - start

    def analyse(self, model, *args, limit=60, expect=(0, 2)):
        before = snapshot(self.target, self.models, self.home, self.cwd)
        p, took = self.run_flopscope(model, *args, limit=limit)
        after = snapshot(self.target, self.models, self.home, self.cwd)
        self.assertEqual(before, after, f"{model}: files appeared or changed")
        self.assertIn(p.returncode, expect, f"{model}: {p.stderr.decode(errors='replace')}")
        err = p.stderr.decode(errors="replace")
        if p.returncode == 2:
            errors = [l for l in err.splitlines() if l.startswith("flopscope: error: ")]
            self.assertEqual(len(errors), 1, err)
        return p, err, took

    def test_control_the_writer_writes_when_trusted(self):
        p, _ = self.run_flopscope("save_in_forward.pt", "--trust-model", "-q")
        self.assertEqual(p.returncode, 0, p.stderr)
        written = os.path.join(self.target, "saved.pt")
        self.assertTrue(os.path.exists(written), "the corpus's writer wrote nothing even unconfined")
        os.remove(written)

    def test_no_file_is_written(self):
        for model in ("save_in_forward.pt", "save_at_load.pt", "overwrite_self.pt"):
            with self.subTest(model=model):
                p, err, _ = self.analyse(model, "-f", "summary")
                if p.returncode == 0:
                    self.assertIn(b"Model Flops:", p.stdout)
        self.assertEqual(sorted(os.listdir(self.target)), ["victim.bin"])

    def test_shared_file_mapping_is_refused_naming_the_op(self):
        p, err, _ = self.analyse("from_file_in_forward.pt", "-f", "summary", expect=(2,))
        self.assertIn("aten::from_file", err)
        with open(os.path.join(self.target, "victim.bin"), "rb") as f:
            self.assertEqual(f.read(), b"\0" * 16)

    def test_endless_load_times_out(self):
        p, err, took = self.analyse("endless_setstate.pt", "--load-timeout", "3", expect=(2,))
        self.assertIn("--load-timeout 3 s", err)
        self.assertLess(took, 20)

    def test_endless_forward_times_out_naming_the_phase(self):
        p, err, took = self.analyse("endless_forward.pt", "--timeout", "4", expect=(2,))
        self.assertIn("--timeout 4 s, while forward", err)
        self.assertLess(took, 20)

    def test_unbounded_allocation_meets_the_memory_limit(self):
        probe, _ = self.run_flopscope("printing.pt", "-f", "json", "-q", "--memory-limit", "1")
        if "AddressSanitizer" in json.loads(probe.stdout)["sandbox"]["memory_limit"]:
            self.skipTest("no memory limit in an AddressSanitizer build")
        p, err, took = self.analyse("unbounded_alloc.pt", "--memory-limit", "1", expect=(2,))
        self.assertRegex(err, r"aten::ones|memory")
        self.assertLess(took, 60)

    def test_zip_bomb_is_refused_unread(self):
        p, err, took = self.analyse("zip_bomb_model.pt", expect=(2,))
        self.assertIn("zip bomb", err)
        self.assertLess(took, 20)

    def test_out_of_bounds_sparse_tensor_is_one_line(self):
        for extra in ([], ["--shape-only"]):
            with self.subTest(extra=extra):
                p, err, _ = self.analyse("sparse_out_of_bounds.pt", *extra)
                if p.returncode == 0:
                    self.assertIn(b"Model Flops:", p.stdout)

    def test_printing_model_keeps_json_parseable(self):
        p, err, _ = self.analyse("printing.pt", "-f", "json", expect=(0,))
        report = json.loads(p.stdout)
        self.assertTrue(report["sandbox"]["confined"])
        self.assertTrue(report["sandbox"]["exec_refused"] and report["sandbox"]["network_refused"])
        self.assertIn("the model printed", err)
        self.assertIn("the model warned", err)

    def test_hostile_names_are_escaped_in_every_format(self):
        p, _, _ = self.analyse("hostile_names.pt", "-f", "table", "-q", expect=(0,))
        self.assertNotIn(b"\x1b", p.stdout)
        self.assertNotIn(b"\x01", p.stdout)
        p, _, _ = self.analyse("hostile_names.pt", "-f", "arch", "-q", expect=(0,))
        self.assertNotIn(b"\x1b", p.stdout)
        p, _, _ = self.analyse("hostile_names.pt", "-f", "csv", "-q", expect=(0,))
        for line in p.stdout.decode().splitlines()[1:]:
            self.assertNotIn(line[:1], ("=", "+", "-", "@"), line)
        self.assertNotIn(b"\x1b", p.stdout)
        p, _, _ = self.analyse("hostile_names.pt", "-f", "json", "-q", expect=(0,))
        self.assertTrue(all(b < 0x80 for b in p.stdout), "the JSON report is ASCII")
        paths = [m["path"] for m in json.loads(p.stdout)["modules"]]
        self.assertIn("=1+2", paths)
        self.assertTrue(any("\x1b" in path for path in paths), paths)

    def test_no_orphan_when_flopscope_is_stopped(self):
        env = dict(os.environ, HOME=self.home)
        model = os.path.join(self.models, "endless_forward.pt")
        for sig in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(signal=sig):
                p = subprocess.Popen([FLOPSCOPE, "analyze", model, "--full-shape", "2,4", "--timeout", "0"], cwd=self.cwd,
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(2)
                p.send_signal(sig)
                p.wait(timeout=20)
                time.sleep(0.5)
                left = subprocess.run(["pgrep", "-f", model], capture_output=True).stdout.split()
                self.assertEqual(left, [], f"processes left after {sig!r}")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
