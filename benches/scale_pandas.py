"""The pandas baseline of `cargo bench --bench scale`: what a team would write
to get the same numbers as `slo report` from one long Parquet file
(`timestamp, metric, value`): per service, the SLI and budget left of a 30-day
availability SLO and a 1-day error-rate SLO (bad = errors_5xx, total =
requests), their burn rates over 5m, 30m, 1h, 6h, 1d and 3d, and the 30-day
SLI at every hour of the last 7 days. Sums come from cumulative sums and
binary searches, the fastest way pandas/numpy offer.

usage: python3 scale_pandas.py FILE END_EPOCH_SECONDS SERVICES
prints one JSON line: {"seconds": ..., "slos": ..., "checksum": ...}
"""

import json
import sys
import time

import numpy as np
import pandas as pd


def main():
    path, end, services = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    t0 = time.perf_counter()
    df = pd.read_parquet(path, columns=["timestamp", "metric", "value"])
    ts = df["timestamp"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    df = pd.DataFrame({"t": ts, "metric": df["metric"].to_numpy(), "v": df["value"].to_numpy()})
    series = {}
    for name, g in df.groupby("metric", sort=False):
        order = np.argsort(g["t"].to_numpy(), kind="stable")
        t = g["t"].to_numpy()[order]
        c = np.concatenate([[0.0], np.cumsum(g["v"].to_numpy()[order])])
        series[name] = (t, c)

    def window(name, a, b):
        t, c = series[name]
        return c[np.searchsorted(t, b)] - c[np.searchsorted(t, a)]

    lookbacks = [300, 1800, 3600, 21600, 86400, 259200]
    checksum = 0.0
    slos = 0
    for i in range(services):
        req, err = f"s{i}_requests", f"s{i}_errors_5xx"
        for w, objective in [(30 * 86400, 0.999), (86400, 0.99)]:
            total = window(req, end - w, end)
            bad = window(err, end - w, end)
            sli = 1 - bad / total if total else float("nan")
            left = 1 - bad / ((1 - objective) * total) if total else float("nan")
            burns = []
            for lb in lookbacks:
                tt = window(req, end - lb, end)
                bb = window(err, end - lb, end)
                burns.append(bb / tt / (1 - objective) if tt else float("nan"))
            hours = np.arange(end - 7 * 86400, end + 1, 3600)
            t, c = series[req]
            te, ce = series[err]
            tot = c[np.searchsorted(t, hours)] - c[np.searchsorted(t, hours - w)]
            bd = ce[np.searchsorted(te, hours)] - ce[np.searchsorted(te, hours - w)]
            hourly = 1 - bd / tot
            checksum += sli + left + float(np.nansum(burns)) + float(np.nansum(hourly))
            slos += 1
    print(json.dumps({"seconds": time.perf_counter() - t0, "slos": slos, "checksum": checksum}))


if __name__ == "__main__":
    main()
