"""The Slack app manifest asks for what the code needs: the OAuth install's scopes, and every event we listen to."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.listeners import events
from bot.services.slack.installations import BOT_SCOPES

MANIFEST = yaml.safe_load((Path(__file__).parents[1] / "manifest.yml").read_text())


def test_manifest_scopes_are_the_ones_an_install_asks_for():
    assert sorted(MANIFEST["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)


def test_manifest_subscribes_to_every_event_a_listener_waits_for():
    subscribed = {e.split(".")[0] for e in MANIFEST["settings"]["event_subscriptions"]["bot_events"]}
    assert subscribed == set(events.listeners())
    assert "message.im" in MANIFEST["settings"]["event_subscriptions"]["bot_events"]  # DMs only, not channels
