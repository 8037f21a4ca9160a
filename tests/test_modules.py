"""End-to-end tests: cells that use modules the kernel does not require
(through a module proxy made here, on disk, so nothing leaves the
machine), %goget, %goreplace, %gomod, !*, and the kernel's directory:
capped, and removed after a kernel that was killed."""

import json
import os
import signal
import tempfile
import time
import unittest
import uuid
import zipfile
from pathlib import Path

import gopar_env
from gopar_env import CELL_TIMEOUT, execute
from test_e2e import KernelCase, error_text


def greet_source(version):
    return 'package greet\n\nfunc Hello() string { return "hello from %s" }\n' % version


def make_proxy(root, module, versions):
    """Writes a GOPROXY=file:// tree serving module at versions."""
    base = Path(root) / module / "@v"
    base.mkdir(parents=True)
    (base / "list").write_text("".join(v + "\n" for v in versions))
    for v in versions:
        mod = "module %s\n\ngo 1.21\n" % module
        (base / (v + ".mod")).write_text(mod)
        (base / (v + ".info")).write_text(json.dumps({"Version": v, "Time": "2026-01-01T00:00:00Z"}))
        with zipfile.ZipFile(base / (v + ".zip"), "w") as z:
            z.writestr("%s@%s/go.mod" % (module, v), mod)
            z.writestr("%s@%s/greet.go" % (module, v), greet_source(v))


def kernel_dir(test, kc):
    """The kernel's own directory: the parent of the cells' module."""
    out = execute(kc, "!*pwd")
    test.assertEqual(out.status, "ok", out.describe())
    return Path(out.stream_text("stdout").strip()).parent


