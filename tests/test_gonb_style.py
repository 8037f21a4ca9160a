"""End to end: a notebook written as GoNB users write them runs under
nbclient on the gopar kernel with the outputs GoNB's help page
describes."""

import tempfile
import unittest
from pathlib import Path

import nbclient
import nbformat

import gopar_env

# (cell source, text its stdout must equal)
CELLS = [
    ("//gonb:%%\nfmt.Println(\"hello from //gonb:%%\")", "hello from //gonb:%%\n"),
    ("package main\n\nvar x = flag.Int(\"x\", 0, \"a number\")\n\n%% -x=17\nfmt.Println(\"x =\", *x)", "x = 17\n"),
    ("%args -x=3\n%%\nfmt.Println(\"x =\", *x)", "x = 3\n"),
    ("func init_greeting() { fmt.Println(\"init_greeting ran\") }\n%%\nfmt.Println(\"main ran\")",
     "init_greeting ran\nmain ran\n"),
    ("!*test -f go.mod && echo \"go.mod is in $GONB_DIR\" | sed \"s|$GONB_DIR|the module dir|\"",
     "go.mod is in the module dir\n"),
    ("!if [[ 2 -gt 1 ]]; then echo bash; fi", "bash\n"),
    ("%rm init_greeting\n%ls", "removed init_greeting\nimport flag\nimport fmt\nvar x\n"),
    ("%%writefile greeting.txt\nhello, file", "Writing greeting.txt\n"),
    ("%%bash\nwc -c < greeting.txt", "12\n"),
    ("%capture captured.txt\n%%\nfmt.Println(\"captured line\")", "captured line\n"),
    ("!cat captured.txt", "captured line\n"),
    ("%test\nfunc double(x int) int { return 2 * x }\nfunc TestDouble(t *testing.T) {\n\tif double(21) != 42 {\n\t\tt.Fatal(\"double is wrong\")\n\t}\n}",
     None),
    ("%test\nfunc TestBroken(t *testing.T) { t.Error(\"broken on purpose\") }", None),
]

# Cells whose output is checked by what it contains, and the error, if
# any, each must end with.
CONTAINS = {
    len(CELLS) - 2: ("--- PASS: TestDouble", None),
    len(CELLS) - 1: ("broken on purpose", "TestBroken failed"),
}


class GoNBStyleNotebookTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        gopar_env.setup()

    def test_gonb_style_notebook_runs(self):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": gopar_env.KERNEL, "display_name": "Go (gopar)", "language": "go"}
        nb.cells = [nbformat.v4.new_code_cell(src) for src, _ in CELLS]
        with tempfile.TemporaryDirectory(prefix="gopar-gonb-") as workdir:
            client = nbclient.NotebookClient(
                nb,
                kernel_name=gopar_env.KERNEL,
                timeout=gopar_env.FIRST_CELL_TIMEOUT,
                startup_timeout=gopar_env.STARTUP_TIMEOUT,
                resources={"metadata": {"path": workdir}},
                allow_errors=True,
            )
            client.execute()
            self.assertEqual(Path(workdir, "greeting.txt").read_text(), "hello, file\n")
        for i, (cell, (src, want)) in enumerate(zip(nb.cells, CELLS)):
            with self.subTest(cell=src):
                errors = [o for o in cell.outputs if o.output_type == "error"]
                stdout = "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
                if i in CONTAINS:
                    text, error = CONTAINS[i]
                    self.assertIn(text, stdout)
                    if error is None:
                        self.assertEqual(errors, [])
                    else:
                        self.assertEqual(len(errors), 1, cell.outputs)
                        self.assertIn(error, errors[0].evalue)
                    continue
                self.assertEqual(errors, [])
                self.assertEqual(stdout, want)


if __name__ == "__main__":
    unittest.main()
