#!/usr/bin/env python3
"""Time a short command many times, for tests/bench/run.sh.

    timeit.py RUNS WARMUP CMD [ARG]...

Runs CMD WARMUP times untimed, then RUNS times timed, each with stdin and
stdout on /dev/null and stderr in a scratch file (shown only when the run
fails: `ssh -O check` and `ssh -V` talk there), and prints "MEDIAN MIN
MAX" in milliseconds with two decimals.  posix_spawn
and a monotonic clock keep the harness's own cost well under a
millisecond, which matters for commands that should take 10 ms.  Exits 1
if any run fails, after saying which.
"""

import os
import statistics
import sys
import tempfile
import time


def run_once(argv, devnull, err):
    os.ftruncate(err, 0)
    os.lseek(err, 0, os.SEEK_SET)
    actions = [
        (os.POSIX_SPAWN_DUP2, devnull, 0),
        (os.POSIX_SPAWN_DUP2, devnull, 1),
        (os.POSIX_SPAWN_DUP2, err, 2),
    ]
    start = time.perf_counter_ns()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter_ns() - start
    return elapsed / 1e6, os.waitstatus_to_exitcode(status)


def main():
    if len(sys.argv) < 4:
        sys.stderr.write("usage: timeit.py RUNS WARMUP CMD [ARG]...\n")
        return 2
    runs, warmup = int(sys.argv[1]), int(sys.argv[2])
    argv = sys.argv[3:]
    devnull = os.open(os.devnull, os.O_RDWR)
    err = tempfile.TemporaryFile()
    times = []
    for i in range(warmup + runs):
        try:
            ms, code = run_once(argv, devnull, err.fileno())
        except OSError as e:
            sys.stderr.write("timeit: cannot run %s: %s\n" % (argv[0], e))
            return 1
        if code != 0:
            err.seek(0)
            sys.stderr.write(err.read().decode(errors="replace"))
            sys.stderr.write("timeit: run %d of '%s' exited %d\n"
                             % (i + 1, " ".join(argv), code))
            return 1
        if i >= warmup:
            times.append(ms)
    print("%.2f %.2f %.2f" % (statistics.median(times), min(times),
                              max(times)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
