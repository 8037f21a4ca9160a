"""What the lesson notebooks claim, checked against their own outputs.

A lesson prints measured numbers and sentences computed from them ("2.0×
as fast"). Each check here reads one executed notebook and asserts that its
claims agree with its measurements and with arithmetic done independently
in Python: results that must be equal are equal, a stated speedup is within
10% of the one measured in the same run, plots have content, progress bars
finished. Times are never compared with fixed durations, except where a
sleep sets a floor no machine can beat.
"""

import collections
import math
import re

# Go's time.Duration.String units, and those package timing prints.
_UNITS = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}

# A speedup stated in prose must be within this fraction of the measured one.
SPEEDUP_TOLERANCE = 0.10


def seconds(text):
    """Seconds in a duration as Go or package timing prints it: 1.5s, 4.441ms, 648 µs, 1m2s."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s?(ns|µs|us|ms|s|m|h)", text)
    if not parts or "".join(n + u for n, u in parts) != re.sub(r"\s", "", text):
        raise AssertionError("not a duration: %r" % text)
    return sum(float(n) * _UNITS[u] for n, u in parts)


def clock_seconds(text):
    """Seconds in the lessons' clock form: 01:53:00 or 11 days 09:45:00."""
    m = re.fullmatch(r"(?:(\d+) days )?(\d+):(\d\d):(\d\d)", text.strip())
    if not m:
        raise AssertionError("not a clock time: %r" % text)
    days, h, mi, s = (int(g or 0) for g in m.groups())
    return ((days * 24 + h) * 60 + mi) * 60 + s


def cells(nb):
    """The code cells of a notebook, with their source and outputs."""
    return [c for c in nb.cells if c.cell_type == "code"]


def stdout_of(cell):
    return "".join(o.text for o in cell.get("outputs", []) if o.output_type == "stream" and o.name == "stdout")


def all_stdout(nb):
    return "".join(stdout_of(c) for c in cells(nb))


def data_of(nb, mime):
    """Every value of one MIME type among the rich outputs, in order."""
    values = []
    for c in cells(nb):
        for o in c.get("outputs", []):
            value = o.get("data", {}).get(mime)
            if value is not None:
                values.append("".join(value) if isinstance(value, list) else value)
    return values


def search(test, pattern, text, what):
    m = re.search(pattern, text, re.MULTILINE)
    test.assertIsNotNone(m, "no %s (/%s/) in:\n%s" % (what, pattern, text))
    return m


def assert_speedup_agrees(test, stated, measured, what):
    test.assertGreater(measured, 0, what)
    test.assertLessEqual(
        abs(stated - measured) / measured,
        SPEEDUP_TOLERANCE,
        "%s: states %.3g× but measured %.3g×" % (what, stated, measured),
    )


def comparison_ratios(table):
    """Name → ratio from the text of a timing.Comparison."""
    ratios = {}
    for line in table.splitlines():
        m = re.match(r"^\s*(.+?)\s+(?:\d[\d.]* ?(?:ns|µs|ms|s)\s+){3}(\d+\.\d+)×", line)
        if m:
            ratios[m.group(1)] = float(m.group(2))
    return ratios


def common(test, nb):
    """What every notebook must show: no error or stderr output, finished
    progress bars, and plots with content."""
    for i, c in enumerate(cells(nb)):
        for o in c.get("outputs", []):
            test.assertNotEqual(o.output_type, "error", "code cell %d: %s" % (i, o.get("evalue")))
            if o.output_type == "stream":
                test.assertEqual(o.name, "stdout", "code cell %d wrote to %s: %r" % (i, o.name, o.text))
    for html in data_of(nb, "text/html"):
        for value, limit in re.findall(r'<progress value="(\d+)" max="(\d+)"', html):
            test.assertEqual(value, limit, "a progress bar stopped at %s of %s" % (value, limit))
    for mime in ("image/png", "image/svg+xml"):
        for image in data_of(nb, mime):
            test.assertGreater(len(image.strip()), 100, "an empty %s image" % mime)


