from __future__ import annotations

from django.http import HttpRequest


def roles(request: HttpRequest) -> dict[str, object]:
    user = request.user
    if not user.is_authenticated:
        return {"my_roles": set()}
    grants = user.grants  # type: ignore[union-attr]
    return {"grants": grants, "my_roles": {r.value for r in grants.roles}}
