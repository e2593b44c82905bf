from __future__ import annotations

from peixun.accounts.models import RoleGrant
from peixun.teachers.demo import POOL_SIZE, load_teachers_demo
from peixun.teachers.models import Teacher


def test_the_demo_pool_holds_130_lecturers_and_a_second_run_adds_nothing(tree, office, office_member, org_admin):
    from peixun.org.tests.factories import CadreFactory

    CadreFactory.create_batch(130, unit=tree.department)
    assert load_teachers_demo() == {"rounds": 1, "teachers": POOL_SIZE}
    assert Teacher.objects.count() == POOL_SIZE
    assert Teacher.objects.filter(cadre=None).count() == 10
    member = Teacher.objects.get(cadre=office_member.cadre)
    assert list(member.fields.all()) == [office]
    assert RoleGrant.objects.filter(user=office_member, role="teacher").exists()
    assert load_teachers_demo() == {"rounds": 0, "teachers": 0}
