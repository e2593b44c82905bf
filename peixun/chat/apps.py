import os
import sys

from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "peixun.chat"
    verbose_name = "在线互动"

    def ready(self) -> None:
        # Deployment knob for chat workers (seconds; Python's default is 0.005): a shorter GIL switch
        # interval hands the GIL from the busy event loop to the database thread sooner, which keeps the
        # store path of a send short while thousands of sockets are being written to.
        interval = os.environ.get("PEIXUN_GIL_SWITCH_INTERVAL")
        if interval:
            sys.setswitchinterval(float(interval))
