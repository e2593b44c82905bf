"""JSON API of the library: the resources the caller may see (list, search, detail), how to download one,
and favourites. Scoped by the same selectors as the pages; writes go through the services; errors come back
as {"error": {"code", "message", "fields"}} (peixun.core.api)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from peixun.core.api import Pagination
from peixun.library import selectors, services
from peixun.library.models import Favourite, Resource
from peixun.library.search import highlight, search

ERR_QUERY_TOO_LONG = "搜索词过长（最多 100 个字符）"


class ConversionPending(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conversion_pending"


class ResourceSerializer(serializers.ModelSerializer):
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    office_name = serializers.CharField(source="office.name", read_only=True, default="")
    scope_display = serializers.CharField(source="get_scope_display", read_only=True)
    file_kind = serializers.CharField(source="file.kind", read_only=True)
    file_name = serializers.CharField(source="file.original_name", read_only=True)
    version = serializers.IntegerField(source="file.version", read_only=True)
    url = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField()
    is_favourite = serializers.SerializerMethodField()
    snippet = serializers.SerializerMethodField()

    class Meta:
        model = Resource
        fields = [
            "id", "title", "summary", "category", "tags", "office", "office_name", "training_class", "lecture",
            "scope", "scope_display", "status", "allow_download", "published_at", "read_count", "download_count",
            "file_kind", "file_name", "version", "url", "preview_url", "is_favourite", "snippet",
        ]  # fmt: skip

    def get_url(self, obj: Resource) -> str:
        return reverse("library:resource_detail", args=[obj.pk])

    def get_preview_url(self, obj: Resource) -> str:
        return reverse("library:resource_preview", args=[obj.pk])

    def get_is_favourite(self, obj: Resource) -> bool:
        return bool(getattr(obj, "is_favourite", False))

    def get_snippet(self, obj: Resource) -> str:
        query = self.context.get("query", "")
        return str(highlight(f"{obj.summary} {obj.text}", query)) if query else ""


DownloadSerializer = inline_serializer(
    "LibraryDownload",
    fields={
        "url": serializers.CharField(help_text="下载地址（GET，带登录会话）：返回带个人水印的副本"),
        "delivery": serializers.ChoiceField(
            choices=["pdf", "image", "original"],
            help_text="pdf：加水印的 PDF（Office 文件为其转换件）；image：加水印的图片；original：原件（仅资源管理者）",
        ),
        "stamped": serializers.BooleanField(),
    },
)
ErrorSerializer = inline_serializer(
    "LibraryError",
    fields={
        "error": inline_serializer(
            "LibraryErrorBody",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(help_text="给用户看的中文说明"),
                "fields": serializers.DictField(required=False, help_text="按字段列出的错误"),
            },
        )
    },
)
FavouriteSerializer = inline_serializer("LibraryFavourite", fields={"favourite": serializers.BooleanField()})
FILTERS = [
    OpenApiParameter("q", str, description="全文搜索（标题、摘要、正文），结果按相关度排序"),
    OpenApiParameter("category", str, description="业务领域"),
    OpenApiParameter("tag", str, description="标签"),
    OpenApiParameter("office", int, description="教研室ID"),
    OpenApiParameter("order", str, enum=["new", "popular"], description="new：最新；popular：最多阅读"),
]


@extend_schema_view(
    list=extend_schema(summary="可见资源列表与全文搜索", parameters=FILTERS),
    retrieve=extend_schema(summary="资源详情"),
)
class ResourceViewSet(viewsets.ReadOnlyModelViewSet):
    """Published resources the caller may read (managers also see their drafts in `retrieve`)."""

    serializer_class = ResourceSerializer
    pagination_class = Pagination

    def get_queryset(self) -> QuerySet[Resource]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller, only the model
            return Resource.objects.none()
        actor = self.request.user
        params = self.request.query_params
        office = params.get("office", "")
        qs = selectors.resource_list(
            actor=actor,  # type: ignore[arg-type]
            category=params.get("category", "").strip(),
            tag=params.get("tag", "").strip(),
            office=int(office) if office.isdigit() else None,
            order=params.get("order", "new"),
            status="" if self.action != "list" else "published",
        )
        mine = Favourite.objects.filter(resource=OuterRef("pk"), user=actor)  # type: ignore[misc]
        return qs.annotate(is_favourite=Exists(mine)).defer("index_terms")

    def list(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        query = request.query_params.get("q", "").strip()
        if not query:
            return super().list(request, *args, **kwargs)
        if len(query) > 100:
            raise exceptions.ValidationError({"q": [ERR_QUERY_TOO_LONG]})
        paginator = self.paginator
        assert isinstance(paginator, Pagination)
        size = paginator.get_page_size(request) or 50
        number = request.query_params.get("page", "1")
        number = int(number) if number.isdigit() and int(number) > 0 else 1
        found = search(actor=request.user, query=query, limit=size, offset=(number - 1) * size)  # type: ignore[arg-type]
        favourites = set(
            Favourite.objects.filter(user=request.user, resource__in=[r.pk for r in found.items]).values_list(
                "resource_id", flat=True
            )
        )
        for r in found.items:
            r.is_favourite = r.pk in favourites  # type: ignore[attr-defined]
        data = self.get_serializer(found.items, many=True, context={**self.get_serializer_context(), "query": query})
        base = request.build_absolute_uri()

        def page_link(n: int) -> str | None:
            return replace_query_param(base, "page", n) if n > 0 and (n - 1) * size < found.total else None

        return Response(
            {
                "count": found.total,
                "next": page_link(number + 1),
                "previous": page_link(number - 1),
                "results": data.data,
            }
        )

    @extend_schema(
        summary="下载链接",
        description="检查是否可以下载并返回下载地址。Office 文件尚未转换为 PDF 时返回 409，仅预览资源返回 403。",
        responses={200: DownloadSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> Response:
        resource = self.get_object()
        if not resource.allow_download and not selectors.may_manage_resource(request.user, resource):  # type: ignore[arg-type]
            raise exceptions.PermissionDenied(services.ERR_DOWNLOAD_NOT_ALLOWED)
        try:
            delivery = services.download_delivery(actor=request.user, resource=resource)  # type: ignore[arg-type]
        except DjangoPermissionDenied as exc:  # only a missing conversion refuses a reader here
            raise ConversionPending(str(exc)) from None
        return Response(
            {
                "url": reverse("library:resource_download", args=[resource.pk]),
                "delivery": delivery,
                "stamped": delivery != services.Delivery.ORIGINAL,
            }
        )

    @extend_schema(
        summary="收藏 / 取消收藏",
        description="POST 收藏，DELETE 取消收藏；重复调用结果不变。",
        request=None,
        responses={200: FavouriteSerializer, 404: ErrorSerializer},
    )
    @action(detail=True, methods=["post", "delete"])
    def favourite(self, request: Request, pk: str | None = None) -> Response:
        resource = self.get_object()
        on = services.favourite_set(actor=request.user, resource=resource, on=request.method == "POST")  # type: ignore[arg-type]
        return Response({"favourite": on})

    @extend_schema(summary="我的收藏", parameters=[], responses={200: ResourceSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def favourites(self, request: Request) -> Response:
        qs = selectors.favourites(actor=request.user).prefetch_related("tags").defer("index_terms")  # type: ignore[arg-type]
        for_page = self.paginate_queryset(qs)
        for r in for_page or []:
            r.is_favourite = True  # type: ignore[attr-defined]
        return self.get_paginated_response(self.get_serializer(for_page, many=True).data)


ROUTES = [("library/resources", ResourceViewSet, "library-resource")]
