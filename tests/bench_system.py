"""Benchmark of a class on one server (not a test: it asserts nothing).

    sudo /usr/bin/python3 tests/bench_system.py [--users N]

After `gopar install --system` into a temporary prefix, with new Unix users
whose homes are empty, it reports:

  1. a new user's first cell of each kind (trivial, parallel.Map, a plot)
     against a changed cell of the same kind in the same warm kernel;
  2. N users (10 by default) whose first cells start at the same moment:
     the slowest first output against one user's alone, measured just
     before on the same machine;
  3. what stays in a user's home after such a lesson.
"""

import argparse
import statistics
import sys
import threading
import time

import system_env
from system_env import disk_usage
from test_system import CHANGED_CELLS, FIRST_CELLS

MiB = 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10, help="users starting at once")
    parser.add_argument("--prefix", help="use the system install already in PREFIX instead of a new one")
    args = parser.parse_args()
    reason = system_env.can_add_users()
    if reason:
        sys.exit("bench_system: " + reason)
    site = system_env.site(args.prefix)
    if site.install_seconds is not None:
        print("system install: %.0f s" % site.install_seconds)

    kinds = list(FIRST_CELLS)
    name, home = site.add_user("bench")
    report = site.session(name, [FIRST_CELLS[k] for k in kinds] + [CHANGED_CELLS[k] for k in kinds])
    cells = report["cells"]
    print("\n1. a new user's first cell against a warm changed cell of the same kind")
    print("   %-8s %8s %8s %6s" % ("kind", "first", "warm", "ratio"))
    for i, kind in enumerate(kinds):
        first, warm = cells[i], cells[len(kinds) + i]
        for c in (first, warm):
            if c["status"] != "ok":
                sys.exit("bench_system: %s cell failed: %s" % (kind, c))
        print("   %-8s %7.2fs %7.2fs %6.2f" % (kind, first["seconds"], warm["seconds"], first["seconds"] / warm["seconds"]))
    lesson_disk = disk_usage(home)

    users = [site.add_user("c%d" % i)[0] for i in range(args.users + 1)]
    alone = site.session(users[0], [FIRST_CELLS["trivial"]])["cells"][0]
    # Kernels start first; the cells are sent at the same moment.
    start_at = time.time() + 30 + 3 * args.users
    results = [None] * args.users

    def one(i):
        results[i] = site.session(users[i + 1], [FIRST_CELLS["trivial"]], start_at=start_at)["cells"][0]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(args.users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    firsts = [r["first_output"] for r in results if r and r.get("status") == "ok"]
    if len(firsts) != args.users:
        sys.exit("bench_system: only %d of %d users' cells succeeded: %s" % (len(firsts), args.users, results))
    print("\n2. %d users' first trivial cells sent at the same moment (first output)" % args.users)
    print("   one user alone: %.2fs" % alone["first_output"])
    print("   %d at once: median %.2fs, slowest %.2fs (%.1fx alone)"
          % (args.users, statistics.median(firsts), max(firsts), max(firsts) / alone["first_output"]))

    homes = [disk_usage(site.tmp / ("home-" + u)) for u in users]
    print("\n3. disk per additional user")
    print("   after the lesson above (3 kinds of cell, first and changed): %.1f MiB" % (lesson_disk / MiB))
    print("   after one trivial cell: median %.1f MiB" % (statistics.median(homes) / MiB))
    print("   shared, once: build cache %.0f MiB, module cache %.0f MiB"
          % (disk_usage(site.build_cache) / MiB, disk_usage(site.shared / "mod") / MiB))


if __name__ == "__main__":
    main()
