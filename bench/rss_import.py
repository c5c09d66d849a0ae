"""Import one file in a fresh process and report its memory: the peak of this process and its
parsing workers together, sampled every tenth of a second, over the first and the second half of
the import (flat memory: the second half needs no more than the first), and when its checking
pass ended."""

import json
import os
import sys
import threading
import time

from packbill.services import Context, import_file


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _family_rss_kib() -> int:
    me = os.getpid()
    total = _rss_kib(me)
    try:
        with open(f"/proc/{me}/task/{me}/children") as f:
            total += sum(_rss_kib(int(p)) for p in f.read().split())
    except OSError:
        pass
    return total


def main() -> None:
    path, url = sys.argv[1], sys.argv[2]
    ctx = Context.open(url)
    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(_family_rss_kib())
            done.wait(0.1)

    checked = [0.0]

    def progress(phase: str, _n: int) -> None:
        if phase == "checking":
            checked[0] = time.perf_counter()  # the last block checked: the storing pass starts

    sampler = threading.Thread(target=sample, daemon=True)
    started = time.perf_counter()
    sampler.start()
    result = import_file(ctx, path, progress)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    half = max(1, len(samples) // 2)
    print(json.dumps({"rows": result.rows, "accepted": result.accepted, "seconds": elapsed, "checking_seconds": checked[0] - started,
                      "peak_kib": max(samples), "first_half_peak_kib": max(samples[:half]),
                      "second_half_peak_kib": max(samples[half:] or samples), "samples": len(samples)}))


if __name__ == "__main__":
    main()
