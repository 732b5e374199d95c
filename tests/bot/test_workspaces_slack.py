"""Many workspaces: the OAuth v2 install flow over the served app, two installed workspaces that never see each
other's data, token rotation, uninstalls, and a Slack Connect channel shared by two workspaces."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from sqlalchemy import select, text

from bot.config import Settings
from bot.services.operations import workspace_lifecycle
from bot.services.people import export
from bot.services.quiz import channels, posting, reveals
from bot.web.bolt_app import create_app
from storage.models import Answer, QuizPost, Workspace
from tests.app_server import Page, serving
from tests.app_server import http_get as get
from tests.slack_requests import SIGNING_SECRET, SlackSender, answer_click

CLIENT_ID, CLIENT_SECRET = "111.222", "client-secret"


@dataclass
class Installable:
    slack: SlackSender
    base: str  # http://127.0.0.1:PORT

    def install(self, fake_slack, team: str, **grant) -> Page:
        """What a person does: open the install page, approve in Slack (the fake issues a code), come back."""
        page = get(f"{self.base}/slack/install")
        assert page.status == 200 and page.cookie, page.body
        authorize_url = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.body).group(1)
        query = parse_qs(urlparse(authorize_url.replace("&amp;", "&")).query)
        assert query["client_id"] == [CLIENT_ID] and "chat:write" in query["scope"][0].split(",")
        assert "assistant:write" in query["scope"][0].split(",")  # the split view
        code = f"code-{team}-{len(fake_slack.oauth_codes)}"
        fake_slack.oauth_codes[code] = {"bot_token": f"xoxb-{team}", "team_id": team, **grant}
        state_cookie = page.cookie.split(";")[0]
        return get(
            f"{self.base}/slack/oauth_redirect?{urlencode({'code': code, 'state': query['state'][0]})}", state_cookie
        )


@pytest.fixture
def installable(ctx, fake_slack, db_url) -> Iterator[Installable]:
    """`lab2prod serve` with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET and no bot token: nothing installed yet."""
    fake_slack.client_id, fake_slack.client_secret = CLIENT_ID, CLIENT_SECRET
    workspace_lifecycle.connect(ctx, CLIENT_ID, CLIENT_SECRET, fake_slack.api_url)
    settings = Settings(
        bot_token=None,
        signing_secret=SIGNING_SECRET,
        app_token=None,
        api_url=fake_slack.api_url,
        database_url=db_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    assert settings.oauth and settings.missing_for_serve(force_http=True) == []
    with serving(create_app(ctx, settings)) as sender:
        yield Installable(sender, sender.url.removesuffix("/slack/events"))


def test_install_flow_stores_the_workspace_and_its_token_serves_it(installable, fake_slack, ctx):
    before = installable.slack.command("help", team="T2")
    assert before.status == 200 and "install" in before.body.lower()  # Bolt's "not installed here" reply

    done = installable.install(fake_slack, "T2")
    assert done.status == 200 and "Thank you" in done.body
    [exchange] = fake_slack.of("oauth.v2.access")
    assert exchange.params.get("code", "").startswith("code-T2")
    with ctx.sessions() as session:
        workspace = session.get(Workspace, "T2")
        assert workspace is not None and workspace.uninstalled_at is None
        bots = session.execute(text("SELECT team_id, bot_token FROM slack_bots")).all()
    assert [tuple(row) for row in bots] == [("T2", "xoxb-T2")]

    fake_slack.reset()
    reply = installable.slack.command("stats", team="T2", user="U7")
    assert reply.status == 200 and reply.json()["text"]
    installable.slack.event({"type": "app_home_opened", "user": "U7", "tab": "home"}, event_id="EvH", team="T2")
    [publish] = fake_slack.wait_for("views.publish")
    assert publish.team == "T2"  # called with the token the T2 install gave


def test_install_callback_without_our_state_installs_nothing(installable, fake_slack, ctx):
    fake_slack.oauth_codes["stolen"] = {"bot_token": "xoxb-T9", "team_id": "T9"}
    forged = get(f"{installable.base}/slack/oauth_redirect?code=stolen&state=made-up", "slack-app-oauth-state=made-up")
    assert forged.status in (400, 401)  # Bolt: 400 for a missing cookie, 401 for a state we never issued
    page = get(f"{installable.base}/slack/install")
    state = page.cookie.split(";")[0].split("=", 1)[1]
    no_cookie = get(f"{installable.base}/slack/oauth_redirect?code=stolen&state={state}")  # another browser
    assert no_cookie.status in (400, 401)
    denied = get(
        f"{installable.base}/slack/oauth_redirect?error=access_denied&state={state}", f"slack-app-oauth-state={state}"
    )
    assert "Thank you" not in denied.body  # the person pressed Cancel in Slack: a failure page, no exchange
    assert fake_slack.of("oauth.v2.access") == []
    with ctx.sessions() as session:
        assert session.execute(text("SELECT count(*) FROM slack_installations")).scalar() == 0
        assert session.get(Workspace, "T9") is None


def test_two_workspaces_never_see_each_other(installable, fake_slack, ctx, clock):
    for team in ("T1", "T2"):
        assert installable.install(fake_slack, team).status == 200
    slack = installable.slack
    people = {"T1": ["U1", "U2"], "T2": ["U7", "U8"]}
    channel = {"T1": "C1", "T2": "C2"}
    for team, users in people.items():
        for user in users:  # the same team name in both workspaces: two teams, not one
            assert "You're in team" in slack.command("team join Ops", team=team, user=user).json()["text"]
        channels.save_channel(ctx, team, channel[team], "09:00", "Europe/Berlin", "mon-fri", "8h")

    fake_slack.reset()
    clock.now = clock.now.replace(hour=8, minute=5)
    assert len(posting.post_due(ctx)) == 2
    posts = {c.params["channel"]: c for c in fake_slack.of("chat.postMessage") if "Daily quiz" in c.params["text"]}
    assert {ch: call.team for ch, call in posts.items()} == {"C1": "T1", "C2": "T2"}
    with ctx.sessions() as session:
        quiz_posts = {p.channel_id: p for p in session.scalars(select(QuizPost))}

    # Everyone answers option 0 in their own workspace's channel.
    for team, users in people.items():
        post = quiz_posts[channel[team]]
        for user in users:
            before = len(fake_slack.of("response_url"))
            payload = answer_click(
                posts[channel[team]].params["blocks"],
                user=user,
                team=team,
                channel=post.channel_id,
                message_ts=post.message_ts,
                response_url=fake_slack.response_url(f"{team}{user}"),
            )
            assert slack.block_action(payload).status == 200
            fake_slack.wait_for("response_url", before + 1)
    with ctx.sessions() as session:
        scored = {(a.workspace_id, a.user_id) for a in session.scalars(select(Answer))}
    assert scored == {("T1", "U1"), ("T1", "U2"), ("T2", "U7"), ("T2", "U8")}
    clock.advance(hours=9)
    assert reveals.close_due(ctx) == 2
    updates = {c.params["channel"]: c.team for c in fake_slack.of("chat.update")}
    assert updates == {"C1": "T1", "C2": "T2"}

    for team, mine in people.items():
        theirs = [u for u in ("U1", "U2", "U7", "U8") if u not in mine]
        fake_slack.reset()
        slack.command("leaderboard all", team=team, user=mine[0], response_url=fake_slack.response_url(f"lb{team}"))
        slack.command(
            "leaderboard all teams", team=team, user=mine[0], response_url=fake_slack.response_url(f"t{team}")
        )
        boards = {c.path.rsplit("/", 1)[1]: json.dumps(c.params) for c in fake_slack.wait_for("response_url", 2)}
        lookups = fake_slack.of("users.info")
        assert {c.params["user"] for c in lookups} <= set(mine) and {c.team for c in lookups} <= {team}
        assert all(u not in board for u in theirs for board in boards.values())
        assert "Ops" in boards[f"t{team}"] and "2 member" in json.dumps(slack.command("team list", team=team).json())

        stats = slack.command("stats", team=team, user=mine[0]).json()
        assert "#1 of 2" in json.dumps(stats) or "#2 of 2" in json.dumps(stats)  # two people here, not four

        slack.event({"type": "app_home_opened", "user": mine[0], "tab": "home"}, event_id=f"Ev{team}", team=team)
        [publish] = fake_slack.wait_for("views.publish")
        assert publish.team == team and " of 2" in json.dumps(publish.params["view"])

        rows = list(csv.DictReader(io.StringIO(export.export_csv(ctx, None, team))))
        assert sorted(r["user_id"] for r in rows) == mine


def test_expiring_token_is_rotated_before_use(installable, fake_slack, ctx):
    fake_slack.token_lifetime = 43200
    done = installable.install(fake_slack, "T3", refresh_token="xoxe-1-T3-refresh", expires_in=600)
    assert done.status == 200
    fake_slack.reset()
    installable.slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"}, event_id="EvR", team="T3")
    [publish] = fake_slack.wait_for("views.publish")
    [rotation] = fake_slack.of("oauth.v2.access")
    assert rotation.params["grant_type"] == "refresh_token"
    assert publish.team == "T3" and publish.fault is None  # the old token would still work for 10 minutes
    with ctx.sessions() as session:
        token = session.execute(text("SELECT bot_token FROM slack_bots WHERE team_id = 'T3'")).scalar_one()
    assert token.endswith("-rotated")

    fake_slack.reset()
    installable.slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"}, event_id="EvR2", team="T3")
    fake_slack.wait_for("views.publish")
    assert fake_slack.of("oauth.v2.access") == []  # a fresh 12-hour token is used as it is


def test_uninstall_deletes_the_tokens_at_once_and_keeps_the_other_workspace(installable, fake_slack, ctx, clock):
    for team, channel in (("T1", "C1"), ("T2", "C2")):
        installable.install(fake_slack, team)
        channels.save_channel(ctx, team, channel, "09:00", "Europe/Berlin", "mon-fri", "8h")
    clock.now = clock.now.replace(hour=8, minute=5)
    assert all("posted" in line for line in posting.post_due(ctx))

    body = {"type": "app_uninstalled"}
    assert installable.slack.event(body, event_id="EvU", team="T2").status == 200
    with ctx.sessions() as session:
        teams = session.execute(text("SELECT team_id FROM slack_bots UNION SELECT team_id FROM slack_installations"))
        assert {row[0] for row in teams} == {"T1"}
        assert session.get(Workspace, "T2").uninstalled_at == clock.now
    refused = installable.slack.command("help", team="T2")
    assert refused.status == 200 and "isn't installed in this workspace" in refused.json()["text"]
    assert installable.slack.command("help", team="T1").json()["text"]

    # Closing time: T2's post cannot be revealed any more, and must not hold up T1's.
    fake_slack.reset()
    clock.advance(hours=9)
    assert reveals.close_due(ctx) == 2
    assert [(c.params["channel"], c.team) for c in fake_slack.of("chat.update")] == [("C1", "T1")]
    assert reveals.close_due(ctx) == 0 and len(fake_slack.of("chat.update")) == 1  # given up, not retried

    clock.advance(days=1)
    report = dict(line.split(": ", 1) for line in posting.post_due(ctx))
    assert report["C1"].startswith("posted") and "not_installed" in report["C2"]  # never a traceback
    assert "not_installed" in channels.list_channels(ctx, "C2")[0].last_error  # and said in `channels list`

    installable.install(fake_slack, "T2")  # coming back clears the uninstall: the purge leaves it alone
    with ctx.sessions() as session:
        assert session.get(Workspace, "T2").uninstalled_at is None


def test_revoked_bot_token_is_deleted(installable, fake_slack, ctx):
    installable.install(fake_slack, "T1")
    event = {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}
    assert installable.slack.event(event, event_id="EvT", team="T1").status == 200
    with ctx.sessions() as session:
        assert session.execute(text("SELECT count(*) FROM slack_bots")).scalar() == 0
    assert "install" in installable.slack.command("help", team="T1").body.lower()


def test_shared_channel_gets_one_quiz_a_day_and_each_person_is_scored_once(installable, fake_slack, ctx, clock):
    """A Slack Connect channel C9 shared by T1 and T2: one schedule and one post (the workspace that scheduled it
    first runs it); a person from T2 who answers is scored once, on T1's boards."""
    for team in ("T1", "T2"):
        installable.install(fake_slack, team)
    channels.save_channel(ctx, "T1", "C9", "09:00", "Europe/Berlin", "mon-fri", "8h")
    channels.save_channel(ctx, "T2", "C9", "09:30", "Europe/Berlin", "mon-fri", "8h")
    [schedule] = channels.list_channels(ctx, "C9")
    assert (schedule.workspace_id, schedule.post_time) == ("T1", "09:30")

    clock.now = clock.now.replace(hour=8, minute=45)
    posting.post_due(ctx)
    posting.post_due(ctx)
    [post_call] = [c for c in fake_slack.of("chat.postMessage") if "Daily quiz" in c.params["text"]]
    assert post_call.team == "T1"
    with ctx.sessions() as session:
        post = session.scalars(select(QuizPost)).one()
    for attempt in range(2):  # the T2 person clicks twice
        payload = answer_click(
            post_call.params["blocks"],
            user="U7",
            team="T2",
            channel="C9",
            message_ts=post.message_ts,
            response_url=fake_slack.response_url(f"u7-{attempt}"),
        )
        assert installable.slack.block_action(payload).status == 200
        fake_slack.wait_for("response_url", attempt + 1)
    with ctx.sessions() as session:
        assert [(a.workspace_id, a.user_id) for a in session.scalars(select(Answer))] == [("T1", "U7")]
    assert "already" in fake_slack.of("response_url")[1].params["text"]


