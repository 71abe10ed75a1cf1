#!/usr/bin/env python3
"""SnapTrade's official Python SDK (pinned in interop/requirements.txt) calling
`GET /snapTrade/listUsers` on a sandbox, for scripts/bench.sh.

    python benches/support/python_calls.py --base-url http://127.0.0.1:PORT \
        --client-id ID --consumer-key KEY [--secs 3] [--threads 1,16,64]

Concurrency 1 is a plain sequential loop; higher levels run that many threads
sharing one SDK client (its urllib3 pool is sized to the thread count, as a
user who wants that concurrency would configure it). Every response is checked.
Prints a human line and one machine line per level:
`RESULT<TAB>client<TAB>concurrency<TAB>requests<TAB>p50_us<TAB>p99_us<TAB>req_per_s`.
"""

import argparse
import math
import threading
import time

from snaptrade_client import SnapTrade, SnapTradeAuth, rest


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    rank = math.ceil(p / 100.0 * len(sorted_values))
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


def make_client(args, pool_size):
    sdk = SnapTrade(
        auth=SnapTradeAuth.commercial_api_key(consumer_key=args.consumer_key, client_id=args.client_id),
        host=args.base_url,
    )
    # One pooled connection per thread (the SDK's default pool keeps
    # 5 x cores), so that no thread reconnects for want of a pooled one.
    api_client = sdk.authentication.api_client
    api_client.configuration.connection_pool_maxsize = max(pool_size, 1)
    api_client.rest_client = rest.RESTClientObject(api_client.configuration)
    return sdk


def run(sdk, threads, secs):
    latencies = []
    lock = threading.Lock()

    def loop(deadline):
        mine = []
        while time.perf_counter() < deadline:
            t = time.perf_counter()
            response = sdk.authentication.list_snap_trade_users()
            mine.append((time.perf_counter() - t) * 1e6)
            if not isinstance(response.body, (list, tuple)):
                raise SystemExit("unexpected listUsers body: %r" % (response.body,))
        with lock:
            latencies.extend(mine)

    def once(duration):
        del latencies[:]
        start = time.perf_counter()
        deadline = start + duration
        if threads == 1:
            loop(deadline)
        else:
            workers = [threading.Thread(target=loop, args=(deadline,)) for _ in range(threads)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
        return time.perf_counter() - start

    once(0.3)  # warm-up: opens the pooled connections
    elapsed = once(secs)
    values = sorted(latencies)
    return len(values), percentile(values, 50), percentile(values, 99), len(values) / elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--consumer-key", required=True)
    parser.add_argument("--secs", type=float, default=3.0)
    parser.add_argument("--threads", default="1,16,64")
    args = parser.parse_args()
    for threads in [int(t) for t in args.threads.split(",") if t.strip()]:
        # A fresh client per level, its pool sized before the first request.
        sdk = make_client(args, threads)
        n, p50, p99, rps = run(sdk, threads, args.secs)
        name = "python-sdk" if threads == 1 else "python-sdk-threads"
        print("%-28s %5d %9d %10.1f %10.1f %11.0f" % (name, threads, n, p50, p99, rps), flush=True)
        print("RESULT\t%s\t%d\t%d\t%.1f\t%.1f\t%.1f" % (name, threads, n, p50, p99, rps), flush=True)


if __name__ == "__main__":
    main()
