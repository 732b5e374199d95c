"""The fakes behave like Slack, as seen through the real slack_sdk clients (WebClient, WebhookClient via Bolt's
`respond`, SocketModeClient, Bolt's SocketModeHandler, OAuthFlow and TokenRotator)."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from tests.fake_slack import RESPONSE_URL_EXPIRED, RESPONSE_URL_USED_UP, FakeSlack, RateTiers
from tests.fake_socket_mode import FakeSocketMode, app_mention, click


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def socket_mode(fake: FakeSlack) -> Iterator[FakeSocketMode]:
    with FakeSocketMode() as server:
        fake.socket_mode = server
        yield server


def web(fake: FakeSlack, token: str = "xoxb-test", **kw) -> WebClient:
    """A WebClient with no retry handler at all, unless given: the raw behaviour."""
    kw.setdefault("retry_handlers", [])
    return WebClient(token=token, base_url=fake.api_url, **kw)


def app_like(fake: FakeSlack, **kw) -> WebClient:
    """The retry handlers bot/app.py's make_client ends up with: the default connection-error handler, then
    RateLimitErrorRetryHandler(3) and another ConnectionErrorRetryHandler."""
    client = WebClient(token="xoxb-test", base_url=fake.api_url, **kw)
    client.retry_handlers.extend([RateLimitErrorRetryHandler(max_retry_count=3), ConnectionErrorRetryHandler()])
    return client


def methods(fake: FakeSlack) -> list[str]:
    return [c.method for c in fake.calls]


# -- latency ---------------------------------------------------------------------------------------------------


def test_latency_is_added_to_every_call_and_can_differ_per_method(fake):
    from slack_bolt.context.respond import Respond

    client = web(fake)
    start = time.monotonic()
    client.auth_test()
    assert time.monotonic() - start < 0.1  # polite by default

    fake.latency = 0.15
    fake.latency_by_method = {"chat.postMessage": 0.3, "response_url": 0.25}
    for call, expected in [
        (client.auth_test, 0.15),
        (lambda: client.chat_postMessage(channel="C1", text="hi"), 0.3),
        (lambda: Respond(response_url=fake.response_url())(text="private"), 0.25),
    ]:
        start = time.monotonic()
        call()
        assert expected <= time.monotonic() - start < expected + 0.15
    assert [c.team for c in fake.calls] == ["T1"] * 4
    assert [c.at for c in fake.calls] == sorted(c.at for c in fake.calls)


def test_a_slow_call_does_not_hold_up_the_others(fake):
    fake.latency_by_method["users.list"] = 0.5
    client = web(fake)
    slow = threading.Thread(target=client.users_list)
    slow.start()
    time.sleep(0.05)
    start = time.monotonic()
    client.auth_test()
    assert time.monotonic() - start < 0.2
    slow.join()


# -- rate tiers ------------------------------------------------------------------------------------------------


def test_a_burst_beyond_a_tier_gets_429_with_retry_after_and_recovers(fake):
    fake.tiers = RateTiers(scale=6)  # Tier 2: a burst of 20, then 2 calls a second instead of 20 a minute
    fake.tokens["xoxb-other"] = "T2"
    client = web(fake)
    for _ in range(20):
        client.users_list()
    with pytest.raises(SlackApiError) as refused:
        client.users_list()
    response = refused.value.response
    assert response.status_code == 429 and response["error"] == "ratelimited"
    assert int(response.headers["Retry-After"]) >= 1
    assert methods(fake)[-1] == "users.list:429" and fake.calls[-1].team == "T1"
    client.auth_test()  # other methods have their own buckets...
    web(fake, "xoxb-other").users_list()  # ...and so has another workspace
    assert fake.calls[-1].team == "T2"

    time.sleep(int(response.headers["Retry-After"]))
    client.users_list()  # a token came back

    # slack_sdk's RateLimitErrorRetryHandler sleeps Retry-After (+ up to 1 s of jitter) and tries again
    patient = web(fake, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
    while True:
        before = len(fake.calls)
        start = time.monotonic()
        patient.users_list()
        if fake.calls[before].method == "users.list:429":
            break
    assert [c.method for c in fake.calls[before:]] == ["users.list:429", "users.list"]
    assert 1 <= time.monotonic() - start < 2.5


def test_tier_1_and_a_method_limit_override(fake):
    fake.socket_mode = FakeSocketMode()  # not started: apps.connections.open only needs new_url()
    fake.tiers = RateTiers(per_minute={"chat.postEphemeral": 2})
    client = web(fake, "xapp-1")
    assert client.apps_connections_open(app_token="xapp-1")["url"].startswith("ws://")
    with pytest.raises(SlackApiError) as refused:
        client.apps_connections_open(app_token="xapp-1")  # Tier 1: one a minute
    assert refused.value.response.headers["Retry-After"] in {"59", "60"}
    bot = web(fake)
    bot.chat_postEphemeral(channel="C1", user="U1", text="a")
    bot.chat_postEphemeral(channel="C1", user="U1", text="b")
    with pytest.raises(SlackApiError):
        bot.chat_postEphemeral(channel="C1", user="U1", text="c")


def test_post_message_is_limited_per_channel_about_one_a_second(fake):
    fake.tiers = RateTiers(scale=4)  # a burst of 3 per channel, then 4 a second
    client = web(fake)
    for n in range(3):
        client.chat_postMessage(channel="C1", text=f"post {n}")
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C1", text="one too many")
    assert refused.value.response.status_code == 429
    client.chat_postMessage(channel="C2", text="another channel has its own limit")
    time.sleep(0.3)
    client.chat_postMessage(channel="C1", text="after a pause")
    assert [m["text"] for m in fake.messages("C1")] == ["post 0", "post 1", "post 2", "after a pause"]
    assert methods(fake).count("chat.postMessage:429") == 1


# -- faults ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "status"), [("http500", 500), ("http503", 503)])
def test_server_errors_do_nothing_and_only_the_server_error_handler_retries(fake, kind, status):
    fake.fault("chat.postMessage", kind)
    with pytest.raises(SlackApiError) as failed:
        app_like(fake).chat_postMessage(channel="C1", text="lost")  # the app's handlers do not retry a 5xx
    assert failed.value.response.status_code == status
    assert fake.messages("C1") == [] and methods(fake) == [f"chat.postMessage:{status}"]

    fake.fault("chat.postMessage", kind)
    web(fake, retry_handlers=[ServerErrorRetryHandler()]).chat_postMessage(channel="C1", text="kept")
    assert [m["text"] for m in fake.messages("C1")] == ["kept"]


def test_error_and_ratelimited_faults_and_a_predicate(fake):
    client = web(fake)
    fake.fault("chat.update", "error", error="cant_update_message")
    with pytest.raises(SlackApiError) as failed:
        client.chat_update(channel="C1", ts="1.0", text="x")
    assert failed.value.response.status_code == 200 and failed.value.response["error"] == "cant_update_message"

    fake.fault("users.info", "ratelimited", seconds=2)
    with pytest.raises(SlackApiError) as limited:
        client.users_info(user="U1")
    assert limited.value.response.status_code == 429 and limited.value.response.headers["Retry-After"] == "2"

    fake.fault("chat.postMessage", "error", times=None, error="not_in_channel", when=lambda p: p["channel"] == "C2")
    client.chat_postMessage(channel="C1", text="fine")
    for _ in range(2):
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C2", text="refused while the predicate holds")
    fake.clear_faults()
    client.chat_postMessage(channel="C2", text="fine again")
    assert client.users_info(user="U1")["ok"]


def test_drop_closes_the_connection_without_acting(fake):
    fake.fault("chat.postMessage", "drop")
    with pytest.raises(http.client.RemoteDisconnected):  # a ConnectionResetError; no SlackApiError
        web(fake).chat_postMessage(channel="C1", text="never arrives")
    assert fake.messages("C1") == [] and methods(fake) == ["chat.postMessage:drop"]

    fake.fault("chat.postMessage", "drop")
    app_like(fake).chat_postMessage(channel="C1", text="retried")  # ConnectionErrorRetryHandler retries once
    assert [m["text"] for m in fake.messages("C1")] == ["retried"]


def test_acted_then_drop_posts_the_message_although_the_client_sees_a_connection_error(fake):
    client = web(fake)
    fake.fault("chat.postMessage", "acted_then_drop")
    with pytest.raises(http.client.RemoteDisconnected):
        client.chat_postMessage(channel="C1", text="quiz", metadata={"event_type": "quiz", "event_payload": {"id": 7}})
    [posted] = fake.messages("C1")
    assert posted["text"] == "quiz" and posted["metadata"] == {"event_type": "quiz", "event_payload": {"id": 7}}
    history = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert [m["ts"] for m in history] == [posted["ts"]] and history[0]["metadata"]["event_payload"] == {"id": 7}
    assert methods(fake) == ["chat.postMessage", "conversations.history"]

    # With the app's retry handlers, slack_sdk retries the POST that Slack already acted on: a double post.
    fake.fault("chat.postMessage", "acted_then_drop")
    app_like(fake).chat_postMessage(channel="C2", text="quiz")
    assert [m["text"] for m in fake.messages("C2")] == ["quiz", "quiz"]


def test_hang_then_answer_has_acted_even_when_the_client_timed_out(fake):
    fake.fault("chat.postMessage", "hang", seconds=1.0)
    start = time.monotonic()
    with pytest.raises(TimeoutError):  # socket.timeout; ConnectionErrorRetryHandler does not retry it
        app_like(fake, timeout=0.3).chat_postMessage(channel="C1", text="slow")
    assert time.monotonic() - start < 0.9
    assert [m["text"] for m in fake.messages("C1")] == ["slow"]  # Slack got it done anyway

    fake.fault("chat.postMessage", "hang", seconds=0.3)
    start = time.monotonic()
    assert web(fake).chat_postMessage(channel="C1", text="patient")["ok"]  # a patient client gets the answer
    assert time.monotonic() - start >= 0.3


def test_hang_then_drop_and_stop_do_not_wait_for_hung_handlers(fake):
    fake.fault("chat.postMessage", "hang", seconds=0.3, act=False)
    with pytest.raises(http.client.RemoteDisconnected):
        web(fake).chat_postMessage(channel="C1", text="gone")
    assert fake.messages("C1") == [] and methods(fake) == ["chat.postMessage:hang"]

    other = FakeSlack().start()
    other.fault("*", "hang", seconds=30, times=None)
    errors: list[Exception] = []

    def stuck() -> None:
        try:
            web(other, timeout=60).auth_test()
        except Exception as exc:
            errors.append(exc)

    thread = threading.Thread(target=stuck)
    thread.start()
    time.sleep(0.1)
    start = time.monotonic()
    other.stop()
    thread.join(5)
    assert time.monotonic() - start < 1.5 and not thread.is_alive()
    assert errors and isinstance(errors[0], OSError)  # the client saw its connection close


def test_respond_on_a_5xx_returns_the_status_and_retries_a_drop(fake):
    from slack_bolt.context.respond import Respond

    respond = Respond(response_url=fake.response_url("r500"))
    fake.fault("response_url", "http500")
    assert respond(text="lost").status_code == 500  # no exception: the caller must look at status_code
    assert methods(fake) == ["response_url:500"]

    # WebhookClient's default ConnectionErrorRetryHandler resends after acted_then_drop: the person sees it twice.
    fake.fault("response_url", "acted_then_drop")
    assert Respond(response_url=fake.response_url("twice"))(text="feedback").status_code == 200
    assert [c.path for c in fake.of("response_url")] == ["/response/twice"] * 2


def test_a_response_url_takes_five_uses_then_expires_when_tiers_are_on(fake):
    from slack_sdk.webhook import WebhookClient

    url = fake.response_url("five")
    for n in range(6):
        assert WebhookClient(url).send(text=f"{n}").status_code == 200  # unlimited by default
    fake.tiers = RateTiers(scale=3600)  # 30 minutes become 0.5 s
    url = fake.response_url("limited")
    hook = WebhookClient(url)
    assert [hook.send(text=f"{n}").status_code for n in range(5)] == [200] * 5
    used_up = hook.send(text="sixth")
    assert used_up.status_code == 404 and json.loads(used_up.body)["error"] == RESPONSE_URL_USED_UP
    fresh = WebhookClient(fake.response_url("fresh"))
    time.sleep(0.6)
    expired = fresh.send(text="too late")
    assert expired.status_code == 404 and json.loads(expired.body)["error"] == RESPONSE_URL_EXPIRED


# -- messages --------------------------------------------------------------------------------------------------


def test_post_update_delete_and_history_paging_with_metadata(fake):
    client = web(fake)
    first = client.chat_postMessage(
        channel="C1", text="quiz", metadata={"event_type": "quiz_posted", "event_payload": {"post": 1}}
    )["ts"]
    # form-encoded, metadata as a JSON string
    client.api_call(
        "chat.postMessage",
        params={"channel": "C1", "text": "second", "metadata": json.dumps({"event_type": "x", "event_payload": {}})},
    )
    human = fake.add_message("C1", "a person talks", user="U9")
    client.chat_postMessage(channel="C1", text="a reply", thread_ts=first)
    last = client.chat_postMessage(channel="C1", text="last")["ts"]

    client.chat_update(channel="C1", ts=last, text="last, edited")
    assert fake.messages("C1")[-1]["text"] == "last, edited"
    assert [m["text"] for m in fake.messages("C1")][:2] == ["quiz", "second"]
    assert fake.messages("C1")[0]["user"] == "UBOT" and fake.messages("C1")[2]["user"] == "U9"

    pages, cursor = [], None
    while True:
        page = client.conversations_history(channel="C1", limit=2, cursor=cursor)
        pages.append([m["text"] for m in page["messages"]])
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            assert not page["has_more"]
            break
        assert page["has_more"]
    assert pages == [["last, edited", "a person talks"], ["second", "quiz"]]  # newest first; no thread replies
    assert all("metadata" not in m for m in client.conversations_history(channel="C1")["messages"])
    with_metadata = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert with_metadata[-1]["metadata"] == {"event_type": "quiz_posted", "event_payload": {"post": 1}}
    assert with_metadata[-1]["reply_count"] == 1

    window = client.conversations_history(channel="C1", oldest=first, latest=last)["messages"]
    assert [m["ts"] for m in window] == [human, fake.messages("C1")[1]["ts"]]
    window = client.conversations_history(channel="C1", oldest=first, latest=last, inclusive=True)["messages"]
    assert len(window) == 4

    client.chat_delete(channel="C1", ts=first)
    assert "quiz" not in [m["text"] for m in fake.messages("C1")]
    with pytest.raises(SlackApiError) as gone:
        client.chat_update(channel="C1", ts=first, text="too late")
    assert gone.value.response["error"] == "message_not_found"
    assert client.chat_update(channel="C1", ts="1.0", text="a ts the fake never issued")["ok"]  # permissive

    fake.channels["C1"] = {"id": "C1"}  # once channels are listed, others are unknown
    with pytest.raises(SlackApiError) as unknown:
        client.chat_postMessage(channel="C404", text="x")
    assert unknown.value.response["error"] == "channel_not_found"


# -- workspaces and OAuth --------------------------------------------------------------------------------------


def test_oauth_install_through_bolt_then_token_rotation(fake):
    from slack_bolt.oauth.oauth_flow import OAuthFlow
    from slack_bolt.oauth.oauth_settings import OAuthSettings
    from slack_sdk.oauth.installation_store import FileInstallationStore
    from slack_sdk.oauth.state_store import FileOAuthStateStore
    from slack_sdk.oauth.token_rotation import TokenRotator

    fake.client_id, fake.client_secret = "111.222", "s3cret"
    fake.oauth_codes["code-1"] = {
        "team_id": "T2",
        "team_name": "Second",
        "enterprise_id": None,
        "bot_token": "xoxe.xoxb-1-first",
        "bot_user_id": "UBOT2",
        "authed_user_id": "U42",
        "scope": "chat:write,commands",
        "refresh_token": "xoxe-1-refresh",
        "expires_in": 43200,
    }
    settings = OAuthSettings(
        client_id="111.222",
        client_secret="s3cret",
        installation_store=FileInstallationStore(base_dir="/tmp/unused-installations"),
        state_store=FileOAuthStateStore(expiration_seconds=60, base_dir="/tmp/unused-states"),
    )
    flow = OAuthFlow(client=WebClient(base_url=fake.api_url), settings=settings)
    installation = flow.run_installation("code-1")
    assert installation is not None
    assert (installation.team_id, installation.team_name, installation.bot_user_id) == ("T2", "Second", "UBOT2")
    assert (installation.bot_token, installation.bot_refresh_token) == ("xoxe.xoxb-1-first", "xoxe-1-refresh")
    assert (installation.bot_id, installation.user_id) == ("BT2", "U42")
    assert installation.bot_scopes == ["chat:write", "commands"]
    assert installation.bot_token_expires_at is not None
    assert flow.run_installation("code-1") is None  # a code is good once: invalid_code
    assert web(fake, installation.bot_token).auth_test()["team_id"] == "T2"

    rotator = TokenRotator(client_id="111.222", client_secret="s3cret", client=WebClient(base_url=fake.api_url))
    rotated = rotator.perform_token_rotation(installation=installation, minutes_before_expiration=60 * 24)
    assert rotated is not None and rotated.bot_token.startswith("xoxe.xoxb-")
    assert rotated.bot_token != "xoxe.xoxb-1-first"
    assert rotated.bot_refresh_token != "xoxe-1-refresh"
    assert web(fake, rotated.bot_token).auth_test()["team_id"] == "T2"
    with pytest.raises(SlackApiError) as expired:
        web(fake, "xoxe.xoxb-1-first").chat_postMessage(channel="C1", text="with the old token")
    assert expired.value.response["error"] == "token_expired"

    bad = TokenRotator(client_id="111.222", client_secret="wrong", client=WebClient(base_url=fake.api_url))
    with pytest.raises(Exception, match="bad_client_secret"):
        bad.perform_token_rotation(installation=rotated, minutes_before_expiration=60 * 24)
    with pytest.raises(SlackApiError) as reused:  # the first refresh token was spent by the rotation
        WebClient(base_url=fake.api_url).oauth_v2_access(
            client_id="111.222", client_secret="s3cret", grant_type="refresh_token", refresh_token="xoxe-1-refresh"
        )
    assert reused.value.response["error"] == "invalid_refresh_token"


# -- Socket Mode -----------------------------------------------------------------------------------------------


def close_in_background(client) -> None:
    """close() joins the client's receiving thread, which sits in a blocking read until it times out (the built-in
    client: 3 s). The client stops reconnecting at once; the joins need not hold the test up."""
    client.auto_reconnect_enabled = False
    threading.Thread(target=client.close, daemon=True).start()


def acking_client(fake: FakeSlack, **kw) -> tuple[SocketModeClient, list[str]]:
    client = SocketModeClient(app_token="xapp-1", web_client=WebClient(base_url=fake.api_url), **kw)
    seen: list[str] = []
    client.on_message_listeners.append(seen.append)

    def ack(client: SocketModeClient, request: SocketModeRequest) -> None:
        payload = {"text": f"got {request.type}"} if request.accepts_response_payload else None
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id, payload=payload))

    client.socket_mode_request_listeners.append(ack)
    return client, seen


def test_socket_mode_hello_acks_and_a_refresh_reconnect(fake, socket_mode):
    # ping_interval: the built-in client notices a connection cut without a close frame only when about five of
    # its pings in a row failed, one every ping_interval seconds (default 5: ~25 s before it reconnects).
    client, seen = acking_client(fake, ping_interval=0.2)
    try:
        client.connect()
        socket_mode.wait_connections(1)
        command = socket_mode.send_command("quiz", user="U7")
        assert socket_mode.wait_ack(command) == {"envelope_id": command, "payload": {"text": "got slash_commands"}}
        assert json.loads(seen[0])["type"] == "hello" and json.loads(seen[1])["payload"]["text"] == "quiz"
        event = socket_mode.send_event(app_mention("what is drift?"), retry_attempt=1, retry_reason="timeout")
        assert socket_mode.wait_ack(event) == {"envelope_id": event}
        assert json.loads(seen[2])["retry_attempt"] == 1
        button = {"type": "button", "action_id": "quiz_pick:0", "value": "0", "text": {"type": "plain_text"}}
        block = {"type": "actions", "block_id": "b1", "elements": [button]}
        clicked = socket_mode.send_interactive(click(block, button, response_url=fake.response_url()))
        assert socket_mode.wait_ack(clicked)["envelope_id"] == clicked

        socket_mode.disconnect("refresh_requested", close_after=0.2)
        socket_mode.wait_connections(2)
        assert fake.of("apps.connections.open") and len(fake.of("apps.connections.open")) == 2
        assert socket_mode.paths[0] != socket_mode.paths[1]  # a new ticket each time
        again = socket_mode.send_command("after the refresh")
        assert socket_mode.wait_ack(again)["envelope_id"] == again
        assert socket_mode.connections == 2 and socket_mode.open_connections == 1
        assert len(socket_mode.acks) == 4

        socket_mode.drop()  # a network failure: the client notices and connects again
        socket_mode.wait_connections(3, timeout=10)
        assert len(fake.of("apps.connections.open")) == 3
    finally:
        close_in_background(client)


def test_bolt_socket_mode_handler_runs_the_app_over_the_fake(fake, socket_mode):
    from slack_bolt import App
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    app = App(client=WebClient(token="xoxb-test", base_url=fake.api_url), token_verification_enabled=False)

    @app.command("/tutor")
    def tutor(ack, command, client):
        ack(text=f"you asked: {command['text']}")
        client.chat_postMessage(channel=command["channel_id"], text="posted from Socket Mode")

    handler = SocketModeHandler(app, app_token="xapp-1", web_client=WebClient(base_url=fake.api_url))
    handler.connect()
    try:
        socket_mode.wait_connections(1)
        envelope = socket_mode.send_command("quiz")
        assert socket_mode.wait_ack(envelope)["payload"] == {"text": "you asked: quiz"}
        fake.wait_for("chat.postMessage")
        assert [m["text"] for m in fake.messages("C1")] == ["posted from Socket Mode"]
    finally:
        close_in_background(handler.client)


def test_apps_connections_open_needs_an_app_token_and_a_server(fake):
    with pytest.raises(SlackApiError) as refused:
        web(fake).apps_connections_open(app_token="xapp-1")
    assert refused.value.response["error"] == "not_allowed_token_type"
