
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def seal_secrets(apps, schema_editor):
    """TOTP secrets kept in plain text before are encrypted with REUNIFY_FIELD_KEY."""
    from reunify.models.field_crypto import seal

    RoleGrant = apps.get_model("reunify", "RoleGrant")
    for grant in RoleGrant.objects.exclude(totp_secret="").exclude(totp_secret__startswith="gAAAAA"):  # noqa: S106
        grant.totp_secret = seal(grant.totp_secret)
        grant.save(update_fields=["totp_secret"])


class Migration(migrations.Migration):

    dependencies = [
        ('reunify', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SignInCounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=100, unique=True)),
                ('failures', models.IntegerField(default=0)),
                ('first_at', models.DateTimeField()),
                ('last_at', models.DateTimeField()),
            ],
            options={
                'db_table': 'reunify_sign_in_counter',
            },
        ),
        migrations.AlterField(
            model_name='rolegrant',
            name='totp_secret',
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.RunPython(seal_secrets, migrations.RunPython.noop),
        migrations.CreateModel(
            name='SecondFactorReset',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('requested_by', models.CharField(max_length=200)),
                ('requested_at', models.DateTimeField()),
                ('approved_by', models.CharField(blank=True, max_length=200)),
                ('approved_at', models.DateTimeField(blank=True, null=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'reunify_second_factor_reset',
            },
        ),
        migrations.CreateModel(
            name='RecoveryCode',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code_hash', models.CharField(max_length=64)),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'reunify_recovery_code',
                'indexes': [models.Index(fields=['user', 'code_hash'], name='reunify_rec_user_id_99b01e_idx')],
            },
        ),
    ]
