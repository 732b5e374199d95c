"""Answer clicks per second through the whole app over HTTP, beside a bare Bolt app that only acks.

Whole app: signed block_actions request -> waitress -> Bolt (signature check) -> grade -> answer stored in
SQLite -> ephemeral feedback posted to a fake Slack Web API on 127.0.0.1. The clock stops when the last
ephemeral has arrived. The baseline is a Bolt app with one listener that only calls ack(), served the same
way, measured in the same run. The fake Slack and the senders run in other processes, as they would in life,
so only the app's own work shares its interpreter. Run: python -m bench.answers [--clicks N] [--workers W]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from slack_bolt import App
from sqlalchemy import func, select

from bot.blocks.quiz_blocks import DAILY, question_blocks
from bot.config import Settings
from bot.services import channels, posting
from bot.services.background import Background
from bot.services.context import build_context
from bot.services.slack_clients import SlackClients, make_web_client
from bot.web.bolt_app import create_app
from storage.db import upgrade
from storage.models import Answer, QuizPost
from tests.app_server import serving
from tests.slack_requests import SIGNING_SECRET, SlackSender, click, find_element

ROOT = Path(__file__).resolve().parents[1]


def _send_chunk(url: str, payloads: list[dict[str, Any]], threads: int) -> list[int]:
    sender = SlackSender(url)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda p: sender.block_action(p).status, payloads))


def fire(sender: SlackSender, payloads: list[dict[str, Any]], workers: int) -> float:
    """Send every payload from two other processes (the load must not share the app's interpreter)."""
    chunks = [payloads[i::2] for i in range(2)]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        statuses = [s for part in pool.map(_send_chunk, [sender.url] * 2, chunks, [workers // 2] * 2) for s in part]
    assert statuses == [200] * len(payloads), set(statuses)
    return time.perf_counter() - start


def fake_slack_process() -> tuple[subprocess.Popen[str], str]:
    """The fake Slack runs in its own process: its work should not share our interpreter, as Slack's doesn't."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.fake_slack"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def calls(api_url: str, method: str) -> int:
    with urllib.request.urlopen(api_url.removesuffix("api/") + "_stats", timeout=10) as resp:
        return json.loads(resp.read()).get(method, 0)


def wait_calls(api_url: str, method: str, count: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while calls(api_url, method) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {calls(api_url, method)} of {count} {method} calls arrived")
        time.sleep(0.01)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clicks", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args(argv)

    fake_proc, api_url = fake_slack_process()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        settings = Settings("xoxb-bench", SIGNING_SECRET, None, api_url, url)
        ctx = build_context(url, background=Background(), slack=SlackClients("xoxb-bench", api_url))
        channels.save_channel(ctx, "T1", "C1", "00:00", "UTC", "mon-sun", "23h59m")
        posting.post_due(ctx)
        with ctx.sessions() as session:
            post = session.scalars(select(QuizPost)).one()
        question = ctx.bank.questions_by_id[post.question_id]
        blocks = question_blocks(question, question.topic, prefix=DAILY, ref=str(post.id), status="")
        try:
            block, element = find_element(blocks, "quiz_pick:0")
        except AssertionError:
            block, element = find_element(blocks, "quiz_submit")
        state = {block.get("block_id"): {"quiz_boxes": {"selected_options": [{"value": "0"}]}}}
        payloads = [
            click(
                block,
                element,
                user=f"U{i:06d}",
                message_ts=post.message_ts,
                response_url=api_url.removesuffix("api/") + "response/r",
                state=state,
            )
            for i in range(args.clicks)
        ]

        bare = App(
            signing_secret=SIGNING_SECRET,
            client=make_web_client("xoxb-bench", api_url),
            token_verification_enabled=False,
        )
        bare.action(re.compile(".*"))(lambda ack: ack())
        with serving(bare) as bare_sender:
            fire(bare_sender, payloads[:50], args.workers)  # warm up
            t_bare = fire(bare_sender, payloads, args.workers)

        with serving(create_app(ctx, settings)) as sender:
            before = calls(api_url, "response_url")
            start = time.perf_counter()
            fire(sender, payloads, args.workers)
            wait_calls(api_url, "response_url", before + args.clicks)
            t_full = time.perf_counter() - start
        with ctx.sessions() as session:
            stored = session.scalar(select(func.count()).select_from(Answer))
    fake_proc.terminate()
    assert stored == args.clicks, stored
    result = {"clicks": args.clicks, "full_cps": args.clicks / t_full, "bare_cps": args.clicks / t_bare}
    result["ratio"] = result["full_cps"] / result["bare_cps"]
    print(f"{args.clicks} answer clicks, {args.workers} concurrent senders, SQLite file")
    print(f"  whole app (stored + ephemeral): {result['full_cps']:7.0f} clicks/s")
    print(f"  bare Bolt app (ack only):       {result['bare_cps']:7.0f} clicks/s")
    print(f"  ratio whole/bare: {result['ratio']:.2f}  (target >= 0.3, and >= 200 clicks/s)")
    return result


if __name__ == "__main__":
    main()
