#!/usr/bin/env python3
"""Prints the benchmark table from the result files scripts/bench.sh writes.

    python3 benches/support/report.py RESULTS_DIR
"""

import math
import os
import sys


def read(path):
    try:
        with open(path) as f:
            return [line.rstrip("\n").split("\t") for line in f if line.strip()]
    except FileNotFoundError:
        return []


def results(path):
    """RESULT lines of a benchmark's output, without the tag."""
    return [row[1:] for row in read(path) if row and row[0] == "RESULT"]


def fmt(v, digits=1):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return "%.*f" % (digits, v)


def table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(headers))
    print(line(["-" * w for w in widths]))
    for r in rows:
        print(line(r))
    print()


def main():
    d = sys.argv[1]
    goals = []

    print("== Machine")
    for key, value in read(os.path.join(d, "machine.tsv")):
        print("%-26s %s" % (key, value))
    print()

    # -- Generation ----------------------------------------------------------
    gen = read(os.path.join(d, "gen.tsv"))
    if gen:
        print("== 1. Generation: parse + generate + pretty-print, median ms (lines emitted)")
        by = {}
        docs = []
        for tool, profile, spec, status, median, _min, lines, msg in [(r + [""] * 8)[:8] for r in gen]:
            name = os.path.basename(spec)
            if name not in docs:
                docs.append(name)
            by[(name, tool, profile)] = (status, float(median) if status == "ok" else float("nan"), lines, msg)
        rows = []
        notes = []
        for name in docs:
            for profile in ("dev", "release"):
                ours = by.get((name, "ours", profile))
                prog = by.get((name, "progenitor", profile))
                if not ours or not prog:
                    continue
                cell = lambda r: ("%s ms (%s)" % (fmt(r[1]), r[2])) if r[0] == "ok" else r[0].upper()
                ratio = ours[1] / prog[1] if ours[0] == prog[0] == "ok" else float("nan")
                rows.append([name, "opt-level 0" if profile == "dev" else "release", cell(ours), cell(prog), fmt(ratio, 2)])
                if ours[0] == prog[0] == "ok" and profile == "dev":
                    goals.append(("generation %s (opt-level 0): ours/progenitor time <= 0.5" % name, ratio, ratio <= 0.5))
                for tool, r in (("ours", ours), ("progenitor", prog)):
                    if r[0] != "ok" and (name, tool) not in [(n, t) for n, t, _ in notes]:
                        notes.append((name, tool, "%s: %s" % (r[0], r[3])))
        table(["document", "profile", "ours", "progenitor", "ours/prog"], rows)
        for name, tool, msg in notes:
            print("  %s on %s: %s" % (tool, name, msg))
        noop = dict((r[0], r[1]) for r in read(os.path.join(d, "noop.tsv")) if len(r) > 1)
        if noop:
            print("  no-op `cargo build -v -p snaptrade`: snaptrade Fresh=%s, build script runs=%s, generated file mtime unchanged=%s"
                  % (noop.get("fresh"), noop.get("build script run"), noop.get("generated mtime unchanged")))
            goals.append(("no-op build does not rerun the generator", None,
                          noop.get("build script run") == "0" and noop.get("generated mtime unchanged") == "yes"))
        print()

    # -- Signing ---------------------------------------------------------------
    sign = results(os.path.join(d, "sign.txt"))
    if sign:
        print("== 2. Signing: ns per signature vs bare HMAC-SHA256 + base64 of the same string")
        rows = []
        for _tag, name, full, string, bare, ratio in sign:
            rows.append([name, full, string, bare, "%.2fx" % float(ratio)])
            goals.append(("signing %s: <= 2x bare" % name, float(ratio), float(ratio) <= 2.0))
        table(["operation", "sign ns", "string ns", "bare ns", "ratio"], rows)

    # -- Calls -----------------------------------------------------------------
    calls = []
    for f in ("calls-rust.txt", "calls-python.txt", "calls-wrk.txt"):
        calls += results(os.path.join(d, f))
    if calls:
        print("== 3. Calls: GET /snapTrade/listUsers (signed) on loopback, sandbox rate limit off")
        stat = {}
        for client, c, n, p50, p99, rps in calls:
            stat[(client, int(c))] = (int(n), float(p50), float(p99), float(rps))
        order = ["snaptrade-rust", "reqwest-presigned", "wrk", "python-sdk", "python-sdk-threads"]
        rows = []
        for client in order:
            for c in (1, 16, 64):
                s = stat.get((client, c))
                if s:
                    ours = stat.get(("snaptrade-rust", c))
                    rows.append([client, c, s[0], fmt(s[1]), fmt(s[2]), fmt(s[3], 0),
                                 fmt(ours[3] / s[3], 2) + "x" if ours else "-"])
        table(["client", "conc", "requests", "p50 us", "p99 us", "req/s", "ours req/s / this"], rows)
        ours1, floor1, py1 = stat.get(("snaptrade-rust", 1)), stat.get(("reqwest-presigned", 1)), stat.get(("python-sdk", 1))
        if ours1 and py1:
            r = py1[1] / ours1[1]
            print("  sequential call, Python SDK p50 / ours p50: %.1fx (goal >= 10x)" % r)
            goals.append(("calls: >= 10x the Python SDK per sequential call (p50)", r, r >= 10))
        if ours1 and floor1:
            r = ours1[1] / floor1[1]
            print("  sequential call, ours p50 / plain reqwest p50: %.2fx (goal <= 1.2x)" % r)
            goals.append(("calls: <= 1.2x plain reqwest per sequential call (p50)", r, r <= 1.2))
            for c in (1, 16, 64):
                o, f = stat.get(("snaptrade-rust", c)), stat.get(("reqwest-presigned", c))
                if o and f:
                    r = f[3] / o[3]
                    print("  concurrency %d, plain reqwest req/s / ours req/s: %.2fx (goal <= 1.2x)" % (c, r))
                    goals.append(("calls: <= 1.2x plain reqwest at concurrency %d (throughput)" % c, r, r <= 1.2))
        print()

    # -- Cost ------------------------------------------------------------------
    cost = read(os.path.join(d, "cost.tsv"))
    cost_gen = read(os.path.join(d, "cost-gen.tsv"))
    if cost or cost_gen:
        print("== 4. Cost: cold builds (dev profile) and compile time of the generated code")
        rows = [[name, "cold build of a minimal binary", t + " s"] for name, _kind, t in cost]
        for name, lines, clean, inc in cost_gen:
            rows.append([name, "%s lines generated: clean / after touch" % lines, "%s s / %s s" % (clean, inc)])
        table(["crate", "what", "time"], rows)

    if goals:
        print("== Goals")
        for what, value, ok in goals:
            print("  %-4s %s%s" % ("ok" if ok else "MISS", what, "" if value is None else " (%.2f)" % value))


if __name__ == "__main__":
    main()
