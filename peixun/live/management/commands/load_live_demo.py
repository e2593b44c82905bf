"""`manage.py load_live_demo`: a live lecture of the demo province with its stream. Run after
load_training_demo; running it again adds nothing (a lecture whose window has passed moves to now)."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand

from peixun.live.demo import load_live_demo
from peixun.live.services import encoder_stream_key


class Command(BaseCommand):
    help = "载入直播演示课次和直播流（需先运行 load_training_demo；可重复运行），并显示推流地址和推流码。"

    def handle(self, *args: Any, **options: Any) -> None:
        stream, changed = load_live_demo()
        if stream is None:
            self.stdout.write("尚未载入培训演示数据（先运行 load_training_demo）。")
            return
        lecture = stream.lecture
        self.stdout.write(("新增或更新" if changed else "已是最新") + f"：直播演示课次“{lecture.topic}”")
        port = os.environ.get("PEIXUN_RTMP_PORT", "1935")
        self.stdout.write(f"  推流地址 rtmp://127.0.0.1:{port}/live   推流码 {encoder_stream_key(stream)}")
        self.stdout.write(f"  推流页面 /live/lectures/{lecture.pk}/publish/（组织部管理员）")
