from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from peixun.core.admin_site import restrict_admin_to_system_admins

restrict_admin_to_system_admins(admin.site)

urlpatterns = [
    path("", include("peixun.core.urls")),
    path("accounts/", include("peixun.accounts.urls")),
    path("audit/", include("peixun.audit.urls")),
    path("api/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("django-admin/", admin.site.urls),
]
# Each domain app is mounted at /<app>/ with its own namespace.
urlpatterns += [path(f"{app}/", include(f"peixun.{app}.urls")) for app in settings.DOMAIN_APPS]
