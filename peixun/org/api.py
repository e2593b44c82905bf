from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from peixun.org import selectors
from peixun.org.models import Cadre, Unit


class UnitSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_display",
            "parent",
            "depth",
            "has_intranet",
            "host_unit",
            "address",
            "contact_name",
            "contact_phone",
        ]


class CadreSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    id_number = serializers.CharField(source="id_number_masked", read_only=True)

    class Meta:
        model = Cadre
        fields = [
            "id",
            "employee_number",
            "name",
            "gender",
            "birth_date",
            "unit",
            "unit_name",
            "position",
            "rank",
            "political_status",
            "phone",
            "work_start_date",
            "status",
            "id_number",
        ]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="名称或编码"),
            OpenApiParameter("parent", int, description="上级单位ID"),
        ]
    )
)
class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units the caller may see."""

    serializer_class = UnitSerializer

    def get_queryset(self) -> QuerySet[Unit]:
        qs = selectors.unit_search(actor=self.request.user, query=self.request.query_params.get("q", ""))  # type: ignore[arg-type]
        parent = self.request.query_params.get("parent", "")
        if parent.isdigit():
            qs = qs.filter(parent_id=int(parent))
        return qs


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="姓名或工号"),
            OpenApiParameter("unit", int, description="单位ID（含下级单位）"),
            OpenApiParameter("status", str),
            OpenApiParameter("rank", str),
        ]
    )
)
class CadreViewSet(viewsets.ReadOnlyModelViewSet):
    """Cadres the caller may see. The ID number is only ever returned masked."""

    serializer_class = CadreSerializer

    def get_queryset(self) -> QuerySet[Cadre]:
        params = self.request.query_params
        actor = self.request.user
        unit = None
        if params.get("unit", "").isdigit():
            unit = selectors.unit_get(actor=actor, pk=int(params["unit"]))  # type: ignore[arg-type]
        return selectors.cadre_list(
            actor=actor,  # type: ignore[arg-type]
            query=params.get("q", ""),
            unit=unit,
            status=params.get("status", ""),
            rank=params.get("rank", ""),
        )


ROUTES = [("units", UnitViewSet, "unit"), ("cadres", CadreViewSet, "cadre")]
