"""Online interaction during a lecture (在线文字互动): one room per lecture, kept after class.

Everything that changes what a client shows (a message, a deletion, a question's state, the room's mode)
is one `ChatEvent` with the next sequence number of its room. `ChatEvent.frame` holds the JSON frame
exactly as it is sent to websocket clients, so a reconnecting client gets the same bytes it would have
received live, read from the database (the fan-out layer may lose a publish; the log does not).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RoomMode(models.TextChoices):
    OPEN = "open", "自由发言"
    QUESTIONS_ONLY = "questions_only", "仅限提问"
    CLOSED = "closed", "已关闭"


class ChatRoom(models.Model):
    lecture = models.OneToOneField(
        "training.Lecture", verbose_name="课次", on_delete=models.CASCADE, related_name="chat_room"
    )
    mode = models.CharField("状态", max_length=16, choices=RoomMode.choices, default=RoomMode.OPEN)
    # The last sequence number given out; raised inside the writing transaction (see services._next_seq).
    last_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "互动室"
        verbose_name_plural = "互动室"

    def __str__(self) -> str:
        return f"互动室 {self.lecture_id}"


class EventKind(models.TextChoices):
    MESSAGE = "message", "消息"
    DELETE = "delete", "删除"
    QUESTION = "question", "提问"
    MODE = "mode", "状态"


class ChatEvent(models.Model):
    room = models.ForeignKey(ChatRoom, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    # The message the event is about (its own seq for a message): a deletion rewrites these frames.
    target = models.PositiveBigIntegerField(null=True, blank=True)
    frame = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "seq"], name="chat_event_seq_once")]
        indexes = [models.Index(fields=["room", "kind", "seq"]), models.Index(fields=["room", "target"])]

    def __str__(self) -> str:
        return f"{self.room_id}#{self.seq} {self.kind}"


class ChatMessage(models.Model):
    room = models.ForeignKey(ChatRoom, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveBigIntegerField()
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sender_name = models.CharField("发送人", max_length=50)
    # Chosen by the client; a retried send carries the same id and is stored once.
    client_msg_id = models.CharField(max_length=64)
    text = models.TextField("内容")
    created_at = models.DateTimeField("发送时间", auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "互动消息"
        verbose_name_plural = "互动消息"
        ordering = ["room", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="chat_message_seq_once"),
            models.UniqueConstraint(fields=["room", "sender", "client_msg_id"], name="chat_message_client_id_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.sender_name}"


class ChatQuestion(models.Model):
    room = models.ForeignKey(ChatRoom, on_delete=models.CASCADE, related_name="questions")
    message = models.OneToOneField(ChatMessage, on_delete=models.CASCADE, related_name="question")
    votes = models.PositiveIntegerField("票数", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.TextField("回答", blank=True)

    class Meta:
        verbose_name = "提问"
        verbose_name_plural = "提问"
        indexes = [models.Index(fields=["room", "-votes", "created_at"])]

    def __str__(self) -> str:
        return f"提问 {self.message_id}"


class ChatQuestionVote(models.Model):
    question = models.ForeignKey(ChatQuestion, on_delete=models.CASCADE, related_name="vote_rows")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "voter"], name="chat_vote_once")]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.question_id}"


class ChatMute(models.Model):
    room = models.ForeignKey(ChatRoom, on_delete=models.CASCADE, related_name="mutes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField("禁言至")
    muted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["room", "user", "until"])]

    def __str__(self) -> str:
        return f"禁言 {self.user_id} 至 {self.until:%H:%M}"


class WordAction(models.TextChoices):
    BLOCK = "block", "拦截"
    MASK = "mask", "屏蔽为*"


class SensitiveWord(models.Model):
    """A word refused or masked in chat: province-wide when room is empty, else for that room only."""

    room = models.ForeignKey(ChatRoom, null=True, blank=True, on_delete=models.CASCADE, related_name="words")
    word = models.CharField("敏感词", max_length=50)
    action = models.CharField("处理方式", max_length=8, choices=WordAction.choices, default=WordAction.MASK)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "敏感词"
        verbose_name_plural = "敏感词"
        ordering = ["word"]
        constraints = [
            models.UniqueConstraint(fields=["room", "word"], name="chat_word_once"),
            models.UniqueConstraint(fields=["word"], condition=models.Q(room=None), name="chat_global_word_once"),
        ]

    def __str__(self) -> str:
        return self.word
