"""Sessions move to accounts.Session (the user in a column): every unexpired session of Django's own table
comes along, so nobody is signed out by the upgrade."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

BATCH = 2000


def move_sessions(apps, schema_editor):  # noqa: ANN001 - a migration's RunPython signature
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    Old = apps.get_model("sessions", "Session")
    New = apps.get_model("accounts", "Session")
    user_ids = set(apps.get_model("accounts", "User").objects.values_list("pk", flat=True))
    decoder = SessionStore()
    rows = Old.objects.filter(expire_date__gt=timezone.now()).order_by("pk")
    batch = []
    for old in rows.iterator(chunk_size=BATCH):
        try:
            user_id = int(decoder.decode(old.session_data)[SESSION_KEY])
        except (KeyError, TypeError, ValueError):
            user_id = None
        batch.append(
            New(
                session_key=old.session_key,
                session_data=old.session_data,
                expire_date=old.expire_date,
                user_id=user_id if user_id in user_ids else None,
            )
        )
        if len(batch) >= BATCH:
            New.objects.bulk_create(batch)
            batch = []
    New.objects.bulk_create(batch)
    Old.objects.all().delete()


def move_sessions_back(apps, schema_editor):  # noqa: ANN001
    Old = apps.get_model("sessions", "Session")
    New = apps.get_model("accounts", "Session")
    Old.objects.bulk_create(
        (Old(session_key=s.session_key, session_data=s.session_data, expire_date=s.expire_date) for s in New.objects.all()),
        batch_size=BATCH,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('sessions', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='Session',
            fields=[
                ('session_key', models.CharField(max_length=40, primary_key=True, serialize=False, verbose_name='session key')),
                ('session_data', models.TextField(verbose_name='session data')),
                ('expire_date', models.DateTimeField(db_index=True, verbose_name='expire date')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '会话',
                'verbose_name_plural': '会话',
            },
        ),
        migrations.RunPython(move_sessions, move_sessions_back),
    ]
