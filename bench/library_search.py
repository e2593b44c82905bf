"""Benchmark: full-text search of the library over 20,000 generated Chinese documents.

200 mixed queries (frequent and rare words, two-word queries, title words) run as a county trainee, so the
scope condition is part of every query; p95 latency of the inverted index (peixun.library.search.search)
beside the naive icontains baseline (naive_search) in the same run. A temporary SQLite database by default;
BENCH_LIBRARY_DATABASE_URL=postgres://... runs it on PostgreSQL. BENCH_LIBRARY_DOCS changes the count.
Run: .venv/bin/python bench/library_search.py
"""

from __future__ import annotations

import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_tmp = tempfile.TemporaryDirectory(prefix="peixun-bench-library-")
os.environ.update(
    {
        "PEIXUN_VAR_DIR": _tmp.name,
        "PEIXUN_HTTPS": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PEIXUN_LOG_LEVEL": "ERROR",
    }
)
os.environ.pop("REDIS_URL", None)
if os.environ.get("BENCH_LIBRARY_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["BENCH_LIBRARY_DATABASE_URL"]
else:
    os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

DOCS = int(os.environ.get("BENCH_LIBRARY_DOCS", "20000"))
QUERIES = 200
TARGET_MS = 100.0
TARGET_RATIO = 10.0
# Domain words, plus generated two-character words for a long Zipf tail.
WORDS = [
    "监督执纪",
    "执纪问责",
    "纪律审查",
    "监察调查",
    "案件审理",
    "信访举报",
    "巡视巡察",
    "派驻监督",
    "廉政教育",
    "作风建设",
    "中央八项规定",
    "四风问题",
    "形式主义",
    "官僚主义",
    "违规吃喝",
    "违规收送礼品",
    "党风廉政",
    "全面从严治党",
    "政治监督",
    "日常监督",
    "专项检查",
    "谈话函询",
    "初步核实",
    "立案审查",
    "留置措施",
    "证据收集",
    "审理报告",
    "处分决定",
    "申诉复查",
    "问题线索",
    "线索处置",
    "以案促改",
    "警示教育",
    "政治生态",
    "监察法",
    "监察官法",
    "政务处分",
    "纪律处分条例",
    "问责条例",
    "监督执纪工作规则",
    "监察法实施条例",
    "干部队伍",
    "教育培训",
    "业务能力",
    "履职尽责",
    "基层监督",
    "小微权力",
    "群众身边",
    "不正之风",
    "腐败问题",
    "受贿行贿",
    "利益输送",
    "权力运行",
    "制约监督",
    "内控机制",
    "廉洁风险",
    "防控体系",
    "责任追究",
    "整改落实",
    "督促检查",
    "协作配合",
    "信息化建设",
]
CHARS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"  # noqa: E501
TITLE_PREFIX = ("关于", "学习", "解读", "专题辅导：", "案例剖析：", "")


def vocabulary(rng: random.Random) -> list[str]:
    """Generated two-character words, with the domain words placed among the first few hundred ranks."""
    tail = sorted({rng.choice(CHARS) + rng.choice(CHARS) for _ in range(4000)} - set(WORDS))
    rng.shuffle(tail)
    for word in WORDS:
        tail.insert(rng.randint(0, 400), word)
    return tail


def zipf_pick(rng: random.Random, vocab: list[str]) -> str:
    return vocab[min(int((rng.paretovariate(1.0) - 1) * 30), len(vocab) - 1)]


def build(rng: random.Random) -> None:
    from conftest import make_office, make_tree
    from peixun.library.models import FileKind, Handout, HandoutFile, Posting, Resource, Scope
    from peixun.library.search import postings_for
    from peixun.training.tests.factories import ClassFactory, LectureFactory

    call_command("migrate", verbosity=0)
    tree = make_tree()
    office = make_office()
    lecture = LectureFactory(training_class=ClassFactory(office=office))
    handout = Handout.objects.create(lecture=lecture, title="基准讲义")
    file = HandoutFile.objects.create(
        handout=handout, version=1, kind=FileKind.PDF, stored_path="library/bench.pdf", original_name="b.pdf",
        size=1, sha256="0",
    )  # fmt: skip
    vocab = vocabulary(random.Random(7))
    now = timezone.now()
    resources = []
    for i in range(DOCS):
        scope = rng.choices([Scope.ALL, Scope.PROVINCIAL, Scope.UNITS, Scope.CLASS], [70, 10, 10, 10])[0]
        title = rng.choice(TITLE_PREFIX) + "".join(zipf_pick(rng, vocab) for _ in range(rng.randint(2, 4)))
        text = "，".join("".join(zipf_pick(rng, vocab) for _ in range(rng.randint(2, 6))) for _ in range(25))
        resources.append(Resource(
            handout=handout, file=file, title=title[:200], summary=text[:60], text=text, scope=scope,
            status="published", published_at=now - timezone.timedelta(minutes=i), office=office,
            training_class=lecture.training_class, lecture=lecture,
            category=rng.choice(["纪律审查", "监察调查", "案件审理"]),
        ))  # fmt: skip
    with transaction.atomic():
        Resource.objects.bulk_create(resources, batch_size=2000)
        chosen = [tree.city_b, tree.county_a1, tree.province]
        through = Resource.units.through
        units_rows = [
            through(resource_id=r.pk, unit_id=rng.choice(chosen).pk) for r in resources if r.scope == Scope.UNITS
        ]
        through.objects.bulk_create(units_rows, batch_size=5000)
        table = Posting._meta.db_table
        with connection.cursor() as cur:
            for start in range(0, len(resources), 500):
                rows = [
                    (p.term, p.resource_id, p.score)
                    for r in resources[start : start + 500]
                    for p in postings_for(r, tag_names=[])
                ]
                cur.executemany(
                    f"INSERT INTO {table} (term, resource_id, score) VALUES (%s, %s, %s)",
                    rows,
                )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


def queries(rng: random.Random) -> list[str]:
    vocab = vocabulary(random.Random(7))
    out = []
    for i in range(QUERIES):
        kind = i % 4
        if kind == 0:
            out.append(rng.choice(WORDS))  # a domain word
        elif kind == 1:
            out.append(zipf_pick(rng, vocab))  # a frequent word
        elif kind == 2:
            out.append(f"{rng.choice(WORDS)} {rng.choice(WORDS)}")  # two words
        else:
            out.append(rng.choice(vocab[1000:]))  # a rare word
    return out


def timed(func, items: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for q in items:
        start = time.perf_counter()
        func(q)
        times.append((time.perf_counter() - start) * 1000)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    from peixun.accounts.models import User
    from peixun.library.search import naive_search, search
    from peixun.org.tests.factories import cadre_user

    rng = random.Random(2026)
    started = time.perf_counter()
    build(rng)
    built = time.perf_counter() - started
    from peixun.org.models import Unit

    trainee = cadre_user(unit=Unit.objects.get(code="A1"), name="基准学员")
    trainee = User.objects.get(pk=trainee.pk)
    items = queries(rng)
    search(actor=trainee, query=items[0])  # warm the connection and the actor's grants
    indexed = timed(lambda q: search(actor=trainee, query=q, limit=20), items)
    naive = timed(lambda q: list(naive_search(actor=trainee, query=q, limit=20)), items)
    hits = sum(1 for q in items[:20] if search(actor=trainee, query=q, limit=20))
    ours, base = p95(indexed), p95(naive)
    print(f"# {DOCS} documents on {connection.vendor}, built in {built:.0f} s; {hits}/20 sample queries found results")
    print(
        f"library search p95 latency: {ours:.1f} ms (target < {TARGET_MS:.0f} ms; baseline {base:.1f} ms, "
        f"ratio {base / ours:.1f}x)"
    )
    print(
        f"library search speed-up over icontains: {base / ours:.1f}x (target >= {TARGET_RATIO:.0f}x; "
        f"baseline {base:.1f} ms, ratio {base / ours:.1f}x)"
    )


if __name__ == "__main__":
    main()
