# API tokens (stored as SHA-256 hashes) and service accounts for partner agencies' systems
# (issue 13): accounts.api, accounts.api_auth.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import accounts.models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_draft"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="What the token is for, to its owner.", max_length=100
                    ),
                ),
                ("key_hash", models.CharField(editable=False, max_length=64, unique=True)),
                ("prefix", models.CharField(editable=False, max_length=12)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField()),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "verbose_name": "API token",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="ServiceAccount",
            fields=[],
            options={
                "ordering": ["username"],
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("accounts.user",),
            managers=[
                ("objects", accounts.models.ServiceAccountManager()),
            ],
        ),
        migrations.AddField(
            model_name="user",
            name="is_service_account",
            field=models.BooleanField(
                db_default=False,
                default=False,
                help_text="A partner agency's system using the API, not a person. Created and given its tokens by an administrator.",
                verbose_name="service account",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("view", "Viewed"),
                    ("create", "Created"),
                    ("update", "Updated"),
                    ("delete", "Deleted"),
                    ("export", "Exported"),
                    ("login", "Signed in"),
                    ("login_failed", "Failed sign-in"),
                    ("logout", "Signed out"),
                    ("locked_out", "Locked out after failed sign-ins"),
                    ("two_factor_enrolled", "Set up two-factor authentication"),
                    ("two_factor_verified", "Passed two-factor authentication"),
                    ("two_factor_failed", "Failed two-factor authentication"),
                    ("recovery_code_used", "Signed in with a recovery code"),
                    ("recovery_codes_made", "Made new recovery codes"),
                    ("two_factor_reset", "Turned off two-factor authentication"),
                    ("token_issued", "Issued an API token"),
                    ("token_revoked", "Revoked an API token"),
                    ("token_used", "Used an API token"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("is_service_account", False),
                    models.Q(
                        ("role", "specialist"),
                        models.Q(("pathway", ""), _negated=True),
                        ("agency__isnull", False),
                        ("leads_pathway", False),
                        ("can_import_cases", False),
                    ),
                    _connector="OR",
                ),
                name="user_service_account_is_a_practitioner_of_one_agency",
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="api_tokens",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="apitoken",
            index=models.Index(fields=["user", "created_at"], name="apitoken_user_created_idx"),
        ),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("revoked_by__isnull", True), ("revoked_at__isnull", False), _connector="OR"
                ),
                name="apitoken_revoked_by_only_when_revoked",
            ),
        ),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(("expires_at__gt", models.F("created_at"))),
                name="apitoken_expires_after_creation",
            ),
        ),
    ]
