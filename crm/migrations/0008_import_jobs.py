# CSV imports started from the page, and the column mappings they remember.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0007_segments_and_exports'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ImportLayout',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('customers', 'Customers'), ('orders', 'Orders')], max_length=10, verbose_name='kind')),
                ('signature', models.CharField(max_length=64, verbose_name='header signature')),
                ('mapping', models.JSONField(verbose_name='column mapping')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
            ],
            options={
                'verbose_name': 'import layout',
                'constraints': [models.UniqueConstraint(fields=('kind', 'signature'), name='crm_importlayout_unique')],
            },
        ),
        migrations.CreateModel(
            name='ImportJob',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('customers', 'Customers'), ('orders', 'Orders')], max_length=10, verbose_name='kind')),
                ('mode', models.CharField(choices=[('history', 'History (no loyalty points for old orders)'), ('live', 'Live (order events sent, as for new orders)')], default='history', max_length=10, verbose_name='mode')),
                ('status', models.CharField(choices=[('mapping', 'Columns to match'), ('checking', 'Checking'), ('checked', 'Checked'), ('importing', 'Importing'), ('done', 'Done'), ('failed', 'Failed')], default='mapping', max_length=10, verbose_name='status')),
                ('filename', models.CharField(max_length=255, verbose_name='file')),
                ('content', models.BinaryField(verbose_name='content')),
                ('encoding', models.CharField(blank=True, max_length=12, verbose_name='encoding')),
                ('delimiter', models.CharField(blank=True, max_length=1, verbose_name='delimiter')),
                ('header', models.JSONField(default=list, verbose_name='columns of the file')),
                ('mapping', models.JSONField(default=dict, verbose_name='column mapping')),
                ('rows_total', models.PositiveIntegerField(default=0, verbose_name='rows')),
                ('rows_done', models.PositiveIntegerField(default=0, verbose_name='rows written')),
                ('report', models.JSONField(default=dict, verbose_name='report')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='started')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='import_jobs', to=settings.AUTH_USER_MODEL, verbose_name='started by')),
            ],
            options={
                'verbose_name': 'import',
                'verbose_name_plural': 'imports',
                'ordering': ['-created_at', '-id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('kind__in', ['customers', 'orders'])), name='crm_importjob_kind_valid'), models.CheckConstraint(condition=models.Q(('rows_done__lte', models.F('rows_total'))), name='crm_importjob_done_within_total')],
            },
        ),
    ]
