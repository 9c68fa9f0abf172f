"""The worker process: a background loop with no port."""
import signal
import sys
import time

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
n = 0
while True:
    n += 1
    print(f"worker tick {n}", flush=True)
    time.sleep(2)
