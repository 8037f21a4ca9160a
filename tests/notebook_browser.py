"""The classic Jupyter Notebook page in headless Chromium, for end-to-end
tests of what only a browser shows: widgets, %wasm, plots as the page
draws them.

    with NotebookServer() as server:
        server.add_notebook(path_or_nbformat_node, "x.ipynb")
        with server.browser() as page:
            page.run_notebook("x.ipynb")     # open, run all, wait, screenshot
            page.cell_text(0), page.error_boxes(), page.screenshot("name")

The server is Debian's jupyter-notebook on 127.0.0.1 with a token, a
temporary notebook directory and the kernelspecs of gopar_env; the browser
is Debian's chromium driven through chromedriver by python3-selenium.
Screenshots go to the server's temporary directory, and their paths are
printed for the log.
"""

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
from selenium import webdriver
from selenium.common.exceptions import JavascriptException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

import gopar_env

JUPYTER_NOTEBOOK = "/usr/bin/jupyter-notebook"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"

SERVER_TIMEOUT = 60
PAGE_TIMEOUT = 60


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, check, timeout, interval=0.2):
    """Polls check() until it returns a true value, which it returns;
    raises TimeoutError naming what after timeout seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except (JavascriptException, WebDriverException) as e:
            last = e
        else:
            if last:
                return last
        time.sleep(interval)
    raise TimeoutError("%s: not within %ss (last: %r)" % (what, timeout, last))


class NotebookServer:
    """Debian's jupyter-notebook serving a temporary directory, with gopar's
    kernelspecs; a context manager."""

    def __init__(self):
        self.env = gopar_env.setup()
        self.dir = Path(tempfile.mkdtemp(prefix="gopar-browser-", dir=self.env.tmp))
        self.token = secrets.token_hex(16)
        self.port = _free_port()
        self.url = "http://127.0.0.1:%d/" % self.port
        self.proc = None

    def __enter__(self):
        self.log = open(self.dir / "server.log", "w")
        # The server's working directory is the root it serves: %wasm
        # finds it there (the kernel's JPY_PARENT_PID).
        self.proc = subprocess.Popen(
            [
                JUPYTER_NOTEBOOK, "--no-browser", "--ip=127.0.0.1", "--port=%d" % self.port,
                "--NotebookApp.token=" + self.token, "--notebook-dir=" + str(self.dir),
                "--NotebookApp.port_retries=0",
            ] + (["--allow-root"] if os.geteuid() == 0 else []),
            cwd=self.dir, stdout=self.log, stderr=subprocess.STDOUT, env=os.environ.copy(),
        )
        try:
            wait_until("notebook server up", self._up, SERVER_TIMEOUT, 0.3)
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def _up(self):
        if self.proc.poll() is not None:
            raise RuntimeError("jupyter-notebook exited:\n" + (self.dir / "server.log").read_text())
        try:
            with urllib.request.urlopen(self.url + "api/status?token=" + self.token, timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # shuts its kernels down too
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def server_log(self):
        return (self.dir / "server.log").read_text()

    def add_notebook(self, source, name):
        """Puts a notebook in the served directory: a path to copy, or an
        nbformat node to write. The kernel is gopar's."""
        dest = self.dir / name
        if isinstance(source, (str, Path)):
            shutil.copy(source, dest)
        else:
            source.metadata["kernelspec"] = {"name": gopar_env.KERNEL, "display_name": "Go (gopar)", "language": "go"}
            nbformat.write(source, dest)
        return dest

    def browser(self):
        return NotebookPage(self)


class NotebookPage:
    """One headless Chromium on the server; a context manager."""

    def __init__(self, server):
        self.server = server
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,1600"):
            opts.add_argument(arg)
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
        self.driver.set_script_timeout(30)
        self.shots = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.driver.quit()

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def open(self, name):
        """Opens a notebook and waits for its kernel to be connected."""
        self.driver.get("%snotebooks/%s?token=%s" % (self.server.url, name, self.server.token))
        wait_until(
            "kernel of %s connected" % name,
            lambda: self.js(
                "return !!(window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel"
                " && Jupyter.notebook.kernel.is_connected() && Jupyter.notebook.kernel.info_reply"
                " && Jupyter.notebook.kernel.info_reply.implementation)"
            ),
            PAGE_TIMEOUT,
        )

    def code_cells(self):
        return self.js(
            "return Jupyter.notebook.get_cells().map((c, i) => [i, c.cell_type])"
            ".filter(([i, t]) => t === 'code').map(([i]) => i)"
        )

    def run_cell(self, index, timeout=gopar_env.CELL_TIMEOUT):
        """Runs one cell and waits until it is done."""
        self.js("Jupyter.notebook.get_cell(arguments[0]).execute()", index)
        self.wait_done([index], timeout)

    def run_all(self, timeout=gopar_env.FIRST_CELL_TIMEOUT):
        """Runs every cell, as Cell > Run All does, and waits until all are done."""
        self.js("Jupyter.notebook.execute_all_cells()")
        self.wait_done(self.code_cells(), timeout)

    def wait_done(self, indexes, timeout):
        """Waits until the cells have run (a number in their prompt) and
        the kernel is idle."""
        wait_until(
            "cells %s done" % indexes,
            lambda: self.js(
                "const cells = arguments[0].map((i) => Jupyter.notebook.get_cell(i));"
                "return cells.every((c) => typeof c.input_prompt_number === 'number')"
                " && !Jupyter.notebook.kernel_busy",
                indexes,
            ),
            timeout,
        )

    def run_notebook(self, name, timeout=gopar_env.FIRST_CELL_TIMEOUT):
        """Opens a notebook, runs all its cells, waits for the kernel to be
        idle, saves a screenshot and returns the page."""
        self.open(name)
        self.run_all(timeout)
        self.screenshot(Path(name).stem)
        return self

    def cell_element(self, index):
        return self.driver.find_elements(By.CSS_SELECTOR, "#notebook-container .cell")[index]

    def cell_text(self, index):
        """The text of a cell's output area as the page shows it."""
        return self.js(
            "return Jupyter.notebook.get_cell(arguments[0]).output_area.element[0].innerText", index
        )

    def wait_text(self, index, text, timeout=PAGE_TIMEOUT):
        """Waits until a cell's output shows text."""
        return wait_until("%r in cell %d" % (text, index), lambda: text in self.cell_text(index), timeout)

    def error_boxes(self):
        """The text of every error shown in an output area."""
        return [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, ".output_area .output_error")]

    def screenshot(self, name):
        self.shots += 1
        path = self.server.dir / ("%02d-%s.png" % (self.shots, name))
        self.driver.save_screenshot(str(path))
        print("screenshot: %s" % path, flush=True)
        return path
