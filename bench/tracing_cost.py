"""What tracing costs end to end: `bench/end_to_end.py` with tracing off, then with every span exported by
OTLP (`--trace-to otlp`), back to back on fresh stacks, alternated `--pairs` times (with `--sample-ratio R`
a third run each time, recording that share of the traces). Prints each run's figures and each traced
mode's change against the untraced one. Asserts nothing.

    .venv/bin/python bench/tracing_cost.py --rate 200 --duration 20
"""

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from end_to_end import bench

FIGURES = [
    ("cases_per_s", "completed end to end, cases/s"),
    ("completing_per_s", "completing from first to last, cases/s"),
    ("audited_p50_ms", "register→audited p50, ms"),
    ("dispatched_p50_ms", "register→dispatched p50, ms"),
    ("services_cpu_ms", "five services' CPU per case, ms"),
    ("broker_cpu_ms", "broker CPU per case, ms"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--drain", type=float, default=60)
    parser.add_argument("--pairs", type=int, default=1, help="off/on runs, alternated")
    parser.add_argument("--sample-ratio", type=float, help="also a run recording this share of the traces")
    args = parser.parse_args()
    modes = {"off": None, "otlp": None} | (
        {f"otlp {args.sample_ratio:g}": args.sample_ratio} if args.sample_ratio else {}
    )
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
    for pair in range(args.pairs):
        for mode, ratio in modes.items():
            print(f"\n== pair {pair + 1}, tracing {mode} ==", flush=True)
            runs[mode].append(bench(rate=args.rate, duration=args.duration, drain=args.drain,
                                    trace_to=None if mode == "off" else "otlp", ratio=ratio))
    print(f"\n== tracing cost, --rate {args.rate:.0f} --duration {args.duration:.0f}, {args.pairs} pair(s) ==")
    print(f"{'':42}" + "".join(f"{mode:>22}" for mode in modes) + "  change(s)")
    for key, label in FIGURES:
        values = {mode: [run[key] for run in runs[mode]] for mode in modes}
        base = statistics.mean(values["off"])
        changes = " ".join(
            f"{(statistics.mean(v) - base) / base * 100:+.1f}%" for mode, v in values.items() if mode != "off"
        )
        print(
            f"{label:42}" + "".join(f"{' '.join(f'{x:.1f}' for x in v):>22}" for v in values.values()) + f"  {changes}"
        )
    for mode in modes:
        if mode == "off":
            continue
        spans = " ".join(f"{run['spans'] / max(run['posted'], 1):.1f}" for run in runs[mode])
        sink_cpu = " ".join(f"{run['sink_cpu_ms']:.2f}" for run in runs[mode])
        per_service = "  ".join(
            f"{name} {statistics.mean(r[f'{name}_cpu_ms'] for r in runs['off']):.2f}→"
            f"{statistics.mean(r[f'{name}_cpu_ms'] for r in runs[mode]):.2f}"
            for name in ("intake", "routing", "sla", "notify", "audit")
        )
        print(f"{mode}: spans a case exported {spans}; the receiver's CPU per case {sink_cpu} ms (a collector's, "
              f"not counted above); CPU ms per case by service, off→{mode}: {per_service}")


if __name__ == "__main__":
    main()
