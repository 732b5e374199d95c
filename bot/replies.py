"""Turns a matcher verdict into the Block Kit reply every surface (DM, mention, /tutor) sends."""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks.answers import answer_blocks, did_you_mean_blocks, related_topics, unknown_blocks
from bot.blocks.common import Block, escape
from bot.tutor.matcher import Band, Match
from content.loader import Bank


@dataclass(frozen=True)
class Reply:
    text: str  # notification fallback; mrkdwn, so anything echoed is escaped
    blocks: list[Block]


def reply_for_topic(bank: Bank, topic_id: str, asked: str | None = None) -> Reply:
    topic = bank.topics[topic_id]
    return Reply(
        f"{topic.title}: {topic.answer.production}",
        answer_blocks(topic, related_topics(topic, bank.topics), asked),
    )


def reply_for_match(bank: Bank, match: Match) -> Reply:
    if match.band is Band.ANSWER and match.topic:
        return reply_for_topic(bank, match.topic, match.question)
    if match.band is Band.DID_YOU_MEAN and match.suggestions:
        suggestions = [bank.topics[s] for s in match.suggestions]
        return Reply(
            f"Did you mean {', '.join(t.title for t in suggestions)}?",
            did_you_mean_blocks(match.question, suggestions),
        )
    return Reply(
        f"I don't know that one: {escape(match.question[:200])}",
        unknown_blocks(match.question, list(bank.topics.values())),
    )
