from __future__ import annotations

from peixun.library.models import Posting, Scope
from peixun.library.search import highlight, search, terms
from peixun.library.tests.factories import published
from peixun.library.tests.samples import docx_bytes, pdf_bytes, pptx_bytes


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
    assert [r.pk for r in found] == [title_hit.pk, body_hit.pk]


def test_search_reads_pdf_and_pptx_text(org_admin, lecture, trainee_a1):
    pdf = published(org_admin, lecture, title="甲", data=pdf_bytes("第一页", "案件审理程序规定"))
    pptx = published(org_admin, lecture, title="乙", name="x.pptx", data=pptx_bytes("封面", "信访举报分类处置"))
    assert [r.pk for r in search(actor=trainee_a1, query="案件审理")] == [pdf.pk]
    assert [r.pk for r in search(actor=trainee_a1, query="信访举报")] == [pptx.pk]


def test_a_county_trainee_never_finds_a_province_only_resource(org_admin, lecture, trainee_a1, teacher):
    hidden = published(org_admin, lecture, title="省直机关监督执纪专题", scope=Scope.PROVINCIAL)
    assert Posting.objects.filter(resource=hidden, term="执纪").exists()
    assert search(actor=trainee_a1, query="监督执纪") == []
    assert [r.pk for r in search(actor=teacher, query="监督执纪")] == [hidden.pk]


def test_highlight_marks_the_query_and_escapes_the_rest():
    html = highlight("前文<b>加强监督执纪</b>后文", "监督执纪")
    assert "<mark>监督执纪</mark>" in html
    assert "&lt;b&gt;" in html
