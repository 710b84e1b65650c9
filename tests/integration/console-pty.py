#!/usr/bin/env python3
"""Drive `aq console NAME` on a real pseudo-terminal, as a person would.

    console-pty.py NAME ESCAPE

Starts aq console with a new pty as its controlling terminal, waits for
the banner, presses Enter, waits for the root prompt, runs `hostname`,
checks it prints NAME, then leaves with ESCAPE ("ctrl-]" or "tilde-dot"),
or with SIGTERM ("sigterm").  Exits 0 when aq console exited 0 (or by the
signal, for "sigterm") and the terminal's settings afterwards are exactly
what they were before.
"""

import os
import select
import signal
import subprocess
import sys
import termios
import time


def read_until(fd, needle, timeout, seen):
    end = time.time() + timeout
    while needle not in seen[0]:
        left = end - time.time()
        if left <= 0:
            raise SystemExit("timed out waiting for %r; got %r"
                             % (needle, seen[0][-400:]))
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                raise SystemExit("console closed; got %r" % seen[0][-400:])
            seen[0] += data


def main():
    name, how = sys.argv[1], sys.argv[2]
    master, slave = os.openpty()
    before = termios.tcgetattr(slave)

    def child_setup():
        os.setsid()
        import fcntl
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(["aq", "console", name], stdin=slave,
                            stdout=slave, stderr=slave,
                            preexec_fn=child_setup)
    seen = [b""]
    read_until(master, b"Escape", 20, seen)
    # Wait for raw mode, then ask for a prompt.
    for _ in range(50):
        if not termios.tcgetattr(slave)[3] & termios.ICANON:
            break
        time.sleep(0.1)
    os.write(master, b"\r")
    read_until(master, b"# ", 30, seen)
    os.write(master, b"hostname\r")
    read_until(master, name.encode() + b"\r\n", 20, seen)
    if how == "ctrl-]":
        os.write(master, b"\x1d")
    elif how == "tilde-dot":
        os.write(master, b"\r")
        time.sleep(0.3)
        os.write(master, b"~.")
    else:
        proc.send_signal(signal.SIGTERM)
    try:
        status = proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise SystemExit("aq console did not leave on %s" % how)
    after = termios.tcgetattr(slave)
    if after != before:
        raise SystemExit("terminal not restored: %r != %r" % (after, before))
    want = -signal.SIGTERM if how == "sigterm" else 0
    if status != want:
        raise SystemExit("aq console exited %d, wanted %d" % (status, want))
    print("ok: %s" % how)


if __name__ == "__main__":
    main()
