"""The Jupyter kernel conformance suite (jupyter_kernel_test) against gopar.

Every sample attribute is set, so all of the suite's tests run; none skips.
"""

import unittest

import jupyter_kernel_test

import gopar_env

FIBONACCI = """\
func fibonacci(n int) int {
	if n < 2 {
		return n
	}
	return fibonacci(n-1) + fibonacci(n-2)
}
"""

PNG_CELL = """\
import (
	"image"
	"github.com/janpfeifer/gonb/gonbui"
)
if err := gonbui.DisplayImage(image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
	panic(err)
}
"""


class GoparKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = gopar_env.KERNEL
    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'fmt.Println("hello, world")'
    code_stderr = 'fmt.Fprintln(os.Stderr, "to stderr")'

    completion_samples = [
        {"text": "fmt.Printl", "matches": ["Println"]},
        # fibonacci is declared by a cell run in setUpClass.
        {"text": "fibo", "matches": ["fibonacci"]},
    ]

    complete_code_samples = [
        'fmt.Println("hi")',
        "x := 1",
        FIBONACCI,
        "%help",
        "!ls",
    ]
    incomplete_code_samples = [
        "func f() {",
        "for i := 0; i < 3; i++ {",
        "fmt.Println(",
    ]
    invalid_code_samples = [
        "x := )",
        'fmt.Println("a"))',
    ]

    code_page_something = "%help"

    code_generate_error = 'panic("boom")'

    code_execute_result = [
        {"code": "1+2", "result": "3"},
        {"code": "6*7", "result": "42"},
    ]

    # Matches exactly one of the codes above, whether the kernel reads the
    # pattern as a glob (as IPython does) or as a substring.
    code_history_pattern = "1+2"
    supported_history_operations = ("tail", "range", "search")

    code_display_data = [
        {
            "code": 'import "github.com/janpfeifer/gonb/gonbui"\ngonbui.DisplayHTML("<b>bold</b>")',
            "mime": "text/html",
        },
        {
            "code": 'import "github.com/janpfeifer/gonb/gonbui"\ngonbui.DisplayMarkdown("**bold**")',
            "mime": "text/markdown",
        },
        {"code": PNG_CELL, "mime": "image/png"},
    ]

    code_inspect_sample = "fmt.Println"

    code_clear_output = 'import "github.com/gopar/gopar/display"\ndisplay.ClearOutput(false)'

    @classmethod
    def setUpClass(cls):
        gopar_env.setup()
        cls.km, cls.kc = gopar_env.start_kernel(cls.kernel_name)
        # The first cell builds from a cold per-kernel work directory; run it
        # here with a generous timeout, so the suite's own 15 s limit only
        # applies to warm cells. It also declares what completion needs.
        out = gopar_env.execute(cls.kc, FIBONACCI, timeout=gopar_env.FIRST_CELL_TIMEOUT)
        if out.status != "ok":
            raise AssertionError("declaring fibonacci failed:\n" + out.describe())

    def execute_helper(self, code, timeout=gopar_env.CELL_TIMEOUT, **kwargs):
        return super().execute_helper(code, timeout=timeout, **kwargs)


if __name__ == "__main__":
    unittest.main()
