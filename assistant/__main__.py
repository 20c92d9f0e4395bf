"""Command line: index, ask, eval, doctor, serve, bench (see the README for the contract)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path

from .errors import AssistantError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant",
                                     description="Cited answers from source articles and figures.")
    sub = parser.add_subparsers(dest="command", required=True)

    def corpus_args(p):
        p.add_argument("--corpus", action="append", metavar="PATH",
                       help="folder or file (article or figures CSV); repeatable (default: corpus)")
        p.add_argument("--index", metavar="DIR", help="index folder (default: index)")
        p.add_argument("--chroma-url", metavar="URL", help="use a Chroma server instead")

    def since_arg(p):
        p.add_argument("--since", type=_year, metavar="YEAR",
                       help="use only sources dated from this year on")

    p = sub.add_parser("index", help="build or update the index")
    corpus_args(p)
    p.add_argument("--rebuild", action="store_true", help="start the index over")

    p = sub.add_parser("ask", help="answer a question (or a batch) with citations")
    corpus_args(p)
    p.add_argument("question", nargs="?", help="the question")
    p.add_argument("--json", action="store_true", help="print the JSON answer object")
    p.add_argument("--batch", metavar="FILE", help="JSON lines of questions ('-' for stdin)")
    since_arg(p)

    p = sub.add_parser("eval", help="score answers against a question set")
    corpus_args(p)
    p.add_argument("--qa", metavar="FILE", help="JSON lines question set")
    p.add_argument("--suite", metavar="FILE",
                   help="evaluate every corpus of a suite file (eval/suites.json) instead")
    p.add_argument("--split", default="test", choices=["tune", "test"],
                   help="which split of the suite's question sets (default: test)")
    p.add_argument("--failures", action="store_true",
                   help="list failed questions (meant for tune splits)")
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    since_arg(p)

    p = sub.add_parser("calibrate", help="fit the evidence weights on a suite's tune splits")
    p.add_argument("--suite", action="append", metavar="FILE",
                   help="a suite file (default eval/suites.json); repeat to fit on several, "
                        "e.g. the project's suites and a suite of real articles kept elsewhere")
    p.add_argument("--index", metavar="DIR", help="where the suite's indexes live")

    p = sub.add_parser("doctor", help="check corpus, index and model; say how to fix problems")
    corpus_args(p)

    p = sub.add_parser("serve", help="serve the chat UI")
    corpus_args(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)

    p = sub.add_parser("bench", help="measure latency, build throughput and scale")
    p.add_argument("--out", default="artifacts/bench.json", metavar="FILE",
                   help="where to write the JSON results (default: artifacts/bench.json)")
    p.add_argument("--large", action="store_true", help="also run 100k passages (minutes)")
    p.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")

    p = sub.add_parser("soak", help="mixed asks and re-indexes for a while; memory and files")
    p.add_argument("--minutes", type=float, default=30.0, help="how long (default: 30)")
    return parser


def _year(text: str) -> int:
    if not (text.isdigit() and 1900 <= int(text) <= 2100):
        raise argparse.ArgumentTypeError(f"{text!r} is not a year (write e.g. 2020)")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return _run(args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _settings(args):
    from .config import Settings

    overrides = {}
    if getattr(args, "corpus", None):
        overrides["corpus"] = tuple(args.corpus)
    if getattr(args, "index", None):
        overrides["index_dir"] = Path(args.index)
    if getattr(args, "chroma_url", None):
        overrides["chroma_url"] = args.chroma_url
    return Settings.from_env(**overrides)


def _progress(quiet: bool):
    """A progress callback drawing a bar on stderr (nothing when quiet), and a closer."""
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if quiet:
            return
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(desc="embedding passages", unit="passage", total=total, file=sys.stderr)
        bar.update(done - bar.n)

    def close() -> None:
        if bar is not None:
            bar.close()

    return progress, close


def _warn(problems: list[str]) -> None:
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)


def _open(args, quiet: bool = False):
    from .pipeline import Assistant

    progress, close = _progress(quiet)
    bot = Assistant.open(settings=_settings(args), progress=progress)
    close()
    _warn(bot.corpus.problems)
    return bot


def _suite_opener(args):
    """Opens one assistant per suite corpus, each with its own index folder."""
    from .pipeline import Assistant

    root = Path(args.index or "artifacts/eval-index")

    def open_bot(name: str, corpus: list[str]):
        settings = replace(_settings(args), corpus=tuple(corpus), index_dir=root / name)
        return Assistant.open(settings=settings)

    return open_bot


def _run(args) -> int:
    command = {"index": _index, "ask": _ask, "eval": _eval, "calibrate": _calibrate,
               "doctor": _doctor, "serve": _serve, "bench": _bench, "soak": _soak}
    return command[args.command](args) if args.command in command else 2


def _index(args) -> int:
    from .search.update import update_index

    settings = _settings(args)
    progress, close = _progress(quiet=False)
    corpus, groups, report = update_index(settings, rebuild=args.rebuild, progress=progress)
    close()
    _warn(corpus.problems)
    where = settings.chroma_url or settings.index_dir
    print(f"index {where}: {report.summary()}; "
          f"{sum(len(g) for g in groups.values())} passages from {len(corpus.documents)} "
          f"documents and {len(corpus.figures)} figures")
    return 0


def _eval(args) -> int:
    from .evaluation.evaluate import (
        format_report,
        load_questions,
        load_suites,
        run_eval,
        run_suites,
    )

    if args.suite:
        report = run_suites(load_suites(args.suite), args.split, _suite_opener(args),
                            since=args.since)
        report["hide_failures"] = not args.failures
    elif args.qa:
        questions = load_questions(args.qa)  # a bad file is reported before any loading
        report = run_eval(_open(args, quiet=True), questions, since=args.since)
    else:
        raise AssistantError("Give a question set with --qa FILE (or --suite FILE).")
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json
          else format_report(report))
    return 0


def _calibrate(args) -> int:
    from .evaluation.calibrate import calibrate
    from .evaluation.evaluate import load_suites

    suites: dict[str, dict] = {}
    for path in args.suite or ["eval/suites.json"]:
        loaded = load_suites(path)
        clash = sorted(set(loaded) & set(suites))
        if clash:
            raise AssistantError(f"Suite names {', '.join(clash)} appear in more than one file.")
        suites.update(loaded)
    params = calibrate(suites, _suite_opener(args))
    print(json.dumps(params, indent=2))
    return 0


def _doctor(args) -> int:
    from .doctor import format_checks, run_checks

    checks = run_checks(_settings(args))
    print(format_checks(checks))
    return 0 if all(c.ok for c in checks) else 1


def _serve(args) -> int:
    from .app.ui import serve

    serve(_settings(args), host=args.host, port=args.port)
    return 0


def _bench(args) -> int:
    try:
        from benchmarks.bench import format_table, run_bench
    except ImportError:
        raise AssistantError("The benchmarks live in the project checkout: run `python -m "
                             "assistant bench` from its root folder.") from None

    results = run_bench(Path(args.out), large=args.large, quick=args.quick)
    print(format_table(results))
    print(f"\nresults written to {args.out}")
    return 0 if all(c["ok"] is not False for c in results["checks"]) else 1


def _soak(args) -> int:
    try:
        from benchmarks.soak import run_soak
    except ImportError:
        raise AssistantError("The soak test lives in the project checkout: run `python -m "
                             "assistant soak` from its root folder.") from None

    result = run_soak(args.minutes * 60)
    print(json.dumps(result, indent=2))
    print("memory and open files flat" if result["flat"] else "memory or open files grew")
    return 0 if result["flat"] else 1


def _ask(args) -> int:
    if bool(args.question) == bool(args.batch):
        raise AssistantError("Give a question, or --batch FILE (not both).")
    if args.question is not None and not args.question.strip():
        raise AssistantError("Please type a question about the sources.")  # before any loading
    if args.batch:
        return _ask_batch(args)
    bot = _open(args, quiet=args.json)
    answer = bot.ask(args.question, since=args.since)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_answer(answer.to_dict()))
    return 0


def _ask_batch(args) -> int:
    from .evaluation.evaluate import load_questions

    if args.batch == "-":
        import tempfile

        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as tmp:
            tmp.write(sys.stdin.read())
        items = load_questions(tmp.name)
        Path(tmp.name).unlink()
    else:
        items = load_questions(args.batch)
    bot = _open(args, quiet=True)
    # In chunks: questions are embedded together, answers still stream out as they are ready.
    for start in range(0, len(items), 64):
        chunk = items[start:start + 64]
        for item, result in zip(chunk, bot.ask_many(chunk, since=args.since), strict=True):
            if isinstance(result, AssistantError):
                out = {"id": item.get("id"), "question": item.get("question"),
                       "error": str(result)}
            else:
                out = result.to_dict()
            print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


def format_answer(answer: dict) -> str:
    """The answer as readable text: the answer, then its numbered sources with quotes."""
    lines = []
    if answer["resolved_question"] != answer["question"]:
        lines.append(f"(understood as: {answer['resolved_question']})")
    lines.append(answer["answer"])
    if answer.get("calculation"):
        lines.append(f"\nCalculation: {answer['calculation']['expression']} = "
                     f"{answer['calculation']['result']}")
    if answer["citations"]:
        lines.append("\nSources:")
        for c in answer["citations"]:
            date = f", {c['published']}" if c["published"] else ""
            lines.append(f"  [{c['n']}] {c['title']}{date} — {c['locator']}")
            lines.append(f"      “{c['quote']}”")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
