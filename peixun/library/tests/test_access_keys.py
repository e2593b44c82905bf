"""The index's access keys restate resource_scope_q: for every role, the resources whose keys the actor holds
are exactly the resources the selector lets him see, whatever their scope, units, class and status."""

from __future__ import annotations

from conftest import ROLE_BUILDERS
from peixun.library import index, services
from peixun.library.models import Resource, Scope, TermBlock
from peixun.library.search import search
from peixun.library.selectors import resource_access_keys, resources_visible
from peixun.library.tests.factories import lecture_of, upload
from peixun.training.models import Enrolment, EnrolmentChannel


def test_for_every_role_the_index_keys_grant_exactly_what_the_selector_shows(tree, office, org_admin):
    from peixun.offices.models import ResearchOffice

    other = ResearchOffice.objects.create(code="KEY-X", name="另一教研室", field="案件审理")
    own_lecture, other_lecture = lecture_of(office), lecture_of(other)
    made = []
    for lecture in (own_lecture, other_lecture):
        file = upload(org_admin, lecture)
        for scope, units in [
            (Scope.ALL, None), (Scope.PROVINCIAL, None), (Scope.UNITS, [tree.city_a]), (Scope.UNITS, [tree.county_b1]),
            (Scope.CLASS, None),
        ]:  # fmt: skip
            resource = services.resource_save(
                actor=org_admin, file=file, title=f"监督执纪{scope}", scope=scope, units=units
            )
            made.append(services.resource_publish(actor=org_admin, resource=resource))
        draft = services.resource_save(actor=org_admin, file=file, title="监督执纪草稿")
        withdrawn = services.resource_save(actor=org_admin, file=file, title="监督执纪撤回")
        services.resource_publish(actor=org_admin, resource=withdrawn)
        services.resource_unpublish(actor=org_admin, resource=withdrawn)
        made += [draft, withdrawn]
    for resource in made:
        index.index_resource(Resource.objects.get(pk=resource.pk))
    users = {role: build(tree, office) for role, build in ROLE_BUILDERS.items() if role != "org_admin"}
    users["org_admin"] = org_admin
    Enrolment.objects.create(
        training_class=own_lecture.training_class, cadre=users["trainee_a1"].cadre, channel=EnrolmentChannel.ORG_ADMIN
    )
    blocks = {
        b.term: set(index.decode(b.data, b.df)[0].tolist()) for b in TermBlock.objects.filter(term__startswith="~")
    }
    for role, user in users.items():
        expected = set(resources_visible(actor=user).values_list("pk", flat=True))
        keys = resource_access_keys(user)
        granted = {r.pk for r in made} if keys is None else set().union(*(blocks.get(k, set()) for k in keys))
        assert granted == expected, role
        found = search(actor=user, query="监督执纪", limit=100)
        assert found.total == len(expected) and {r.pk for r in found.items} == expected, role
