"""End-to-end tests in a real browser: the classic Notebook page in
headless Chromium runs gopar cells with widgets and %wasm (see
notebook_browser for the set-up other tests reuse)."""

import os
import unittest

import nbformat
from nbformat.v4 import new_code_cell, new_notebook
from selenium.webdriver.common.keys import Keys

import gopar_env
from notebook_browser import NotebookServer

if os.environ.get("GOPAR_KEEP_TMP"):
    print("browser tests: keeping screenshots and server logs")


class BrowserTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = NotebookServer().__enter__()
        try:
            cls.page = cls.server.browser().__enter__()
        except Exception:
            cls.server.__exit__(None, None, None)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.page.__exit__(None, None, None)
        cls.server.__exit__(None, None, None)

    def show(self):
        """What to print when a check fails."""
        return "\nerrors: %s\nserver log:\n%s" % (self.page.error_boxes(), self.server.server_log()[-3000:])

    def test_slider_moved_in_the_page_is_read_by_a_later_cell(self):
        nb = new_notebook(cells=[
            new_code_cell(
                'import "github.com/janpfeifer/gonb/gonbui/widgets"\n'
                "%%\n"
                's := widgets.Slider(0, 100, 50).WithAddress("/speed").WithHtmlId("speed").Done()\n'
                'fmt.Println("slider at", s.Value())'
            ),
            new_code_cell(
                'import "github.com/janpfeifer/gonb/gonbui/comms"\n'
                'fmt.Println("speed is", comms.ReadValue[int]("/speed"))'
            ),
        ])
        self.server.add_notebook(nb, "widgets.ipynb")
        page = self.page
        page.open("widgets.ipynb")
        page.run_cell(0)
        page.wait_text(0, "slider at 50")
        # Move it by hand: focus, then the keyboard (End: 100, then 27 left).
        slider = page.driver.find_element("id", "speed")
        slider.click()
        slider.send_keys(Keys.END)
        for _ in range(27):
            slider.send_keys(Keys.ARROW_LEFT)
        self.assertEqual(slider.get_attribute("value"), "73")
        page.run_cell(1)
        page.screenshot("widgets")
        self.assertIn("speed is 73", page.cell_text(1), self.show())
        self.assertEqual(page.error_boxes(), [], self.show())

    def test_button_clicks_reach_the_running_program(self):
        nb = new_notebook(cells=[
            new_code_cell(
                'import "github.com/janpfeifer/gonb/gonbui/widgets"\n'
                "%%\n"
                'b := widgets.Button("Go").WithHtmlId("go-button").Done()\n'
                "clicks := b.Listen()\n"
                'fmt.Println("waiting")\n'
                "for n := range clicks.C {\n"
                '\tfmt.Println("click", n)\n'
                "\tif n == 2 {\n"
                "\t\tbreak\n"
                "\t}\n"
                "}"
            ),
        ])
        self.server.add_notebook(nb, "button.ipynb")
        page = self.page
        page.open("button.ipynb")
        page.js("Jupyter.notebook.get_cell(0).execute()")
        page.wait_text(0, "waiting")
        button = page.driver.find_element("id", "go-button")
        button.click()
        page.wait_text(0, "click 1")
        button.click()
        page.wait_done([0], 60)
        self.assertIn("click 2", page.cell_text(0), self.show())

    def test_wasm_cell_writes_into_its_div(self):
        nb = new_notebook(cells=[
            new_code_cell('func greeting(who string) string { return "hello from " + who }'),
            new_code_cell(
                "%wasm\n"
                'import "syscall/js"\n'
                'div := js.Global().Get("document").Call("getElementById", GonbWasmDivId)\n'
                'div.Set("innerText", greeting("wasm"))'
            ),
        ])
        self.server.add_notebook(nb, "wasm.ipynb")
        page = self.page.run_notebook("wasm.ipynb")
        # The build for WebAssembly is a cold one on a fresh machine.
        page.wait_text(1, "hello from wasm", timeout=120)
        page.screenshot("wasm")
        self.assertEqual(page.error_boxes(), [], self.show())

    def test_lesson_05_renders_in_the_page(self):
        # Without its committed outputs: what the checks see is this run's.
        lesson = nbformat.read(gopar_env.REPO / "notebooks" / "05-exercise-integrate.ipynb", as_version=4)
        for c in lesson.cells:
            if c.cell_type == "code":
                c.outputs, c.execution_count = [], None
        self.server.add_notebook(lesson, "05-exercise-integrate.ipynb")
        page = self.page.run_notebook("05-exercise-integrate.ipynb")
        self.assertEqual(page.error_boxes(), [], self.show())
        # The progress bar of the comparison ran to its end.
        bars = page.js(
            "return Array.from(document.querySelectorAll('.output_area progress'))"
            ".map((p) => [p.value, p.max])"
        )
        self.assertTrue(bars, "no progress bar in the page" + self.show())
        self.assertTrue(all(v == m and m > 0 for v, m in bars), "progress bars: %s%s" % (bars, self.show()))
        # The timing plot is an image the page drew at a real size.
        sizes = page.js(
            "return Array.from(document.querySelectorAll('.output_area img'))"
            ".map((i) => [i.complete, i.naturalWidth, i.naturalHeight, i.width, i.height])"
        )
        self.assertTrue(
            any(c and nw > 0 and nh > 0 and w > 0 and h > 0 for c, nw, nh, w, h in sizes),
            "images: %s%s" % (sizes, self.show()),
        )
        page.screenshot("lesson-05")


if __name__ == "__main__":
    unittest.main()
