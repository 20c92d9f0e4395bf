"""The benchmark's checks against its targets, and its results as a table."""

from __future__ import annotations


def check(name: str, value, target: str, ok) -> dict:
    return {"measure": name, "value": value, "target": target, "ok": ok}


def checks(r: dict) -> list[dict]:
    w, b, n, c, f = r["warm_ask"], r["build"], r["noop_reindex"], r["cold_start"], r["batch"]
    return [
        check("warm ask p50 / floor p50", w["p50_ratio"], "≤ 1.25×", w["p50_ratio"] <= 1.25),
        check("warm ask p95 / floor p95", w["p95_ratio"], "≤ 2×", w["p95_ratio"] <= 2),
        check("build / raw encode passages/s", b["ratio"], "≥ 0.9", b["ratio"] >= 0.9),
        check("no-change `index` command (s)", n["cli_s"], "≤ 1 s", n["cli_s"] <= 1),
        check("no-change Assistant.open (s)", n["open_s"], "≤ 1 s", n["open_s"] <= 1),
        check("model loaded on no-change open", n["model_loaded"], "no", not n["model_loaded"]),
        check("cold start to first answer (s)", c["wall_s"], "≤ 15 s", c["wall_s"] <= 15),
        check("app RSS after answering (MB)", c["rss_mb"], "≤ 1536 MB", c["rss_mb"] <= 1536),
        check("`ask --batch` end to end (q/s)", f["batch_qps"], "(info)", None),
        check("batched / one-by-one answers q/s", f["ask_many_ratio"], "(info)", None),
        check("query encoding batched speedup", f["encode_speedup"], "(info)", None),
    ]


def format_table(results: dict) -> str:
    """The checks, the details behind them, and the scale runs as plain-text tables."""
    lines = [f"{'measure':<36} {'value':>10}  {'target':<10} result"]
    for c in results.get("checks", []):
        verdict = "info" if c["ok"] is None else "PASS" if c["ok"] else "FAIL"
        lines.append(f"{c['measure']:<36} {c['value']!s:>10}  {c['target']:<10} {verdict}")
    for key in ("warm_ask", "build", "noop_reindex", "cold_start", "batch"):
        if key in results:
            details = ", ".join(f"{k}={len(v) if isinstance(v, dict) else v}"
                                for k, v in results[key].items())
            lines.append(f"\n{key}: {details}")
    scale = results.get("scale") or []
    if scale:
        cols = ["passages", "build_s", "reopen_s", "hits_p50_ms", "hits_p95_ms", "ask_p50_ms",
                "ask_p95_ms", "floor_p50_ms", "peak_rss_mb", "app_rss_mb"]
        lines.append("\nscale\n" + " ".join(f"{c:>12}" for c in cols))
        lines += [" ".join(f"{row.get(c)!s:>12}" for c in cols) for row in scale]
    keyword = results.get("keyword") or []
    if keyword:
        cols = ["passages", "fts_build_s", "fts_open_s", "fts_query_p95_ms", "bm25_open_s",
                "bm25_query_p95_ms", "query_p95_speedup"]
        lines.append("\nkeyword search\n" + " ".join(f"{c:>17}" for c in cols))
        lines += [" ".join(f"{row.get(c)!s:>17}" for c in cols) for row in keyword]
    return "\n".join(lines)
