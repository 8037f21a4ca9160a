"""Executes every notebook in notebooks/ with nbclient on the gopar kernel."""

import shutil
import tempfile
import time
import unittest
from pathlib import Path

import nbclient
import nbformat

import gopar_env
import lesson_checks

NOTEBOOKS = gopar_env.REPO / "notebooks"
DATA = NOTEBOOKS / "data"

# The lessons, in the order they are taught.
LESSONS = [
    "00-quickstart.ipynb",
    "01-parallel.ipynb",
    "02-why-parallel.ipynb",
    "03-map-and-mapreduce.ipynb",
    "04-caching-and-saving.ipynb",
    "05-exercise-integrate.ipynb",
]

# Checks of what a notebook claims against what it measured, by file name
# (see lesson_checks), given the directory it ran in when it has just run
# there; every notebook also gets lesson_checks.common.
CLAIMS = {
    "02-why-parallel.ipynb": lambda test, nb, workdir: lesson_checks.check_why_parallel(test, nb),
    "03-map-and-mapreduce.ipynb": lambda test, nb, workdir: lesson_checks.check_map_and_mapreduce(test, nb, DATA),
    "04-caching-and-saving.ipynb": lesson_checks.check_caching_and_saving,
    "05-exercise-integrate.ipynb": lambda test, nb, workdir: lesson_checks.check_exercise_integrate(test, nb),
}

# Output each notebook must produce, by file name: (output type, MIME type
# or stream name, text that must appear). Notebooks not listed here must
# still run without errors.
EXPECTED = {
    "00-quickstart.ipynb": [
        ("stream", "stdout", "Hello from gopar!"),
        ("stream", "stdout", "fibonacci(30) = 832040"),
        ("execute_result", "text/plain", "12586269025"),
        ("stream", "stdout", "[55 6765 832040 102334155]"),
        ("display_data", "text/html", "<tr><td>10</td><td>55</td></tr>"),
    ],
    "01-parallel.ipynb": [
        ("display_data", "text/html", "48/48"),
        ("stream", "stdout", "primes below 50000 and 144000 are 5133 and 13343 err: <nil>"),
        ("execute_result", "text/plain", "speedup vs sequential"),
        ("execute_result", "text/plain", "efficiency"),
        ("execute_result", "text/plain", "Amdahl's law fitted by least squares: serial fraction"),
        ("execute_result", "text/plain", "png image 16×10 cm of plot \"Amdahl's law\""),
        ("stream", "stdout", "per loop (mean ± std. dev. of 7 runs"),
        ("stream", "stdout", "item 2 (input -1) failed: negative limit -1"),
        ("stream", "stdout", "[0 1 4 9 16] 9.99998000001e+11 <nil>"),
        ("stream", "stdout", "the: 3 dog: 2 fox: 1 err: <nil>"),
        ("stream", "stdout", "1229 17984 <nil>"),
        ("stream", "stdout", "[[1 2 3 4] [2 4 6 8] [3 6 9 12]] <nil>"),
    ],
}


def outputs_of(nb):
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                yield index, output


def contains(output, kind, key, text):
    if output.output_type != kind:
        return False
    if kind == "stream":
        return output.name == key and text in output.text
    value = output.get("data", {}).get(key, "")
    if isinstance(value, list):
        value = "".join(value)
    return text in value


class NotebookTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        gopar_env.setup()

    def test_there_are_notebooks(self):
        self.assertTrue(sorted(NOTEBOOKS.glob("*.ipynb")), "no notebooks in %s" % NOTEBOOKS)

    def test_every_lesson_is_there(self):
        for name in LESSONS:
            self.assertTrue((NOTEBOOKS / name).is_file(), "lesson %s is missing" % name)

    def check_claims(self, path, nb, workdir=None):
        lesson_checks.common(self, nb)
        if path.name in CLAIMS:
            CLAIMS[path.name](self, nb, workdir)

    def test_committed_notebooks_carry_their_outputs(self):
        # A notebook reads well on a code host without running it: it is
        # committed executed, without errors, with what the run below
        # checks already in it.
        for path in sorted(NOTEBOOKS.glob("*.ipynb")):
            with self.subTest(notebook=path.name):
                nb = nbformat.read(path, as_version=4)
                nbformat.validate(nb)
                self.assertEqual(nb.metadata.kernelspec.name, gopar_env.KERNEL)
                outputs = list(outputs_of(nb))
                self.assertTrue(outputs, "%s is committed without outputs (gopar run it)" % path.name)
                self.assertEqual([(i, o) for i, o in outputs if o.output_type == "error"], [])
                counts = [c.get("execution_count") for c in nb.cells if c.cell_type == "code"]
                self.assertNotIn(None, counts, "%s has cells that were not run" % path.name)
                for kind, key, text in EXPECTED.get(path.name, []):
                    self.assertTrue(
                        any(contains(o, kind, key, text) for _, o in outputs),
                        "%s: committed outputs lack %s %s %r" % (path.name, kind, key, text),
                    )
                self.check_claims(path, nb)

    def test_notebooks_run(self):
        for path in sorted(NOTEBOOKS.glob("*.ipynb")):
            with self.subTest(notebook=path.name):
                nb = nbformat.read(path, as_version=4)
                with tempfile.TemporaryDirectory(prefix="gopar-nb-") as workdir:
                    # The lessons read their data beside them, and what they
                    # write stays in the copy.
                    shutil.copytree(DATA, Path(workdir) / "data")
                    started = time.monotonic()
                    client = nbclient.NotebookClient(
                        nb,
                        kernel_name=gopar_env.KERNEL,
                        timeout=gopar_env.CELL_TIMEOUT,
                        startup_timeout=gopar_env.STARTUP_TIMEOUT,
                        resources={"metadata": {"path": workdir}},
                    )
                    try:
                        client.execute()
                    except nbclient.exceptions.CellExecutionError as err:
                        self.fail("%s: %s" % (path.name, err))
                    print("%s ran in %.1f s" % (path.name, time.monotonic() - started), flush=True)
                    outputs = list(outputs_of(nb))
                    errors = [(i, o) for i, o in outputs if o.output_type == "error"]
                    self.assertEqual(errors, [], "cells with errors")
                    self.assertTrue(outputs, "%s produced no output at all" % path.name)
                    for kind, key, text in EXPECTED.get(path.name, []):
                        self.assertTrue(
                            any(contains(o, kind, key, text) for _, o in outputs),
                            "%s: no %s %s output containing %r; outputs:\n%s"
                            % (path.name, kind, key, text, "\n".join("cell %d: %s" % (i, o) for i, o in outputs)),
                        )
                    self.check_claims(path, nb, Path(workdir))


if __name__ == "__main__":
    unittest.main()
