"""Command line: `assistant ask | index | add | eval`; `python -m assistant` is the same.

Thin: every command calls the Assistant. Errors a user can act on print one line and exit 2;
nothing prints a stack trace.
"""

from __future__ import annotations

import argparse
import json
import sys

from .errors import AssistantError


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", metavar="DIR", help="folder of documents (default: corpus, or ASSISTANT_CORPUS_DIR)")
    common.add_argument("--index", metavar="DIR", help="folder of the Chroma index (default: index, or ASSISTANT_INDEX_DIR)")
    common.add_argument("--llm", metavar="SPEC", help="extractive (default), llama-cpp[:FILE.gguf], openai:MODEL or hf:MODEL")
    common.add_argument("--chroma-url", metavar="URL", help="use a `chroma run` server instead of the embedded store")

    parser = argparse.ArgumentParser(prog="assistant", description="Cited answers from the documents in a corpus folder.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", parents=[common], help="answer a question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    index = sub.add_parser("index", parents=[common], help="bring the index in step with the corpus")
    index.add_argument("--rebuild", action="store_true", help="re-embed everything")
    add = sub.add_parser("add", parents=[common], help="copy files into the corpus and index them")
    add.add_argument("files", nargs="+")
    ev = sub.add_parser("eval", parents=[common], help="score the assistant on a question file")
    ev.add_argument("--questions", required=True, metavar="FILE", help="JSON lines, as tests/data/dev.jsonl")
    ev.add_argument("--json", dest="json_out", metavar="OUT", help="write every item's result to OUT")
    ev.add_argument("--min-hit3", type=float, help="fail (exit 1) below this retrieval hit@3 (0-1)")
    ev.add_argument("--min-correct", type=float, help="fail below this answer correctness (0-1)")
    ev.add_argument("--min-refusal", type=float, help="fail below this refusal accuracy (0-1)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)  # on the handler, so a library that lowers its own logger stays quiet
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    try:
        return _run(args)
    except (AssistantError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(args) -> int:
    from .assistant import Assistant

    bot = Assistant(corpus_dir=args.corpus, index_dir=args.index, llm=args.llm, chroma_url=args.chroma_url)
    if args.command == "ask":
        answer = bot.ask(args.question)
        if args.json:
            print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        else:
            print(answer.text)
            if answer.notice:
                print(f"\n({answer.notice})")
            for c in answer.citations:
                where = f", page {c.page}" if c.page else ""
                print(f"\n[{c.number}] {c.source}{where} — {c.section}\n    {c.text.replace(chr(10), chr(10) + '    ')}")
        return 0
    if args.command == "index":
        report = _with_progress(lambda progress: bot.index(rebuild=args.rebuild, progress=progress))
        _print_report(report)
        return 0
    if args.command == "add":
        report = _with_progress(lambda progress: bot.add_documents(args.files, progress=progress))
        _print_report(report)
        return 0 if not report.skipped or report.changed or report.unchanged else 2
    return _eval(bot, args)


def _eval(bot, args) -> int:
    from .evaluation import evaluate, format_table, load_questions

    report = evaluate(bot, load_questions(args.questions))
    metrics = report.metrics()
    print(format_table({args.questions: metrics}))
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as fh:
            fh.write(report.to_json())
    failed = [
        f"{name} {metrics[key]:.2f} < {floor:.2f}"
        for name, key, floor in (("hit@3", "hit@3", args.min_hit3), ("correct", "correct", args.min_correct), ("refusal", "refusal", args.min_refusal))
        if floor is not None and not metrics[key] >= floor
    ]
    for line in failed:
        print(f"below threshold: {line}", file=sys.stderr)
    return 1 if failed else 0


def _with_progress(run):
    from tqdm import tqdm

    bar = None

    def progress(done: int, total: int, name: str):
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="file", desc="indexing", file=sys.stderr, disable=total == 0)
        bar.n = done
        bar.set_postfix_str(name[-40:], refresh=True)

    try:
        return run(progress)
    finally:
        if bar is not None:
            bar.close()


def _print_report(report):
    print(report.summary())  # rebuilds and skipped files were already logged as warnings
