"""End-to-end tests of exercises: `gopar student` and `gopar grade` on the
exercise notebooks, a student notebook whose cells panic, loop forever
and exit, and the checks' records as real kernels send them."""

import json
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import nbclient
import nbformat

import gopar_env

EXERCISES = gopar_env.REPO / "notebooks" / "exercises"
CHECK_MIME = "application/vnd.gopar.check+json"

# Grading builds every cell's program; on two shared cores a notebook may
# take minutes.
GRADE_TIMEOUT = 900


def exercises():
    return sorted(EXERCISES.glob("*.ipynb"))


def code_cells(path):
    nb = json.loads(Path(path).read_text())
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def graded_cell(source, grade_id, points):
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {
            "nbgrader": {
                "grade": True, "grade_id": grade_id, "points": points, "locked": True,
                "solution": False, "schema_version": 3, "task": False,
            }
        },
        "outputs": [],
        "source": source,
    }


class GradingTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = gopar_env.setup()
        cls.tmp = Path(tempfile.mkdtemp(prefix="gopar-grading-", dir=cls.env.tmp))

    def gopar(self, *args, timeout=GRADE_TIMEOUT):
        start = time.monotonic()
        proc = subprocess.run(
            [str(self.env.binary), *map(str, args)],
            cwd=self.tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout,
        )
        return proc, time.monotonic() - start

    def grade(self, *notebooks, timeout_seconds=None, name="grades"):
        """Grades notebooks; returns the process and the JSON report."""
        report = self.tmp / (name + ".json")
        args = ["grade", "--json", report]
        if timeout_seconds is not None:
            args += ["--timeout", timeout_seconds]
        proc, elapsed = self.gopar(*args, *notebooks)
        self.assertTrue(report.exists(), "no JSON report:\n%s\n%s" % (proc.stdout, proc.stderr))
        return proc, json.loads(report.read_text()), elapsed

    def test_there_are_exercises(self):
        self.assertGreaterEqual(len(exercises()), 3)

    def test_teacher_and_student_versions(self):
        teachers = exercises()
        students = []
        for path in teachers:
            out = self.tmp / ("student-" + path.name)
            proc, _ = self.gopar("student", path, "-o", out, timeout=60)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            students.append(out)
            text = out.read_text()
            self.assertNotIn("BEGIN SOLUTION", text)
            self.assertIn("// TODO: your code here", text)
            cells = code_cells(out)
            self.assertTrue(all(c["outputs"] == [] and c["execution_count"] is None for c in cells))
            self.assertTrue(any("nbgrader" in c["metadata"] for c in cells), "nbgrader metadata lost")

        proc, report, _ = self.grade(*teachers, name="teachers")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertTrue(report["passed"])
        for nb in report["notebooks"]:
            with self.subTest(teacher=nb["notebook"]):
                self.assertGreater(nb["possible"], 0)
                self.assertEqual(nb["earned"], nb["possible"])
                self.assertEqual([c["error"] for c in nb["cells"] if c.get("error")], [])
                checks = [ch for c in nb["cells"] for ch in c["checks"]]
                self.assertTrue(checks and all(ch["passed"] for ch in checks), checks)
        self.assertRegex(proc.stdout, r"(?m)^integration\.ipynb\s+TOTAL\s+5/5\s+pass$")

        proc, report, _ = self.grade(*students, name="students")
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("not every check passed", proc.stderr)
        self.assertFalse(report["passed"])
        for path, nb in zip(students, report["notebooks"]):
            with self.subTest(student=path.name):
                self.assertGreater(nb["possible"], 0)
                self.assertEqual(nb["earned"], 0)
                # Every cell ran, and the student version compiles: its
                # checks fail, its cells do not.
                self.assertEqual(len(nb["cells"]), len(code_cells(path)))
                self.assertEqual([c["error"] for c in nb["cells"] if c.get("error")], [])
                self.assertTrue(any(not ch["passed"] for c in nb["cells"] for ch in c["checks"]))
                for c in nb["cells"]:
                    for ch in c["checks"]:
                        self.assertNotIn("want", ch, "a wanted value given away: %s" % ch)

    def test_teacher_version_runs_the_graded_cells(self):
        teacher = exercises()[0]
        student = self.tmp / "emptied.ipynb"
        proc, _ = self.gopar("student", teacher, "-o", student, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        # A student who empties the check cells would earn their points
        # from a notebook run as submitted, and earns nothing when the
        # teacher's cells run instead.
        nb = json.loads(student.read_text())
        for c in nb["cells"]:
            if c.get("metadata", {}).get("nbgrader", {}).get("grade"):
                c["source"] = "// nothing to check"
        student.write_text(json.dumps(nb))
        proc, report, _ = self.grade(student, name="emptied")
        self.assertEqual(proc.returncode, 0, proc.stdout)
        nb = report["notebooks"][0]
        self.assertEqual(nb["earned"], nb["possible"])
        proc, report, _ = self.grade("--teacher", teacher, student, name="emptied-teacher")
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        nb = report["notebooks"][0]
        self.assertGreater(nb["possible"], 0)
        self.assertEqual(nb["earned"], 0)
        self.assertTrue(any(not ch["passed"] for c in nb["cells"] for ch in c["checks"]))

    def test_runaway_cells_earn_nothing_and_grading_goes_on(self):
        cells = [
            graded_cell("var xs []int\nfmt.Println(xs[3])", "panics", 1),
            graded_cell("for {\n}", "loops", 1),
            graded_cell("os.Exit(3)", "exits", 1),
            graded_cell('check.Equal("three", 1+2, 3)\ncheck.True("sorted", slices.IsSorted([]int{1, 2}))', "passes", 2),
        ]
        path = self.tmp / "runaway.ipynb"
        path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
        limit = 20
        proc, report, elapsed = self.grade(path, timeout_seconds=limit, name="runaway")
        self.assertNotEqual(proc.returncode, 0)
        nb = report["notebooks"][0]
        by_id = {c["grade_id"]: c for c in nb["cells"]}
        self.assertEqual(list(by_id), ["panics", "loops", "exits", "passes"])
        self.assertIn("index out of range", by_id["panics"]["error"])
        self.assertIn("longer than 20s", by_id["loops"]["error"])
        self.assertIn("status 3", by_id["exits"]["error"])
        for gid in ("panics", "loops", "exits"):
            self.assertEqual(by_id[gid]["earned"], 0, by_id[gid])
        self.assertEqual(by_id["passes"]["earned"], 2, by_id["passes"])
        self.assertEqual([ch["passed"] for ch in by_id["passes"]["checks"]], [True, True])
        self.assertEqual((nb["earned"], nb["possible"]), (2, 5))
        # Only the loop waits for the limit: the whole notebook takes far
        # less than every cell running to it would.
        self.assertGreaterEqual(by_id["loops"]["seconds"], limit)
        self.assertLess(elapsed, len(cells) * limit, "grading took %.1fs" % elapsed)
        for gid in ("panics", "exits", "passes"):
            self.assertLess(by_id[gid]["seconds"], by_id["loops"]["seconds"], by_id[gid])

    def test_committed_exercises_carry_their_checks(self):
        for path in exercises():
            with self.subTest(notebook=path.name):
                nb = nbformat.read(path, as_version=4)
                nbformat.validate(nb)
                records = [
                    o["data"][CHECK_MIME]
                    for c in nb.cells if c.cell_type == "code"
                    for o in c.outputs if o.output_type == "display_data" and CHECK_MIME in o.get("data", {})
                ]
                self.assertTrue(records, "%s is committed without its checks' outputs" % path.name)
                self.assertTrue(all(r["passed"] for r in records), records)

    def test_checks_through_a_real_kernel(self):
        # The records reach Jupyter as JSON objects beside the HTML line,
        # and nbformat accepts the notebook they are stored in.
        path = exercises()[0]
        nb = nbformat.read(path, as_version=4)
        for c in nb.cells:
            if c.cell_type == "code":
                c.outputs = []
        client = nbclient.NotebookClient(
            nb, kernel_name=gopar_env.KERNEL, timeout=gopar_env.FIRST_CELL_TIMEOUT,
            startup_timeout=gopar_env.STARTUP_TIMEOUT,
        )
        client.execute()
        nbformat.validate(nb)
        shown = [
            o["data"] for c in nb.cells if c.cell_type == "code"
            for o in c.outputs if o.output_type == "display_data" and CHECK_MIME in o["data"]
        ]
        self.assertTrue(shown)
        for data in shown:
            self.assertIsInstance(data[CHECK_MIME], dict)
            self.assertTrue(data[CHECK_MIME]["passed"], data)
            self.assertIn("gopar-check-pass", data["text/html"])
            self.assertTrue(data["text/plain"].startswith("✓ "))


if __name__ == "__main__":
    unittest.main()
