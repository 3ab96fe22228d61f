# Segments (saved customer rules) and the record of CSV exports.

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0006_case_counter'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Segment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('description', models.CharField(blank=True, max_length=500, verbose_name='description')),
                ('rule', models.JSONField(verbose_name='rule')),
                ('tracked', models.BooleanField(default=False, help_text="Compute this segment's retention figures every night.", verbose_name='tracked')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='segments', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
            ],
            options={
                'verbose_name': 'segment',
                'verbose_name_plural': 'segments',
                'ordering': ['name', 'id'],
            },
        ),
        migrations.CreateModel(
            name='DataExport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('customers', 'Customers'), ('segment', 'Segment members'), ('orders', 'Orders')], max_length=10, verbose_name='kind')),
                ('filters', models.CharField(blank=True, max_length=2000, verbose_name='filters')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='exported')),
                ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='data_exports', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                ('segment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to='crm.segment', verbose_name='segment')),
            ],
            options={
                'verbose_name': 'data export',
                'verbose_name_plural': 'data exports',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.AddConstraint(
            model_name='segment',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('name'), name='crm_segment_name_ci_unique', violation_error_message='A segment with this name already exists.'),
        ),
        migrations.AddConstraint(
            model_name='segment',
            constraint=models.CheckConstraint(condition=models.Q(('name', ''), _negated=True), name='crm_segment_name_not_blank'),
        ),
    ]
