# The Python side of the `parse` scenario (bench/scenarios/parse.ts): Python's feedparser on the
# same files as Herald's reader, warm, timed by this process itself so that starting Python is not
# counted. Prints one JSON line: entries per pass, the per-pass rates (entries per wall second and
# per CPU second), and feedparser's version.
#
#   python3 bench/feedparser_rate.py <passes> <file>...
import json
import sys
import time

import feedparser


def main() -> None:
    passes = int(sys.argv[1])
    # Bytes in memory, as Herald's side has them: feedparser sniffs the charset itself.
    files = []
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            files.append(f.read())

    def once() -> int:
        return sum(len(feedparser.parse(data).entries) for data in files)

    entries = once()
    for _ in range(3):  # warm-up, as on Herald's side
        once()
    rates, cpu_rates = [], []
    for _ in range(passes):
        w0, c0 = time.perf_counter(), time.process_time()
        once()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        rates.append(entries / wall)
        cpu_rates.append(entries / cpu if cpu > 0 else float("nan"))
    print(json.dumps({"entriesPerPass": entries, "rates": rates, "cpuRates": cpu_rates, "version": feedparser.__version__}))


main()
