"""Regenerates the readers' shipped data in bot/tutor/reading/ (run it after changing a development set or the
bank, then commit both files; tests/bot/tutor/test_readers.py fails while either is stale):

- dev_questions.yaml: every development question, {q, topic}, that the learned readers train on beside the
  bank (the dev set, the held-out, practice and authored questions, the fresh set's odd half; never a test-set
  question);
- combination.json: the stacker's weights and thresholds, fitted on those questions read out-of-fold
  (tests/bot/tutor/readers_tuning.py).
Usage: PYTHONPATH=. python tools/build_readers_data.py (it reads the development sets in tests/)
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from bot.tutor.reading import build_matcher, topic_texts
from bot.tutor.reading.learned import DEV_QUESTIONS_FILE
from bot.tutor.reading.readers import COMBINATION_FILE
from content.loader import load_bank
from tests.bot.tutor.readers_tuning import development_questions, fit, out_of_fold

READING = Path(__file__).resolve().parents[1] / "bot" / "tutor" / "reading"
HEADER = "# Development questions the learned readers train on; written by tools/build_readers_data.py.\n"


def main() -> None:
    questions = development_questions()
    body = yaml.safe_dump(questions, allow_unicode=True, sort_keys=False, width=1000)
    (READING / DEV_QUESTIONS_FILE).write_text(HEADER + body, encoding="utf-8")
    texts = [topic_texts(t) for t in load_bank().topics.values()]
    combination = fit(out_of_fold(texts, build_matcher(texts), questions))
    (READING / COMBINATION_FILE).write_text(json.dumps(combination.as_json(), indent=2) + "\n", encoding="utf-8")
    print(f"{len(questions)} development questions; combination: {combination}")


if __name__ == "__main__":
    main()
