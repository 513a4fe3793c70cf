"""mpi4py.futures side of the Cohort benchmarks (run by bench/run).

    mpirun -n 4 python3 -m mpi4py.futures bench/mpi4py/tasks.py throughput --tasks N --chunksize C
    mpirun -n 2 python3 -m mpi4py.futures bench/mpi4py/tasks.py metg --durations-us 1,10,... --budget-s 0.3

Rank 0 runs this file; the other ranks are MPIPoolExecutor workers (started by
`-m mpi4py.futures`). Prints one JSON object per line on stdout.
"""
import argparse
import json
import sys
import time

from mpi4py import MPI
from mpi4py.futures import MPIPoolExecutor


def noop(i):
    return i


def spin(ns):
    # Burn ns nanoseconds of this thread's CPU time (Cohort's and the raw farm's
    # tasks burn the same, with a calibrated loop): on a loaded machine a task
    # takes longer in wall time, as real compute would.
    end = time.thread_time_ns() + ns
    while time.thread_time_ns() < end:
        pass
    return ns


def spin_many(n, ns):
    # The baseline: the same work as one task, no runtime per task.
    total = 0
    for _ in range(n):
        total += spin(ns)
    return total


def throughput(ex, tasks, chunksize):
    # Warm-up: start every worker and ship the function once.
    list(ex.map(noop, range(1000), chunksize=max(1, chunksize)))
    start = time.perf_counter()
    total = sum(ex.map(noop, range(tasks), chunksize=chunksize))
    seconds = time.perf_counter() - start
    if total != tasks * (tasks - 1) // 2:
        sys.exit(f"mpi4py: checksum {total}, expected {tasks * (tasks - 1) // 2}")
    print(json.dumps({"tasks": tasks, "chunksize": chunksize, "seconds": seconds,
                      "tasks_per_s": tasks / seconds}), flush=True)


def metg(ex, workers, durations_us, budget_s, min_tasks, max_tasks, chunk_cap):
    list(ex.map(noop, range(1000), chunksize=10))
    for d in durations_us:
        ns = int(round(d * 1000))
        n = int(min(max_tasks, max(min_tasks, budget_s * workers / (d * 1e-6))))
        chunk = max(1, min(chunk_cap, n // (4 * workers)))
        start = time.perf_counter()
        total = sum(ex.map(spin, [ns] * n, chunksize=chunk))
        seconds = time.perf_counter() - start
        if total != ns * n:
            sys.exit("mpi4py: lost tasks")
        start = time.perf_counter()  # baseline right after: the same work as one task on one worker
        ex.submit(spin_many, n, ns).result()
        baseline = time.perf_counter() - start
        print(json.dumps({"duration_us": d, "tasks": n, "chunksize": chunk, "seconds": seconds,
                          "efficiency": n * d * 1e-6 / (seconds * workers), "baseline_seconds": baseline,
                          "baseline_efficiency": n * d * 1e-6 / baseline}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["throughput", "metg"])
    p.add_argument("--tasks", type=int, default=100000)
    p.add_argument("--chunksize", type=int, default=1)
    p.add_argument("--durations-us", default="1,10,100,1000")
    p.add_argument("--budget-s", type=float, default=0.3)
    p.add_argument("--min-tasks", type=int, default=20)
    p.add_argument("--max-tasks", type=int, default=200000)
    p.add_argument("--chunk-cap", type=int, default=100)
    a = p.parse_args()
    with MPIPoolExecutor() as ex:
        workers = MPI.COMM_WORLD.Get_size() - 1  # -m mpi4py.futures: every other rank is a worker
        if a.mode == "throughput":
            throughput(ex, a.tasks, a.chunksize)
        else:
            metg(ex, workers, [float(x) for x in a.durations_us.split(",")], a.budget_s,
                 a.min_tasks, a.max_tasks, a.chunk_cap)


if __name__ == "__main__":
    main()
