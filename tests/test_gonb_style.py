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
    # nbclient sends no input (allow_stdin is false): the command reads
    # end of file instead of waiting for ever.
    ("%with_inputs\n!read str; echo \"str=[$str]\"", "str=[]\n"),
    # A local module used through a go.work in the cells' module, as in
    # GoNB's gowork notebook ({workdir} is the notebook's directory).
    ("!mkdir -p lib && printf 'module a.com/a/pkg\\n\\ngo 1.21\\n' > lib/go.mod"
     " && printf 'package pkg\\n\\nfunc A() string { return \"A\" }\\n' > lib/pkg.go", ""),
    ("!*rm -f go.work && go work init && go work use . \"$GONB_JUPYTER_ROOT/lib\"\n%goworkfix",
     "a.com/a/pkg => {workdir}/lib\n"),
    ("import \"a.com/a/pkg\"\n%%\nfmt.Println(pkg.A())", "A\n"),
    ("%track", "tracked (an edit under these makes the next cell build again):\n  {workdir}/lib  (go.mod replaces a.com/a/pkg)\n"),
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
                self.assertEqual(stdout, want.replace("{workdir}", workdir))


class GoNBInputTest(unittest.TestCase):
    """GoNB's input boxes notebook, cells answered through jupyter_client
    (nbclient answers no input_request)."""

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = gopar_env.start_kernel()

    @classmethod
    def tearDownClass(cls):
        gopar_env.stop_kernel(cls.km, cls.kc)

    def run_answering(self, code, answers, timeout=gopar_env.CELL_TIMEOUT):
        answers = list(answers)
        out = gopar_env.execute(self.kc, code, timeout=timeout, allow_stdin=True, answer=lambda prompt: answers.pop(0))
        self.assertEqual(out.status, "ok", out.describe())
        self.assertEqual(out.errors(), [], out.describe())
        self.assertEqual(answers, [], "input asked for fewer times than answered\n" + out.describe())
        return out

    def test_with_inputs_and_with_password(self):
        out = self.run_answering(
            '%with_inputs\n!read str ; echo "str=$str"\n%with_password\n!read pass ; echo "pass=$pass"',
            ["foo", "bar"],
        )
        self.assertEqual(out.stream_text("stdout"), "str=foo\npass=bar\n")
        self.assertEqual([m["content"]["password"] for m in out.input_requests], [False, True])

    def test_gonbui_request_input(self):
        code = (
            'import "github.com/janpfeifer/gonb/gonbui"\n'
            "%%\n"
            'gonbui.RequestInput("Enter:", false)\n'
            "var x int\n"
            "fmt.Scan(&x)\n"
            'fmt.Printf("int=%d\\n", x)\n'
            'gonbui.RequestInput("Pin:", true)\n'
            "fmt.Scan(&x)\n"
            'fmt.Printf("secret=%d\\n", x)'
        )
        out = self.run_answering(code, ["42", "123456"], timeout=gopar_env.FIRST_CELL_TIMEOUT)
        self.assertEqual(out.stream_text("stdout"), "int=42\nsecret=123456\n")
        asked = [(m["content"]["prompt"], m["content"]["password"]) for m in out.input_requests]
        self.assertEqual(asked, [("Enter:", False), ("Pin:", True)])


if __name__ == "__main__":
    unittest.main()
