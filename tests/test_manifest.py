"""The Slack app manifest asks for what the code needs: the OAuth install's scopes, and every event we listen to."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.blocks.assistant_blocks import MAX_PROMPTS
from bot.listeners import assistant, events
from bot.services.slack.installations import BOT_SCOPES
from bot.tutor.reading import Band, build_readers
from content.loader import load_bank

MANIFEST = yaml.safe_load((Path(__file__).parents[1] / "manifest.yml").read_text())


def test_manifest_scopes_are_the_ones_an_install_asks_for():
    assert sorted(MANIFEST["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    assert "assistant:write" in MANIFEST["oauth_config"]["scopes"]["bot"]


def test_manifest_subscribes_to_every_event_a_listener_waits_for():
    subscribed = {e.split(".")[0] for e in MANIFEST["settings"]["event_subscriptions"]["bot_events"]}
    assert subscribed == set(events.listeners()) | set(assistant.EVENTS)
    assert "message.im" in MANIFEST["settings"]["event_subscriptions"]["bot_events"]  # DMs only, not channels
    assert {"assistant_thread_started", "assistant_thread_context_changed"} <= subscribed


def test_manifest_enables_the_split_view_with_prompts_the_tutor_answers():
    view = MANIFEST["features"]["assistant_view"]
    assert view["assistant_description"].strip()
    prompts = view["suggested_prompts"]
    assert 1 <= len(prompts) <= MAX_PROMPTS
    bank = load_bank()
    matcher = build_readers(bank.topics)
    for prompt in prompts:
        assert set(prompt) == {"title", "message"} and prompt["title"].strip()
        match = matcher.match(prompt["message"])
        assert match.band is Band.ANSWER and bank.topics[match.topic].title in prompt["title"], prompt
