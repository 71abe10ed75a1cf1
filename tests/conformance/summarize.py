#!/usr/bin/env python3
"""Summarizes the conformance results (scripts/conformance.sh).

Usage: summarize.py KNOWN RESULT.jsonl... (or a folder of them).

Reads the results (one line per call, written by the drivers, or one
line for a whole document that did not get that far) and KNOWN (the listed
Prism limitations and document faults), prints a per-document table
(Markdown, for BENCHMARKS.md) and every call that is not accepted and decoded,
and exits 1 when a call is in one of our classes and not listed.

Classes (the driver's `class`):
  ok                 accepted by Prism and decoded (a documented error decoded counts too)
  rejected           Prism refused the request (its reason: sl-violations / problem detail)
  decode, roundtrip  the answer did not decode, or did not re-encode to what was received
  transport          no answer (connection, timeout)
  doc                the document's own fault (Prism cannot answer from it)
  prism              Prism's own limit: its answer fails its own validation, or it
                     cannot write an object as text
  ours:*, generate, compile, input
                     ours: 406 to our Accept, a 2xx taken for an error, a documented
                     3xx refused, a request Prism could not route, a document
                     refused by the generator, a client that does not compile, a
                     schema-valid value the model types cannot hold
"""
import fnmatch
import json
import pathlib
import sys

OURS_PREFIXES = ("ours:", "generate", "compile", "input", "decode", "roundtrip", "transport")


def load_known(path):
    known = []
    for line in pathlib.Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 4)
        if len(parts) < 5:
            sys.exit(f"{path}: a line needs DOC OP CALL CLASS REASON: {line}")
        known.append(parts)
    return known


def main():
    known_path, paths = sys.argv[1], [pathlib.Path(p) for p in sys.argv[2:]]
    known = load_known(known_path)
    files = []
    for p in paths:
        files.extend(sorted(p.glob("*.jsonl")) if p.is_dir() else [p])
    rows, problems, notes = [], [], []
    totals = {}
    for f in files:
        doc = f.stem
        counts = dict(calls=0, ok=0, rejected=0, decode=0, transport=0, doc=0, ours=0, known=0)
        text = f.read_text() if f.exists() else ""
        lines = [json.loads(l) for l in text.splitlines() if l.strip().startswith("{")]
        if not lines:
            lines = [{"op": "*", "call": "*", "class": "transport", "status": 0,
                      "detail": "the driver printed nothing (crashed?)"}]
        for r in lines:
            cls = r["class"]
            counts["calls"] += 1
            reason = next((k[4] for k in known
                           if fnmatch.fnmatch(doc, k[0]) and fnmatch.fnmatch(r["op"], k[1])
                           and fnmatch.fnmatch(r["call"], k[2]) and fnmatch.fnmatch(cls, k[3])), None)
            where = f"{doc} {r['op']} ({r['call']}): {cls} {r['status'] or ''}".rstrip()
            if cls == "ok":
                counts["ok"] += 1
            elif reason is not None or cls == "prism":
                reason = reason or "Prism limitation"
                counts["known"] += 1
                notes.append(f"{where}: {reason} [{r['detail'][:160]}]")
            elif cls == "rejected":
                counts["rejected"] += 1
                notes.append(f"{where}: {r['detail'][:300]}")
            elif cls == "doc":
                counts["doc"] += 1
                notes.append(f"{where}: {r['detail'][:300]}")
            else:
                key = {"decode": "decode", "roundtrip": "decode", "transport": "transport"}.get(cls, "ours")
                counts[key] += 1
                problems.append(f"{where}: {r['detail'][:400]}")
        rows.append((doc, counts))
        for k, v in counts.items():
            totals[k] = totals.get(k, 0) + v
    rows.append(("**total**", totals))
    print("| document | calls | accepted + decoded | Prism rejections | decode failures | transport | doc faults | ours (other) | known Prism limits |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for doc, c in rows:
        print(f"| {doc} | {c.get('calls',0)} | {c.get('ok',0)} | {c.get('rejected',0)} | {c.get('decode',0)} "
              f"| {c.get('transport',0)} | {c.get('doc',0)} | {c.get('ours',0)} | {c.get('known',0)} |")
    answerable = totals.get("calls", 0) - totals.get("doc", 0) - totals.get("known", 0)
    if answerable:
        print(f"\naccepted and decoded: {totals.get('ok',0)}/{answerable} of the calls Prism can answer "
              f"({100.0 * totals.get('ok',0) / answerable:.1f}%)")
    if notes:
        print("\nnot ours (Prism rejections, document faults, known limits):")
        for n in notes:
            print("  " + n)
    if problems:
        print("\nOURS (fix these, or list a Prism limitation in tests/conformance/known.txt):")
        for p in problems:
            print("  " + p)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