def check_why_parallel(test, nb):
    out = all_stdout(nb)
    cores = int(search(test, r"^logical cores: (\d+)$", out, "core count").group(1))

    m = search(test, r"^busy on (\d+) cores for half a second, this program got (\d+\.\d) cores' worth of processor time$", out, "cores obtained")
    test.assertEqual(int(m.group(1)), cores)
    # No program gets more processor time than its cores give; the slack is the clock's grain.
    test.assertLessEqual(float(m.group(2)), cores + 0.15)

    sweeps = [t for t in data_of(nb, "text/plain") if re.search(r"workers\s+median", t)]
    test.assertEqual(len(sweeps), 1, "one sweep table")
    rows = {}
    for line in sweeps[0].splitlines():
        m = re.match(r"^\s*(\d+)†?\s+.*?\s(\d+\.\d+)×\s+(\d+)%\s*$", line)
        if m:
            rows[int(m.group(1))] = float(m.group(2))
    test.assertIn(1, rows, sweeps[0])
    test.assertEqual(max(rows), cores, "the sweep goes up to the cores: %s" % sweeps[0])
    test.assertTrue(any("<svg" in s for s in data_of(nb, "image/svg+xml")), "the sweep's chart")

    m = search(test, r"^On (\d+) workers the job ran (\d+\.\d+)× as fast as on one, an efficiency of (\d+)%", out, "speedup sentence")
    n, stated, efficiency = int(m.group(1)), float(m.group(2)), int(m.group(3))
    test.assertEqual(n, max(rows))
    assert_speedup_agrees(test, stated, rows[n], "the speedup on %d workers" % n)
    test.assertAlmostEqual(efficiency, 100 * stated / n, delta=1.5)

    if n > 1:
        m = search(test, r"^serial fraction from the speedup on (\d+) workers: (\d+\.\d+)$", out, "Karp–Flatt fraction")
        # The speedup is printed to two decimals: the fraction from it may differ a little.
        karp_flatt = min(max((1 / stated - 1 / n) / (1 - 1 / n), 0), 1)
        test.assertAlmostEqual(float(m.group(2)), karp_flatt, delta=0.01)
    fit = re.search(r"^Amdahl's law fitted to all \d+ worker counts: serial fraction (\d+\.\d+)", out, re.MULTILINE)
    test.assertEqual(fit is not None, len(rows) >= 3, "a least-squares fit exactly when there are 3 or more counts")

    header = search(test, r"^\s*1 core\s+32 cores, ideal\s+32 cores, s = (\d\.\d{3})\s+(\d+) cores, s = (\d\.\d{3})\s*$", out, "job table")
    s, table_cores = float(header.group(1)), int(header.group(2))
    test.assertEqual(table_cores, cores)
    if fit:
        test.assertAlmostEqual(s, float(fit.group(1)), delta=0.0005)
    jobs = re.findall(r"^\s*((?:\d+ days )?\d\d:\d\d:\d\d)\s+((?:\d+ days )?\d\d:\d\d:\d\d)\s+((?:\d+ days )?\d\d:\d\d:\d\d)\s+((?:\d+ days )?\d\d:\d\d:\d\d)\s*$", out, re.MULTILINE)
    test.assertEqual([clock_seconds(j[0]) for j in jobs], [60, 3600, 86400, 30 * 86400, 365 * 86400])
    for job in jobs:
        t, ideal, on32, on_cores = (clock_seconds(x) for x in job)
        test.assertAlmostEqual(ideal, t / 32, delta=1)
        for got, workers in ((on32, 32), (on_cores, cores)):
            # s is printed to three decimals; the table used it unrounded.
            low = t * (max(s - 0.0005, 0) + (1 - max(s - 0.0005, 0)) / workers)
            high = t * (min(s + 0.0005, 1) + (1 - min(s + 0.0005, 1)) / workers)
            test.assertTrue(low - 1 <= got <= high + 1, "%s on %d workers with s=%s: %s" % (job[0], workers, s, got))

    goroutine = search(test, r"^start a goroutine and wait for it: (\S+ \S+) ±", out, "goroutine cost")
    process = search(test, r"^start a process and wait for it:\s+(\S+ \S+) ±", out, "process cost")
    stated = float(search(test, r"^starting a process took (\d+)× as long as starting a goroutine$", out, "cost ratio").group(1))
    assert_speedup_agrees(test, stated, seconds(process.group(1)) / seconds(goroutine.group(1)), "process against goroutine")

    m = search(test, r"^parallel\.Map over (\d+) items: (\S+) per call, (\S+) per item$", out, "cost per item")
    per_call, per_item = seconds(m.group(2)), seconds(m.group(3))
    test.assertAlmostEqual(per_item, per_call / int(m.group(1)), delta=max(per_item * 0.1, 1e-9))


