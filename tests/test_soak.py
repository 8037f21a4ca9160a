"""Soak: many changed cells in one kernel, each carrying and growing a
variable. The kernel's memory and directory must stay bounded, no cell
may fail, and every value must be right at the end.

Every cell is a new program to build, so the soak takes a while (about
ten minutes on two cores) and runs only when asked:

    GOPAR_SOAK=1 /usr/bin/python3 -m unittest discover -s tests -p test_soak.py -v

GOPAR_SOAK_CELLS sets the number of cells (default 1000). The figures are
printed at the end.
"""

import os
import sys
import time
import unittest

import gopar_env
from gopar_env import CELL_TIMEOUT, FIRST_CELL_TIMEOUT, execute

MiB = 1 << 20
# Cells run before the kernel's memory is taken as the baseline: the
# first ones read the standard library index, the build cache, ...
WARM_CELLS = 50
# How much the kernel's resident memory may grow after the warm-up.
MAX_RSS_GROWTH = 10 * MiB


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS for pid %d" % pid)


def tree_size(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except FileNotFoundError:
                pass
    return total


@unittest.skipUnless(os.environ.get("GOPAR_SOAK"), "soak: set GOPAR_SOAK=1 to run it (it takes about ten minutes)")
class SoakTest(unittest.TestCase):
    def test_many_changed_cells(self):
        cells = int(os.environ.get("GOPAR_SOAK_CELLS", "1000"))
        self.assertGreater(cells, 2 * WARM_CELLS, "GOPAR_SOAK_CELLS too small for a warm-up and a soak")
        km, kc = gopar_env.start_kernel()
        self.addCleanup(gopar_env.stop_kernel, km, kc)
        pid = km.provisioner.pid

        out = execute(
            kc,
            'soak := []int{}\nlabels := map[int]string{}\nfmt.Println(os.Getenv("GOPAR_LINE_FILE"))',
            timeout=FIRST_CELL_TIMEOUT,
        )
        self.assertEqual(out.status, "ok", out.describe())
        # The line file lies in the run directory, in the kernel's own.
        kernel_dir = os.path.dirname(os.path.dirname(out.stream_text("stdout").strip()))
        self.assertTrue(os.path.isdir(kernel_dir), kernel_dir)

        start = time.monotonic()
        base_rss = base_dir = None
        samples = []  # (cell, kernel rss, directory size)
        for i in range(1, cells + 1):
            # A different constant each time: every cell is a new program.
            code = "soak = append(soak, %d)\nlabels[%d] = \"cell %d\"" % (i, i, i)
            out = execute(kc, code, timeout=CELL_TIMEOUT)
            if out.status != "ok" or out.errors():
                self.fail("cell %d of the soak failed:\n%s" % (i, out.describe()))
            if i == WARM_CELLS or i % 50 == 0 or i == cells:
                samples.append((i, rss(pid), tree_size(kernel_dir)))
                if i == WARM_CELLS:
                    base_rss, base_dir = samples[-1][1], samples[-1][2]
        elapsed = time.monotonic() - start

        out = execute(
            kc,
            "sum := 0\nfor _, v := range soak {\n\tsum += v\n}\n"
            'fmt.Println(len(soak), sum, len(labels), labels[1], labels[%d])' % cells,
        )
        self.assertEqual(out.status, "ok", out.describe())
        want = '%d %d %d cell 1 cell %d\n' % (cells, cells * (cells + 1) // 2, cells, cells)
        self.assertEqual(out.stream_text("stdout"), want)

        final_rss, final_dir = samples[-1][1], samples[-1][2]
        max_dir = max(s[2] for s in samples)
        report = [
            "soak: %d changed cells in %.0f s (%.2f s a cell)" % (cells, elapsed, elapsed / cells),
            "kernel RSS: %.1f MiB after %d cells, %.1f MiB at the end (%+.1f MiB)"
            % (base_rss / MiB, WARM_CELLS, final_rss / MiB, (final_rss - base_rss) / MiB),
            "kernel directory: %.1f MiB after %d cells, %.1f MiB at most, %.1f MiB at the end"
            % (base_dir / MiB, WARM_CELLS, max_dir / MiB, final_dir / MiB),
            "samples (cell, RSS MiB, directory MiB): "
            + ", ".join("(%d, %.1f, %.1f)" % (c, r / MiB, d / MiB) for c, r, d in samples),
        ]
        print("\n" + "\n".join(report), file=sys.stderr)
        self.assertLessEqual(final_rss - base_rss, MAX_RSS_GROWTH, "\n".join(report))
        # Built programs are capped in number; after the warm-up the
        # directory holds as many as it ever will, and the variables grow
        # by a few bytes a cell.
        self.assertLessEqual(max_dir, base_dir * 1.25 + 4 * MiB, "\n".join(report))