def test_org_wide_install_serves_every_workspace_of_the_org(installable, fake_slack, ctx, clock):
    """An Enterprise Grid admin installs once for the whole org (no workspace in the grant). A workspace of that org
    the app has never seen is answered with the org's token, remembered as part of the org, and gets its daily
    quiz from the scheduler (work no request starts); a workspace outside the org is still not installed."""
    done = installable.install(fake_slack, "T0", team_id=None, enterprise_id="E1", is_enterprise_install=True)
    assert done.status == 200 and "Thank you" in done.body
    with ctx.sessions() as session:
        assert session.execute(text("SELECT enterprise_id, is_enterprise_install FROM slack_bots")).one() == ("E1", 1)
        assert session.scalars(select(Workspace)).all() == []  # an org-wide install names no workspace

    reply = installable.slack.command("stats", team="T5", user="U5", enterprise="E1")
    assert reply.status == 200 and "install" not in reply.json()["text"].lower()
    with ctx.sessions() as session:
        assert session.get(Workspace, "T5").enterprise_id == "E1"

    channels.save_channel(ctx, "T5", "C5", "09:00", "UTC", "daily", "8h")
    clock.now = clock.now.replace(hour=9, minute=5)
    fake_slack.reset()
    assert "posted" in posting.post_due(ctx)[0]
    [quiz] = fake_slack.of("chat.postMessage")
    assert (quiz.params["channel"], quiz.team) == ("C5", "E1")  # posted with the org's token

    outsider = installable.slack.command("stats", team="T8", user="U8", enterprise="E2")
    assert outsider.status == 200 and "install" in outsider.body.lower()