def opticks_words(path):
    """The words of the book as the notebook defines them: runs of letters, in lower case."""
    return re.findall(r"[^\W\d_]+", path.read_text(encoding="utf-8").lower())


def check_map_and_mapreduce(test, nb, data_dir):
    out = all_stdout(nb)
    test.assertIn("output: [0 1 4 9 16 25 36 49]\n", out)

    runs = re.findall(r"^8 problems on (\d+) workers(?: \(one per core\))? in (\d+\.\d+) s: \[([\d ]+)\], err: <nil>$", out, re.MULTILINE)
    test.assertEqual(len(runs), 2, out)
    for workers, took, results in runs:
        test.assertEqual([int(x) for x in results.split()], [x * x for x in range(8)])
        # Each problem sleeps 100 ms: no machine does ceil(8/w) rounds faster.
        test.assertGreaterEqual(float(took), math.ceil(8 / int(workers)) * 0.1 - 0.005)
    test.assertIn("[100 101 104 109 116 125 136 149] <nil>\n", out)

    words = opticks_words(data_dir / "opticks.txt")
    counts = collections.Counter(words)
    m = search(test, r"^(\d+) words, (\d+) different ones$", out, "word totals")
    test.assertEqual((int(m.group(1)), int(m.group(2))), (len(words), len(counts)))
    test.assertIn("MapReduce gives the same counts as the loop: true\n", out)
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:12]
    shown = re.findall(r"^([^\W\d_]+)\s+(\d+)$", out, re.MULTILINE)
    test.assertEqual([(w, int(n)) for w, n in shown], top)
    for word in ("light", "colours", "rays", "prism"):
        test.assertRegex(out, r"\b%s: %d\b" % (word, counts[word]))

    tables = [t for t in data_of(nb, "text/plain") if "speedup vs loop" in t]
    test.assertEqual(len(tables), 1)
    measured = comparison_ratios(tables[0])["MapReduce"]
    m = search(test, r"^MapReduce took (\S+) and the loop (\S+): MapReduce was (\d+\.\d+)× as fast, so (faster|slower), on \d+ cores\.$", out, "MapReduce verdict")
    stated = float(m.group(3))
    assert_speedup_agrees(test, stated, measured, "MapReduce against the loop")
    assert_speedup_agrees(test, stated, seconds(m.group(2)) / seconds(m.group(1)), "MapReduce's times")
    test.assertEqual(m.group(4), "slower" if stated < 1 else "faster")

    test.assertEqual(out.count("[0 1 2 3 4 5 6 7 8 9] <nil>\n"), 2, "both joblib translations give the roots")
    test.assertTrue(any('<progress value="10" max="10"' in h for h in data_of(nb, "text/html")), "MapSeq's progress bar")


