"""The typo check shares one model pass between threads: reviews run concurrently equal reviews run one by one."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from review.document import Document
from review.model import Post
from review.pipeline import Reviewer, ReviewOptions

SENTENCES = [
    "国务院印发健康中国桂花纲要。",  # a whole-word edit (桂花 → 规划)
    "我们要认真的学习党的二十大精神。",  # the group pass (的 → 地)
    "各地要认真落时防汛责任，确保安全渡汛。",
    "我们要再接再励，把工作做得更好。",
    "鼓励企业制定严于强制性国家标准的企业标准。",
    "会议要求，各级党委和政府要坚持以人民为中心的发展思想，推动高质量发展。",
    "今年以来，全省共办理政务服务事项一百二十万件，群众满意度持续提升。",
    "他来自北京市，在基层工作了十年，对农村工作很熟系。",
    "要加快建设现代化产业体系，推进新型工业化，加快建设制造强国、质量强国。",
    "企业要做好直供安置工作，切实保障职工合法权益。",
    "市场监管部门依法查处了一批违法违规行为，有力维护了市场秩序。",
    "本周六上午开展延时服务，工作一经启动就见效。",
    "美美说应为学校没有冷气，所以今天教室里面热得不得了。",  # the reranker hesitates: the transformer reads it
    "定期开斩具有全国代表信的人群营养建康状况、食物消费状况监测，收急人群食物消费量、营养素摄入量等信息。",
]


def _posts() -> list[dict]:
    """A few dozen posts of one to five sentences, each sentence in several contexts."""
    posts = []
    for i in range(36):
        count = 1 + i % 5
        text = "".join(SENTENCES[(i * 7 + k * 5) % len(SENTENCES)] for k in range(count))
        posts.append({"id": str(i), "text": text})
    return posts


def _comparable(report: dict) -> dict:
    report = dict(report)
    report["meta"] = {k: v for k, v in report.get("meta", {}).items() if k != "elapsed_ms"}
    return report


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    found = Reviewer(checks=["typo"])
    if found.instance("typo").model_pass is None:
        pytest.skip("no shipped typo model")
    return found


def test_the_posts_reach_every_path_of_the_model(reviewer):
    """The word corrector, the group pass and the transformer's hesitant reading all answer some post."""
    model_pass = reviewer.instance("typo").model_pass
    options = ReviewOptions.make(enable=["typo"])
    suggestions, read = set(), 0
    for post in _posts():
        edits, reads = model_pass.edits_and_reads(Document.build(Post.from_dict(post), "text", options))
        suggestions |= {e.suggestion for e in edits}
        read += reads
    assert {"规划", "地"} <= suggestions and read > 0


def test_reviews_in_threads_equal_reviews_one_by_one(reviewer):
    posts = _posts()
    alone = [_comparable(reviewer.review_dict(post)) for post in posts]
    assert any(f["rule"] == "typo.model" for report in alone for f in report["findings"])
    for _ in range(2):
        with ThreadPoolExecutor(max_workers=4) as pool:
            together = [_comparable(r) for r in pool.map(reviewer.review_dict, posts * 2)]
        assert together == alone * 2