class ModuleTests(KernelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.TemporaryDirectory(prefix="gopar-modules-")
        # A module name no earlier run has put in the module cache, so the
        # kernel must really fetch it.
        cls.module = "example.com/m%s/greet" % uuid.uuid4().hex[:8]
        proxy = Path(cls.tmp.name) / "proxy"
        make_proxy(proxy, cls.module, ["v1.0.0", "v1.1.0"])
        out = execute(
            cls.kc,
            "%%env GOPROXY=file://%s\n%%env GONOSUMDB=example.com\n%%env GOFLAGS=\n%%cd %s" % (proxy, cls.tmp.name),
        )
        assert out.status == "ok", out.describe()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.tmp.cleanup()

    def test_a_cell_imports_a_new_module(self):
        out = self.run_ok('import "%s"\nfmt.Println(greet.Hello())' % self.module)
        self.assertEqual(out.stream_text("stdout"), "hello from v1.1.0\n")
        self.assertIn("go: downloading %s v1.1.0" % self.module, out.stream_text("stderr"))
        out = self.run_ok("%gomod")
        self.assertIn("%s v1.1.0" % self.module, out.stream_text("stdout"))
        # %goget pins another version; a later cell builds against it.
        self.run_ok("%%goget %s@v1.0.0" % self.module)
        out = self.run_ok('import "%s"\nfmt.Println("now", greet.Hello())' % self.module)
        self.assertEqual(out.stream_text("stdout"), "now hello from v1.0.0\n")
        out = self.run_ok("%%goget -u\nimport \"%s\"\nfmt.Println(greet.Hello())" % self.module)
        self.assertEqual(out.stream_text("stdout"), "hello from v1.1.0\n")

    def test_a_missing_module_is_one_error_and_changes_nothing(self):
        before = self.run_ok("%gomod").stream_text("stdout")
        out = execute(self.kc, 'import "example.com/nosuchmodule"\nfmt.Println(nosuchmodule.X)')
        self.assertEqual(out.status, "error", out.describe())
        errors = out.errors()
        self.assertEqual(len(errors), 1, out.describe())
        self.assertIn("example.com/nosuchmodule", error_text(errors[0]))
        self.assertEqual(errors[0]["content"]["ename"], "ModuleError", out.describe())
        out = execute(self.kc, "%goget example.com/nosuchmodule@v9.9.9")
        self.assertEqual(out.status, "error", out.describe())
        self.assertIn("example.com/nosuchmodule", error_text(out.errors()[0]))
        self.assertEqual(self.run_ok("%gomod").stream_text("stdout"), before, "a failed module changed go.mod")
        self.assert_answers()

    def test_goreplace_builds_a_local_module_and_sees_edits(self):
        local = Path(self.tmp.name) / "mylib"
        local.mkdir()
        (local / "go.mod").write_text("module example.com/mylib\n\ngo 1.21\n")
        (local / "mylib.go").write_text('package mylib\n\nfunc Name() string { return "first" }\n')
        out = self.run_ok("%goreplace example.com/mylib => mylib")
        self.assertIn(str(local), out.stream_text("stdout"))
        cell = 'import "example.com/mylib"\nfmt.Println(mylib.Name())'
        self.assertEqual(self.run_ok(cell).stream_text("stdout"), "first\n")
        (local / "mylib.go").write_text('package mylib\n\nfunc Name() string { return "second, edited" }\n')
        self.assertEqual(self.run_ok(cell).stream_text("stdout"), "second, edited\n")
        out = execute(self.kc, "%goreplace example.com/other => nowhere")
        self.assertEqual(out.status, "error", out.describe())
        self.assertIn("example.com/other", error_text(out.errors()[0]))

    def test_time_says_how_the_cell_was_built(self):
        out = self.run_ok("%%time\nfmt.Println(%d)" % time.time_ns())
        self.assertRegex(out.stream_text("stdout"), r"time: build \S+ \(direct\), run ")
        out = self.run_ok("%goflags -race")
        try:
            out = self.run_ok("%%time\nfmt.Println(%d)" % time.time_ns())
            self.assertRegex(out.stream_text("stdout"), r"time: build \S+ \(go build\), run ")
        finally:
            self.run_ok('%goflags ""')


def dir_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except FileNotFoundError:
                pass
    return total


class KernelDirTests(unittest.TestCase):
    def test_a_killed_kernels_directory_goes_when_the_next_starts(self):
        km, kc = gopar_env.start_kernel()
        try:
            dead = kernel_dir(self, kc)
            self.assertTrue(dead.is_dir(), dead)
            os.kill(km.provisioner.pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while km.is_alive() and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            kc.stop_channels()
        self.assertTrue(dead.is_dir(), "a SIGKILLed kernel cannot remove its own directory")
        km2, kc2 = gopar_env.start_kernel()
        try:
            execute(kc2, 'fmt.Println("up")', timeout=gopar_env.FIRST_CELL_TIMEOUT)
            self.assertFalse(dead.exists(), "%s left behind by a killed kernel" % dead)
            self.assertTrue(kernel_dir(self, kc2).is_dir())
        finally:
            gopar_env.stop_kernel(km2, kc2)

    def test_two_hundred_changed_cells_stay_under_the_cap(self):
        km, kc = gopar_env.start_kernel()
        try:
            home = kernel_dir(self, kc)
            for i in range(200):
                out = execute(kc, 'xs := make([]int, %d)\nfmt.Println(len(xs), "cell %d")' % (i, i))
                self.assertEqual(out.status, "ok", out.describe())
                self.assertEqual(out.stream_text("stdout"), "%d cell %d\n" % (i, i))
            used = dir_bytes(home)
            self.assertLess(used, 100 << 20, "kernel directory holds %d MiB after 200 cells" % (used >> 20))
        finally:
            kc.stop_channels()
            # A shutdown the kernel sees, unlike the forced kill of
            # stop_kernel: it removes its own directory.
            km.shutdown_kernel(now=False)
        self.assertFalse(home.exists(), "a kernel shut down left its directory")


if __name__ == "__main__":
    unittest.main()
