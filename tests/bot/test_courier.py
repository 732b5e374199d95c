"""The courier process delivers every queued reply, in a burst and at shutdown, and never raises."""

from __future__ import annotations

from bot.services.slack.courier import Courier


def test_the_courier_delivers_everything_queued_before_it_stops(fake_slack):
    fake_slack.latency = 0.2
    courier = Courier(workers=16).start()
    for n in range(60):
        courier.send(fake_slack.response_url(f"r{n}"), {"text": f"reply {n}", "response_type": "ephemeral"})
    assert courier.close(30)  # close() waits for the queue to be delivered
    replies = fake_slack.of("response_url")
    assert sorted(c.path for c in replies) == sorted(f"/response/r{n}" for n in range(60))
    assert {c.params["text"] for c in replies} == {f"reply {n}" for n in range(60)}


def test_a_failing_reply_does_not_stop_the_others(fake_slack):
    fake_slack.fault("response_url", "http500", when=lambda p: p.get("text") == "doomed")
    courier = Courier(workers=4).start()
    courier.send(fake_slack.response_url("bad"), {"text": "doomed"})
    courier.send("http://127.0.0.1:9/refused", {"text": "nowhere"})  # nothing listens there
    courier.send(fake_slack.response_url("good"), {"text": "fine"})
    assert courier.close(30)
    assert [c.params["text"] for c in fake_slack.of("response_url")] == ["fine"]
