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
]


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
            )
            client.execute()
            self.assertEqual(Path(workdir, "greeting.txt").read_text(), "hello, file\n")
        for cell, (src, want) in zip(nb.cells, CELLS):
            with self.subTest(cell=src):
                errors = [o for o in cell.outputs if o.output_type == "error"]
                self.assertEqual(errors, [])
                stdout = "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
                self.assertEqual(stdout, want)


if __name__ == "__main__":
    unittest.main()
