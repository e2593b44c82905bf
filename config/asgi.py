"""ASGI entry point: Django for HTTP, Channels for websockets (apps add their routes in config.ws_urls)."""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from django.urls import get_resolver  # noqa: E402

# Import every view, serializer and URL module now, while the worker starts, not during the first
# requests it serves (a burst's first seconds otherwise wait on imports).
get_resolver().url_patterns  # noqa: B018

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.ws_urls import websocket_urlpatterns  # noqa: E402
from peixun.accounts.ws import PasswordExpiryWsMiddleware  # noqa: E402
from peixun.core.hotpath import HotPath  # noqa: E402
from peixun.core.lane import Lane  # noqa: E402
from peixun.exams.services.attempts_lane import attempt_state_lane_view, attempt_submit_lane_view, exam_start_lane_view  # noqa: E402
from peixun.training.services_checkin_lane import checkin_lane_view  # noqa: E402

# The endpoints that thousands of people call in the same seconds: see peixun.core.hotpath.
HOT_ROUTES = [
    ("POST", r"/api/training/lectures/\d+/checkin/"),
    ("POST", r"/api/exams/exams/\d+/start/"),
    ("GET", r"/api/exams/attempts/\d+/"),
    ("POST", r"/api/exams/attempts/\d+/(?:answer|submit|events)/"),
]

application = ProtocolTypeRouter(
    {
        "http": Lane(
            HotPath(django_asgi_app, routes=HOT_ROUTES, threads=settings.PEIXUN_HOTPATH_THREADS),
            routes={
                ("POST", r"/api/training/lectures/(?P<pk>\d+)/checkin/"): checkin_lane_view,
                ("POST", r"/api/exams/exams/(?P<pk>\d+)/start/"): exam_start_lane_view,
                ("GET", r"/api/exams/attempts/(?P<pk>\d+)/"): attempt_state_lane_view,
                ("POST", r"/api/exams/attempts/(?P<pk>\d+)/submit/"): attempt_submit_lane_view,
            },
        ),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(PasswordExpiryWsMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
