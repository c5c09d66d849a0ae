"""Import one file in a fresh process and print the peak memory of it and of its largest parsing worker (KiB)."""

import json
import resource
import sys
import time

from packbill.services import Context, import_file


def _high_water_kib() -> int:
    """This process's peak RSS since it was started (VmHWM is reset by exec; ru_maxrss is not,
    so it would count the memory of the process that started us)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    path, url = sys.argv[1], sys.argv[2]
    ctx = Context.open(url)
    started = time.perf_counter()
    result = import_file(ctx, path)
    elapsed = time.perf_counter() - started
    own = _high_water_kib()
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"rows": result.rows, "accepted": result.accepted, "seconds": elapsed, "rss_kib": own, "worker_rss_kib": workers}))


if __name__ == "__main__":
    main()