def check_exercise_integrate(test, nb):
    out = all_stdout(nb)
    seq = search(test, r"^sequential: (\d+\.\d+) s  \[([\d ]+)\]$", out, "sequential squares")
    par = search(test, r"^parallel:   (\d+\.\d+) s  \[([\d ]+)\]  err: <nil>$", out, "parallel squares")
    squares = [x * x for x in range(10)]
    test.assertEqual([int(x) for x in seq.group(2).split()], squares)
    test.assertEqual([int(x) for x in par.group(2).split()], squares)
    test.assertIn("same results: true\n", out)
    seq_s, par_s = float(seq.group(1)), float(par.group(1))
    # Sleeps set floors: 10 × 100 ms one after another, 3 rounds of 100 ms on 4 workers.
    test.assertGreaterEqual(seq_s, 1.0)
    test.assertGreaterEqual(par_s, 0.3)
    test.assertLess(par_s, seq_s)
    m = search(test, r"^10 items on 4 workers: (\d+) rounds of 100 ms, so at least (\d+\.\d+) s; measured (\d+\.\d+) s$", out, "rounds")
    test.assertEqual(int(m.group(1)), math.ceil(10 / 4))
    test.assertEqual(float(m.group(2)), 0.3)
    test.assertEqual(float(m.group(3)), par_s)

    source = "".join(c.source for c in cells(nb))
    repeats = int(search(test, r"^const repeats = ([\d_]+)$", source, "repeats").group(1).replace("_", ""))
    rows = re.findall(r"^(\d\.\d)\s+(\S+)\s+(\S+)\s+(\S+)$", out, re.MULTILINE)
    test.assertEqual([float(r[0]) for r in rows], [round(0.1 * i, 1) for i in range(1, 21)])
    for x, s, p, _ in rows:
        # Go prints the shortest text that reads back as the same float64.
        test.assertEqual(float(s), float(p), "x = %s: sequential %s, parallel %s" % (x, s, p))
        exact = repeats * (1 - math.cos(float(x)))
        test.assertAlmostEqual(float(p) / exact, 1, delta=1e-9)
    test.assertIn("sequential and parallel results identical: true  err: <nil>\n", out)

    tables = [t for t in data_of(nb, "text/plain") if "speedup vs sequential" in t]
    test.assertEqual(len(tables), 1)
    measured = comparison_ratios(tables[0])["parallel, 4 workers"]
    m = search(test, r"^sequential (\d+\.\d+) s, parallel on 4 workers (\d+\.\d+) s: (\d+\.\d+)× as fast\.$", out, "speedup sentence")
    stated = float(m.group(3))
    assert_speedup_agrees(test, stated, measured, "parallel integration")
    assert_speedup_agrees(test, stated, float(m.group(1)) / float(m.group(2)), "the integration times")
    m = search(test, r"^With (\d+) cores, 4 workers of computing can at best be (\d+)× as fast as one\.$", out, "bound")
    test.assertEqual(int(m.group(2)), min(4, int(m.group(1))))

    test.assertTrue(any(s.startswith("<svg") for s in data_of(nb, "image/svg+xml")), "the comparison's bar chart")
    test.assertTrue(any('<progress value="20" max="20"' in h for h in data_of(nb, "text/html")), "the progress bar")


def check_caching_and_saving(test, nb, workdir=None):
    """workdir, when given, is where the notebook ran: NumPy reads what it saved there."""
    out = all_stdout(nb)
    calls = re.findall(r"^cachedSquare\((\d+)\) = (\d+) in (\S+): (computed|from the cache)$", out, re.MULTILINE)
    test.assertEqual(
        [(int(x), how) for x, _, _, how in calls],
        [
            (12, "computed"), (12, "from the cache"), (13, "computed"),  # first and second calls
            (12, "from the cache"),  # a later cell, a new program
            (12, "computed"), (12, "from the cache"),  # after the helper's code changed
            (12, "from the cache"),  # after only its comment changed
        ],
    )
    for x, y, took, how in calls:
        test.assertEqual(int(y), int(x) ** 2)
        # slowSquare sleeps half a second: a call that took less did not compute.
        test.assertEqual(how == "computed", seconds(took) >= 0.5, "%s(%s) took %s: %s" % ("cachedSquare", x, took, how))
    m = search(test, r"^\s*slowSquare\s+(\d+)\s+\S+ \S+\s+(\d+)\s+(\d+)\s", out, "%cache's row")
    test.assertEqual([int(g) for g in m.groups()], [3, 4, 3], "entries, hits, misses")

    xs = [float(v) for v in search(test, r"^x:    \[([^\]]*)\]$", out, "saved x").group(1).split()]
    roots = [float(v) for v in search(test, r"^sqrt: \[([^\]]*)\]$", out, "saved roots").group(1).split()]
    test.assertEqual(xs, [0.5 * i for i in range(10)])
    test.assertEqual(roots, [math.sqrt(x) for x in xs])
    test.assertIn("loaded back the same numbers: true\n", out)
    if workdir is not None:
        import numpy as np

        with np.load(workdir / "results" / "roots.npz") as z:
            test.assertEqual(sorted(z.files), ["sqrt", "x"])
            test.assertEqual(z["x"].dtype, np.float64)
            test.assertEqual(z["x"].tolist(), xs)
            test.assertEqual(z["sqrt"].tolist(), roots)
