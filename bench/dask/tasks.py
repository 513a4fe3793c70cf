"""Dask.distributed side of the task-throughput benchmark (run by bench/run).

    python3 bench/dask/tasks.py --tasks N --workers W

A LocalCluster of W single-threaded worker processes on 127.0.0.1 only (no
dashboard); client.map(noop, range(N)) then gather. Prints one JSON line.
"""
import argparse
import json
import sys
import time


def noop(i):
    return i


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tasks", type=int, default=10000)
    p.add_argument("--workers", type=int, default=2)
    a = p.parse_args()

    import dask
    from distributed import Client, LocalCluster

    dask.config.set({"distributed.worker.daemon": False, "logging.distributed": "error"})
    with LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=40) as cluster, Client(cluster) as client:
        client.gather(client.map(noop, range(100), pure=False))  # warm-up
        start = time.perf_counter()
        futures = client.map(noop, range(a.tasks), pure=False)
        total = sum(client.gather(futures))
        seconds = time.perf_counter() - start
    if total != a.tasks * (a.tasks - 1) // 2:
        sys.exit(f"dask: checksum {total}, expected {a.tasks * (a.tasks - 1) // 2}")
    print(json.dumps({"tasks": a.tasks, "workers": a.workers, "seconds": seconds,
                      "tasks_per_s": a.tasks / seconds}), flush=True)


if __name__ == "__main__":
    main()
