"""Block Kit for the tutor's answers: a topic, a 'did you mean', an honest 'I don't know', the help.

`reply_for_match` turns a matcher verdict into the reply every surface (DM, mention, /tutor) sends."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks.kit import Block, actions, button, context, divider, entities, header, mrkdwn, plain, section
from bot.tutor.matcher import Band, Match
from content.loader import Bank
from content.models import Topic

TOPIC_ACTION = "topic_open"
HELPFUL_ACTION = "helpful"


def topic_button(topic: Topic, label: str | None = None) -> dict[str, Any]:
    # action_ids must be unique within a block, so the topic id rides along in both id and value.
    return button(label or topic.title, f"{TOPIC_ACTION}:{topic.id}", topic.id)


def answer_blocks(topic: Topic, related: Sequence[Topic], asked: str | None = None) -> list[Block]:
    blocks: list[Block] = []
    if asked:
        blocks.append(context(plain(f"You asked: {asked}", 200)))
    blocks += [
        header(topic.title),
        {
            "type": "section",
            "fields": [
                mrkdwn(f"*:microscope: In research*\n{topic.answer.research}", 2000),
                mrkdwn(f"*:factory: In production*\n{topic.answer.production}", 2000),
            ],
        },
        section("\n".join(f"• {point}" for point in topic.key_points)),
        context(mrkdwn(f"*Example:* {topic.example}", 2000)),
    ]
    if topic.further_reading:
        links = " · ".join(f"<{r.url}|{entities(r.title)}>" for r in topic.further_reading)
        blocks.append(context(mrkdwn(f"*Further reading:* {links}", 2000)))
    if related:
        blocks.append(context(mrkdwn("*Related topics*")))
        blocks.append(actions(*(topic_button(t) for t in related), block_id="related"))
    blocks += [
        divider(),
        actions(
            button(":thumbsup: Helpful", f"{HELPFUL_ACTION}:yes", topic.id),
            button(":thumbsdown: Not helpful", f"{HELPFUL_ACTION}:no", topic.id),
            block_id="helpful",
        ),
        context(mrkdwn("Was this helpful? Your vote tells the authors what to improve.")),
    ]
    return blocks


def did_you_mean_blocks(asked: str, suggestions: Sequence[Topic]) -> list[Block]:
    return [
        context(plain(f"You asked: {asked}", 200)),
        section("I'm not sure which topic you mean. *Did you mean…*"),
        actions(*(topic_button(t) for t in suggestions), block_id="did_you_mean"),
    ]


def unknown_blocks(asked: str, topics: Sequence[Topic]) -> list[Block]:
    text = (
        "I don't know that one. I only cover how machine learning in research differs from machine "
        "learning in production, and I've noted your question so the authors can see the gap. "
        "These are the topics I can answer:"
    )
    echo = [context(plain(f"You asked: {asked}", 200))] if asked.strip() else []
    return [*echo, section(text), *topic_list_blocks(topics)]


def topic_list_blocks(topics: Sequence[Topic]) -> list[Block]:
    return [actions(*(topic_button(t) for t in topics[:25]), block_id="topics")]


def topics_blocks(topics: Sequence[Topic]) -> list[Block]:
    return [section("*Topics I can explain* (click one, or ask me in your own words):"), *topic_list_blocks(topics)]


HELP_TEXT = (
    "*lab2prod* explains how machine learning in research differs from machine learning in production.\n"
    "• `/tutor <question>`: ask anything, e.g. `/tutor why do models drift in prod`\n"
    "• `/tutor topics`: everything I can explain\n"
    "• `/tutor quiz`: a private practice question\n"
    "• `/tutor leaderboard [week|month|all] [teams]`: who is ahead\n"
    "• `/tutor team join NAME`, `/tutor team leave`, `/tutor team list`\n"
    "• `/tutor stats`: your points, streak and accuracy\n"
    "• `/tutor schedule HH:MM [Area/City]`: daily quiz time for this channel (channel admins)\n"
    "You can also DM me a question or @-mention me in a channel."
)


def help_blocks(note: str | None = None) -> list[Block]:
    return ([section(note)] if note else []) + [section(HELP_TEXT)]


def related_topics(topic: Topic, topics: Mapping[str, Topic]) -> list[Topic]:
    return [topics[r] for r in topic.related if r in topics]


@dataclass(frozen=True)
class Reply:
    text: str  # notification fallback: never echoes what a person typed
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
    # The notification text never echoes the question: what a person typed is shown only as plain_text.
    return Reply("I don't know that one.", unknown_blocks(match.question, list(bank.topics.values())))
