"""Speedup of a parameter sweep on Ray against the same sweep run serially, in the same process.

    python bench/sweep_ray.py [--points 16] [--end 2024-08-08T23:57:00Z] [--repeat 1] [--num-cpus N]
                              [--address ray://head:10001]

**Work.** A grid of ``--points`` backtests (default 16: ``strategy.entry_z`` over ``points / 2`` values
from 1.5 in steps of 0.1 × ``strategy.exit_z`` in {0.25, 0.5}) of the embedded default config
(``arbkit demo``) on the shipped real BTC spot + USDⓈ-M sample of 2024-08-08, each point the whole
pipeline: replay, features, model training on the first half, out-of-sample backtest through the risk
gate and the simulated venue. ``--end`` cuts the data (``[data] end``) for a quicker run.

**Sides.** ``SerialRunner`` (every point in this process, one after the other) and ``RayRunner`` (one
Ray task per point, results collected with ``ray.wait``) on a Ray session started once by this script:
local with ``--num-cpus`` CPUs (default: all), or the cluster at ``--address``. The Ray session's start
is timed on its own and reported apart; the sweep times are from submitting the first point to
holding every result. Before timing, both sides are warmed up (imports and compiled kernels): one
point in this process and one Ray task per Ray CPU (``--no-warmup`` times cold workers instead). With
``--repeat`` > 1 the two sides alternate (serial, Ray, serial, Ray, ...) and the medians are reported. Both sides must give identical figures for every point (everything
but the wall time), or the script exits 1.

Prints points, wall seconds of each side, the speedup serial / Ray (with and without the session
start), seconds per point serially, and the mean per-point time inside the Ray workers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import msgspec

from arbkit.backtest.config import load_config
from arbkit.sweep import RayRunner, SerialRunner, SweepSpec, run_sweep
from arbkit.sweep.runners import import_ray


def grid(points: int) -> SweepSpec:
    """``points`` grid points: entry_z × exit_z {0.25, 0.5} when even, entry_z alone when odd."""
    if points < 1:
        raise SystemExit(f"--points {points} must be >= 1")
    if points % 2 == 0:
        entries = [round(1.5 + 0.1 * i, 2) for i in range(points // 2)]
        return SweepSpec(grid={"strategy.entry_z": entries, "strategy.exit_z": [0.25, 0.5]}, name="bench")
    return SweepSpec(grid={"strategy.entry_z": [round(1.5 + 0.1 * i, 2) for i in range(points)]}, name="bench")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=16, help="grid points (default 16)")
    parser.add_argument("--end", default="", help="[data] end: ISO-8601 UTC time (default: the whole sample)")
    parser.add_argument("--repeat", type=int, default=1, help="alternating repeats of each side (medians)")
    parser.add_argument("--num-cpus", type=int, default=None, help="CPUs of the local Ray session (default all)")
    parser.add_argument("--address", default=None, help="Ray cluster address (default: local Ray)")
    parser.add_argument("--no-warmup", action="store_true", help="time cold Ray workers and a cold process")
    args = parser.parse_args(argv)

    base = load_config()
    if args.end:
        base = msgspec.structs.replace(base, data=msgspec.structs.replace(base.data, end=args.end))
    spec = grid(args.points).validate(base)
    ray = import_ray()
    t0 = time.perf_counter()
    if args.address:
        ray.init(address=args.address, include_dashboard=False, log_to_driver=False)
    else:
        ray.init(num_cpus=args.num_cpus, include_dashboard=False, log_to_driver=False)
    init_s = time.perf_counter() - t0
    cpus = int(ray.cluster_resources().get("CPU", 0))
    serial_s: list[float] = []
    ray_s: list[float] = []
    worker_s: list[float] = []
    try:
        if not args.no_warmup:
            first = spec.points()[0]
            warm = SweepSpec(grid={key: [value] * max(1, cpus) for key, value in first.items()}, name="warm-up")
            run_sweep(base, SweepSpec(grid={key: [value] for key, value in first.items()}), SerialRunner())
            run_sweep(base, warm, RayRunner())
        for _ in range(max(1, args.repeat)):
            serial = run_sweep(base, spec, SerialRunner())
            serial_s.append(serial.wall_s)
            on_ray = run_sweep(base, spec, RayRunner())
            ray_s.append(on_ray.wall_s)
            worker_s.append(statistics.mean(p.wall_s for p in on_ray.points))
            same = all(msgspec.json.encode(a.figures()) == msgspec.json.encode(b.figures())
                       for a, b in zip(serial.points, on_ray.points, strict=True))
            if not same:
                print("error: Ray and serial figures differ", file=sys.stderr)
                return 1
    finally:
        ray.shutdown()
    s, r = statistics.median(serial_s), statistics.median(ray_s)
    failed = sum(not p.ok for p in serial.points)
    print(f"sweep: {spec.size} points of {base.name}, data end {args.end or 'whole sample'}, "
          f"{failed} failed; {len(serial_s)} repeat(s), medians; {'cold' if args.no_warmup else 'warmed up'}")
    print(f"machine: {os.cpu_count()} CPUs here; Ray session: {cpus} CPUs "
          f"({'cluster ' + args.address if args.address else 'local'}), started in {init_s:.2f} s")
    print(f"serial: {s:.2f} s ({s / spec.size:.2f} s per point)")
    print(f"ray:    {r:.2f} s (mean {statistics.median(worker_s):.2f} s per point inside the workers)")
    print(f"speedup serial / ray: {s / r:.2f}x  (with the session start: {s / (r + init_s):.2f}x)")
    print(f"each repeat, s: serial {', '.join(f'{x:.2f}' for x in serial_s)}; ray {', '.join(f'{x:.2f}' for x in ray_s)}")
    print("figures identical on both sides: yes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
