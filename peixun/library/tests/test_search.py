from __future__ import annotations

import random
from io import StringIO

from django.core.management import call_command

from peixun.library import index
from peixun.library.models import Resource, Scope, TermBlock
from peixun.library.search import highlight, naive_search, search
from peixun.library.services import resource_save
from peixun.library.tasks import resource_reindex
from peixun.library.terms import terms
from peixun.library.tests.factories import published
from peixun.library.tests.samples import docx_bytes, pdf_bytes, pptx_bytes


def ids(result) -> list[int]:  # type: ignore[no-untyped-def]
    return [r.pk for r in result.items]


def test_terms_are_cjk_bigrams_and_ascii_words():
    assert terms("监督执纪 PDF2") == ["监督", "督执", "执纪", "pdf2"]
    assert terms("纪") == ["纪"]


def test_search_finds_words_inside_a_docx_and_ranks_title_matches_first(org_admin, lecture, trainee_a1):
    body_hit = published(
        org_admin,
        lecture,
        title="第三讲讲义",
        name="第三讲.docx",
        data=docx_bytes("本讲围绕", "强化监督执纪问责，监督执纪必须严格"),
    )
    title_hit = published(org_admin, lecture, title="监督执纪工作规则解读", data=pdf_bytes("规则条文"))
    published(org_admin, lecture, title="巡视工作", data=pdf_bytes("巡视巡察"))
    found = search(actor=trainee_a1, query="监督执纪")
    assert ids(found) == [title_hit.pk, body_hit.pk]
    assert found.total == 2


def test_search_reads_pdf_and_pptx_text(org_admin, lecture, trainee_a1):
    pdf = published(org_admin, lecture, title="甲", data=pdf_bytes("第一页", "案件审理程序规定"))
    pptx = published(org_admin, lecture, title="乙", name="x.pptx", data=pptx_bytes("封面", "信访举报分类处置"))
    assert ids(search(actor=trainee_a1, query="案件审理")) == [pdf.pk]
    assert ids(search(actor=trainee_a1, query="信访举报")) == [pptx.pk]


def test_a_county_trainee_never_finds_or_counts_a_province_only_resource(org_admin, lecture, trainee_a1, teacher):
    hidden = published(org_admin, lecture, title="省直机关监督执纪专题", scope=Scope.PROVINCIAL)
    assert "执纪" in index.unpack_terms(Resource.objects.get(pk=hidden.pk).index_terms)
    found = search(actor=trainee_a1, query="监督执纪")
    assert found.total == 0 and found.items == []
    assert ids(search(actor=teacher, query="监督执纪")) == [hidden.pk]


def test_editing_a_resource_reindexes_only_what_changed_and_drops_the_old_words(org_admin, lecture, trainee_a1):
    resource = published(org_admin, lecture, title="巡视巡察工作要点", data=pdf_bytes("正文"))
    assert ids(search(actor=trainee_a1, query="巡视巡察")) == [resource.pk]
    resource_save(actor=org_admin, file=resource.file, title="派驻监督工作要点", resource=resource)
    rewritten = index.index_resource(Resource.objects.get(pk=resource.pk))
    assert 0 < rewritten <= len(terms("巡视巡察派驻监督"))
    assert search(actor=trainee_a1, query="巡视巡察").total == 0
    assert ids(search(actor=trainee_a1, query="派驻监督")) == [resource.pk]
    assert not TermBlock.objects.filter(term="巡视").exists()


def test_search_pages_through_all_matches_best_first(org_admin, lecture, trainee_a1):
    made = [published(org_admin, lecture, title=f"第{i}讲", data=pdf_bytes("廉政教育" * (i + 1))) for i in range(5)]
    first = search(actor=trainee_a1, query="廉政教育", limit=2)
    rest = search(actor=trainee_a1, query="廉政教育", limit=10, offset=2)
    assert first.total == rest.total == 5
    assert ids(first) + ids(rest) == [r.pk for r in reversed(made)]  # more occurrences rank higher


WORDS = ["监督", "执纪", "问责", "巡视", "审查", "调查", "廉政", "教育", "纪律", "作风"]


def test_one_by_one_indexing_builds_the_same_blocks_as_the_bulk_build_and_agrees_with_brute_force(
    org_admin, lecture, trainee_a1
):
    rng = random.Random(6)
    file = published(org_admin, lecture, title="种子", data=pdf_bytes("种子")).file
    made = []
    for i in range(40):
        scope = Scope.PROVINCIAL if i % 7 == 0 else Scope.ALL
        resource = resource_save(
            actor=org_admin, file=file, scope=scope,
            title="".join(rng.choices(WORDS, k=2)), summary="，".join(rng.choices(WORDS, k=rng.randint(1, 12))),
        )  # fmt: skip
        resource_reindex(resource_id=resource.pk)
        if i % 5 == 0:  # edited later: the upkeep must take the old terms out
            resource_save(actor=org_admin, file=file, title="".join(rng.choices(WORDS, k=2)), resource=resource)
            resource_reindex(resource_id=resource.pk)
        resource.refresh_from_db()
        if i % 9 != 0:
            from peixun.library.services import resource_publish

            resource_publish(actor=org_admin, resource=resource)
        made.append(resource)
    incremental = {(b.term, b.chunk): index.decode(b.data, b.df) for b in TermBlock.objects.all()}
    call_command("library_reindex", stdout=StringIO())
    rebuilt = {(b.term, b.chunk): index.decode(b.data, b.df) for b in TermBlock.objects.all()}
    assert incremental.keys() == rebuilt.keys()
    for key, (block_ids, block_scores) in incremental.items():
        assert block_ids.tolist() == rebuilt[key][0].tolist() and block_scores.tolist() == rebuilt[key][1].tolist()
    for query in ["监督", "执纪问责", "巡视 审查", "廉政教育纪律", "作风"]:
        expected = {
            r.pk
            for r in naive_visible(trainee_a1)
            if all(t in set(terms(r.title + index.indexed_text(r))) for t in terms(query))
        }
        found = search(actor=trainee_a1, query=query, limit=100)
        assert set(ids(found)) == expected and found.total == len(expected)


def naive_visible(actor):  # type: ignore[no-untyped-def]
    from peixun.library.selectors import resources_visible

    return resources_visible(actor=actor)


def test_the_naive_baseline_counts_every_visible_substring_match(org_admin, lecture, trainee_a1):
    published(org_admin, lecture, title="甲", data=pdf_bytes("监督执纪"))
    published(org_admin, lecture, title="乙", data=pdf_bytes("监督执纪"), scope=Scope.PROVINCIAL)
    found = naive_search(actor=trainee_a1, query="监督执纪")
    assert found.total == 1 and [r.title for r in found.items] == ["甲"]


def test_highlight_marks_the_query_and_escapes_the_rest():
    html = highlight("前文<b>加强监督执纪</b>后文", "监督执纪")
    assert "<mark>监督执纪</mark>" in html
    assert "&lt;b&gt;" in html
