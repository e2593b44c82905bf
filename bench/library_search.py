"""Benchmark: full-text search of the library over 20,000 generated Chinese handouts.

Documents are handout-sized: 1,500 to 9,000 characters of extracted text (median about 4,000) in sentences
and paragraphs drawn from a Zipf vocabulary of discipline-inspection terms and generated words; the title
and summary come from the same vocabulary. 200 mixed queries (domain terms, frequent words, two-word queries,
rare words) run as a county trainee, so the scope condition is part of every query, and each one returns
the first page of 20 and the total number of matches, as the search page needs them.

- Ours: `peixun.library.search.search` (compressed bigram index, rarest-first intersection, scope checked
  by the database among the candidates, total counted among the visible ones).
- Baseline: `naive_search`, what a straightforward implementation does: `icontains` over title, summary and
  text within the same scope, newest first, first page plus `count()`. It takes seconds per query on long
  texts, so it runs on every BENCH_LIBRARY_BASELINE_EVERY-th query (default 5: 40 queries, every kind); the
  ratio compares the p95 of both on exactly those queries.

The index is built with `peixun.library.index.rebuild_all`, the code of `manage.py library_reindex`.
SQLite in a temporary directory by default; BENCH_LIBRARY_DATABASE_URL=postgres://.../name runs on
PostgreSQL (the database is dropped and created). BENCH_LIBRARY_DOCS changes the count.
Run: .venv/bin/python bench/library_search.py
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
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
    from _common import _fresh_postgres

    if not _fresh_postgres(os.environ["BENCH_LIBRARY_DATABASE_URL"]):
        raise SystemExit("PostgreSQL does not answer at BENCH_LIBRARY_DATABASE_URL")
    os.environ["DATABASE_URL"] = os.environ["BENCH_LIBRARY_DATABASE_URL"]
else:
    os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

DOCS = int(os.environ.get("BENCH_LIBRARY_DOCS", "20000"))
BASELINE_EVERY = int(os.environ.get("BENCH_LIBRARY_BASELINE_EVERY", "5"))
QUERIES = 200
PAGE = 20
TARGET_MS = 100.0
TARGET_RATIO = 10.0
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
CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定"
    "行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其"
    "些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建"
    "月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接"
    "知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处府研"
)  # fmt: skip
TITLE_PREFIX = ("关于", "学习", "解读", "专题辅导：", "案例剖析：", "")


def vocabulary(rng: np.random.Generator) -> list[str]:
    """Generated two- and three-character words, with the domain words among the first few hundred ranks."""
    chars = list(CHARS)
    made = {"".join(rng.choice(chars, size=int(rng.choice([2, 2, 3])))) for _ in range(6000)}
    tail = sorted(made - set(WORDS))
    rng.shuffle(tail)
    for word in WORDS:
        tail.insert(int(rng.integers(0, 400)), word)
    return tail


def zipf(rng: np.random.Generator, vocab_size: int, n: int) -> np.ndarray:
    return np.minimum((rng.pareto(1.0, n) * 30).astype(np.int64), vocab_size - 1)


def handout(rng: np.random.Generator, vocab: list[str]) -> str:
    """Paragraphs of sentences of clauses, as extracted from a real handout (length lognormal, ~4,000)."""
    length = int(np.clip(rng.lognormal(np.log(4000), 0.45), 1500, 9000))
    picks = iter(zipf(rng, len(vocab), length))
    out: list[str] = []
    size = 0
    while size < length:
        sentence = "，".join(
            "".join(vocab[next(picks, 0)] for _ in range(int(rng.integers(2, 6)))) for _ in range(rng.integers(1, 5))
        )
        out.append(sentence + ("。\n" if rng.random() < 0.2 else "。"))
        size += len(out[-1])
    return "".join(out)


def build(rng: np.random.Generator, vocab: list[str]) -> tuple[float, float, int]:
    from conftest import make_office, make_tree
    from peixun.library.index import rebuild_all
    from peixun.library.models import FileKind, Handout, HandoutFile, Resource, Scope
    from peixun.training.tests.factories import ClassFactory, LectureFactory

    call_command("migrate", verbosity=0)
    tree = make_tree()
    office = make_office()
    lecture = LectureFactory(training_class=ClassFactory(office=office))
    handout_row = Handout.objects.create(lecture=lecture, title="基准讲义")
    file = HandoutFile.objects.create(
        handout=handout_row, version=1, kind=FileKind.PDF, stored_path="library/bench.pdf", original_name="b.pdf",
        size=1, sha256="0",
    )  # fmt: skip
    now = timezone.now()
    scopes = [Scope.ALL, Scope.PROVINCIAL, Scope.UNITS, Scope.CLASS]
    chosen = [tree.city_b, tree.county_a1, tree.province]
    through = Resource.units.through
    chars = 0
    started = time.perf_counter()
    for start in range(0, DOCS, 1000):
        batch = []
        for i in range(start, min(DOCS, start + 1000)):
            text = handout(rng, vocab)
            chars += len(text)
            title = rng.choice(TITLE_PREFIX) + "".join(vocab[j] for j in zipf(rng, len(vocab), rng.integers(2, 5)))
            batch.append(Resource(
                handout=handout_row, file=file, title=title[:200], summary=text[:150], text=text,
                scope=scopes[int(rng.choice(4, p=[0.7, 0.1, 0.1, 0.1]))], status="published",
                published_at=now - timezone.timedelta(minutes=i), office=office,
                training_class=lecture.training_class, lecture=lecture,
                category=str(rng.choice(["纪律审查", "监察调查", "案件审理"])),
            ))  # fmt: skip
        with transaction.atomic():
            Resource.objects.bulk_create(batch, batch_size=500)
            through.objects.bulk_create(
                [
                    through(resource_id=r.pk, unit_id=chosen[int(rng.integers(0, 3))].pk)
                    for r in batch
                    if r.scope == Scope.UNITS
                ]
            )
    generated = time.perf_counter() - started
    started = time.perf_counter()
    blocks = rebuild_all()
    indexed = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"# {DOCS} documents, {chars / DOCS:,.0f} characters of text on average; {blocks:,} index blocks")
    return generated, indexed, chars


def queries(rng: np.random.Generator, vocab: list[str]) -> list[str]:
    out = []
    for i in range(QUERIES):
        kind = i % 4
        if kind == 0:
            out.append(str(rng.choice(WORDS)))  # a domain term
        elif kind == 1:
            out.append(vocab[int(zipf(rng, len(vocab), 1)[0])])  # a frequent word
        elif kind == 2:
            out.append(f"{rng.choice(WORDS)} {rng.choice(WORDS)}")  # two terms
        else:
            out.append(vocab[int(rng.integers(1000, len(vocab)))])  # a rare word
    return out


CPU: list[float] = []


def timed(func, items: list[str]) -> tuple[list[float], list[int]]:  # type: ignore[no-untyped-def]
    times, totals = [], []
    CPU.clear()
    for q in items:
        start, cpu = time.perf_counter(), time.process_time()
        result = func(q)
        times.append((time.perf_counter() - start) * 1000)
        CPU.append((time.process_time() - cpu) * 1000)
        totals.append(result.total)
    return times, totals


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    from peixun.accounts.models import User
    from peixun.library.search import naive_search, search
    from peixun.org.models import Unit
    from peixun.org.tests.factories import cadre_user

    rng = np.random.default_rng(2026)
    vocab = vocabulary(np.random.default_rng(7))
    generated, indexed, _ = build(rng, vocab)
    trainee = User.objects.get(pk=cadre_user(unit=Unit.objects.get(code="A1"), name="基准学员").pk)
    items = queries(rng, vocab)
    search(actor=trainee, query=items[0])  # warm the connection and the actor's grants
    ours, our_totals = timed(lambda q: search(actor=trainee, query=q, limit=PAGE), items)
    ours_cpu = list(CPU)
    sample = list(range(0, QUERIES, BASELINE_EVERY))
    naive, naive_totals = timed(lambda q: naive_search(actor=trainee, query=q, limit=PAGE), [items[i] for i in sample])
    ours_on_sample = [ours[i] for i in sample]
    # The index matches every bigram of the query, icontains the exact string: totals may differ a little.
    agree = sum(1 for i, n in zip(sample, naive_totals, strict=True) if our_totals[i] >= n)
    found = sum(1 for t in our_totals if t)
    ours_p95, base_p95, ours_sample_p95 = p95(ours), p95(naive), p95(ours_on_sample)
    ratio = base_p95 / ours_sample_p95
    load = os.getloadavg()[0]
    print(
        f"# {connection.vendor}; generated in {generated:.0f} s, indexed in {indexed:.0f} s; "
        f"{found}/{QUERIES} queries found results; on the {len(sample)} baseline queries our total covered the "
        f"baseline's in {agree}; median totals ours {statistics.median(our_totals):.0f}; load average {load:.1f}"
    )
    print(
        f"library search p95 latency: {ours_p95:.1f} ms (target < {TARGET_MS:.0f} ms; baseline {base_p95:.1f} ms, "
        f"ratio {base_p95 / ours_p95:.1f}x)"
    )
    print(
        f"library search speed-up over icontains (same {len(sample)} queries): {ratio:.1f}x (target >= "
        f"{TARGET_RATIO:.0f}x; baseline {base_p95:.1f} ms, ratio {ratio:.1f}x)"
    )
    if connection.vendor == "sqlite":  # in-process database: CPU time is the latency on an idle machine
        print(
            f"library search p95 CPU time: {p95(ours_cpu):.1f} ms (target < {TARGET_MS:.0f} ms; baseline "
            f"{p95(CPU):.1f} ms, ratio {p95(CPU) / p95([ours_cpu[i] for i in sample]):.1f}x)"
        )
    ours_median, base_median = statistics.median(ours), statistics.median(naive)
    print(
        f"library search median latency: {ours_median:.1f} ms (target -; baseline {base_median:.1f} ms, "
        f"ratio {base_median / ours_median:.1f}x)"
    )


if __name__ == "__main__":
    main()
