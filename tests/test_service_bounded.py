"""One request's cost and answer stay bounded (issue 19): hostile texts cost a small multiple of a normal post of
the same length, long reviews stop at the deadline with a 200, and repeated findings do not blow up the answer.

Costs are compared with a normal post sent in the same run, never with absolute times.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from review.model import MAX_TEXT_CHARS
from service.app import create_app
from service.config import ServiceConfig

NORMAL_POST = Path(__file__).resolve().parent / "fixtures" / "normal_post.txt"


def normal_text(length: int) -> str:
    """Plain government writing repeated to `length` characters."""
    text = NORMAL_POST.read_text(encoding="utf-8")
    return (text * (length // len(text) + 1))[:length]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The app in-process (its CPU time is this process's)."""
    db = tmp_path_factory.mktemp("bounded") / "settings.sqlite3"
    with TestClient(create_app(ServiceConfig(db_path=str(db))), raise_server_exceptions=False) as test_client:
        yield test_client


def cpu_of(action) -> tuple[float, object]:
    """CPU seconds of one call, and its result."""
    began = time.process_time()
    result = action()
    return time.process_time() - began, result


@pytest.mark.parametrize(
    "path, field",
    [("/v1/review", "json"), ("/v2/check", "data")],
)
def test_a_hostile_request_costs_a_small_multiple_of_a_normal_one(client, path, field):
    def send(text: str):
        if field == "json":
            return client.post(path, json={"text": text})
        return client.post(path, data={"text": text, "language": "zh-CN"})

    normal, answer = cpu_of(lambda: send(normal_text(MAX_TEXT_CHARS)))
    assert answer.status_code == 200
    hostile, answer = cpu_of(lambda: send("的" * MAX_TEXT_CHARS))
    assert answer.status_code == 200, answer.text
    # 的 × 20,000 took 38 s (/v1/review) and 51 s (/v2/check) before the bounds, ~200 normal posts
    assert hostile <= 25 * normal, f"{path}: {hostile:.2f} s against {normal:.2f} s for a normal post"


def test_a_run_of_emoji_is_one_finding_and_a_small_answer(client):
    text = "😀" * MAX_TEXT_CHARS
    answer = client.post("/v1/review", json={"text": text})
    assert answer.status_code == 200
    report = answer.json()
    emoji = [f for f in report["findings"] if f["rule"] == "entertainment.emoji"]
    assert len(emoji) == 1 and (emoji[0]["start"], emoji[0]["end"]) == (0, MAX_TEXT_CHARS)
    # was 20,001 findings and 5.7 MB; now the answer is the span's text once plus a few findings
    assert len(answer.content) < 3 * len(text.encode("utf-8"))


def test_a_batch_of_emoji_posts_answers_in_proportion_to_what_it_sent(client):
    posts = [{"id": str(i), "text": "😀🎉" * 500 + "好" * i} for i in range(40)]
    body = json.dumps({"posts": posts}).encode()
    answer = client.post("/v1/review/batch", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 200
    reports = answer.json()["reports"]
    assert len(reports) == 40
    assert all(len(r["findings"]) <= 200 for r in reports)
    # 60 such posts (4.8 MB) once came back as 353 MB
    assert len(answer.content) < 5 * len(body)


def test_distinct_findings_past_the_cap_are_counted_not_listed(client):
    text = "。".join(f"第{i}条：各地要再接再励" for i in range(400)) + "。"
    report = client.post("/v1/review", json={"text": text}).json()
    assert len(report["findings"]) == 200
    assert report["meta"]["findings_left_out"] == report["meta"]["findings_total"] - 200 > 0


def test_a_review_past_its_deadline_answers_200_and_says_what_did_not_finish(tmp_path):
    config = ServiceConfig(db_path=str(tmp_path / "s.sqlite3"), review_deadline_s=1e-9)
    with TestClient(create_app(config)) as hurried:
        answer = hurried.post("/v1/review", json={"text": "各地要再接再励，认真贯彻落实。"})
        assert answer.status_code == 200
        report = answer.json()
        # the fast checks always run; the slow one is marked, and a post not fully read is not passed
        assert report["meta"]["incomplete"] == ["typo"]
        assert report["verdict"] == "revise"
        gambling = hurried.post("/v1/review", json={"text": "网上赌博开户首充返水。"}).json()
        assert gambling["verdict"] == "reject" and gambling["meta"]["incomplete"] == ["typo"]
        batch = hurried.post("/v1/review/batch", json={"posts": [{"text": "各地要再接再励。"}]}).json()
        assert batch["reports"][0]["meta"]["incomplete"] == ["typo"]
        check = hurried.post("/v2/check", data={"text": "各地要再接再励。", "language": "zh-CN"})
        assert check.status_code == 200 and check.json()["review"]["incomplete"] == ["typo"]
        # LanguageTool clients read their own flag
        assert check.json()["warnings"]["incompleteResults"] is True


def test_a_batch_shares_one_deadline(tmp_path):
    config = ServiceConfig(db_path=str(tmp_path / "s.sqlite3"), batch_deadline_s=1e-9)
    with TestClient(create_app(config)) as hurried:
        posts = [{"text": normal_text(400)} for _ in range(3)]
        reports = hurried.post("/v1/review/batch", json={"posts": posts}).json()["reports"]
        assert [r["meta"]["incomplete"] for r in reports] == [["typo"]] * 3


def test_a_normal_review_finishes_within_the_default_deadline(client):
    report = client.post("/v1/review", json={"text": normal_text(2000)}).json()
    assert "incomplete" not in report["meta"]
    assert ServiceConfig.from_env({}).review_deadline_s > 0
    assert ServiceConfig.from_env({"REVIEW_DEADLINE_S": "0"}).review_deadline_s == 0
    assert ServiceConfig.from_env({"REVIEW_BATCH_DEADLINE_S": "30"}).batch_deadline_s == 30
    check = client.post("/v2/check", data={"text": normal_text(500), "language": "zh-CN"}).json()
    assert check["warnings"]["incompleteResults"] is False


def test_a_languagetool_answer_grows_with_its_matches_not_with_the_text_times_the_matches(client):
    # one sentence (no full stop) of the whole allowed length, with a lexicon typo every five characters
    text = ("再接再励、" * MAX_TEXT_CHARS)[:MAX_TEXT_CHARS]
    answer = client.post("/v2/check", data={"text": text, "language": "zh-CN"})
    assert answer.status_code == 200
    matches = answer.json()["matches"]
    assert matches
    # each match's `sentence` was the whole text (no full stop in it): 2.9 MB; now at most 200 characters a side
    assert all(len(m["sentence"]) <= 400 + len(m["context"]["text"]) for m in matches)
    # a few KB a match (its sentence clipped), however long the text: not the text's size times the matches
    assert len(answer.content) < 4096 * len(matches) < len(text.encode("utf-8")) * len(matches) / 10
