# Support cases and the team queues they wait in.

import datetime
import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0003_reindex_sqlite_unicode_case'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Team',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=80, verbose_name='name')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
            ],
            options={
                'verbose_name': 'team',
                'verbose_name_plural': 'teams',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='Case',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField(editable=False, unique=True, verbose_name='number')),
                ('subject', models.CharField(max_length=200, verbose_name='subject')),
                ('description', models.TextField(blank=True, verbose_name='description')),
                ('status', models.CharField(choices=[('new', 'New'), ('open', 'Open'), ('pending', 'Pending customer'), ('resolved', 'Resolved'), ('closed', 'Closed')], default='new', max_length=10, verbose_name='status')),
                ('priority', models.CharField(choices=[('low', 'Low'), ('normal', 'Normal'), ('high', 'High'), ('urgent', 'Urgent')], default='normal', max_length=10, verbose_name='priority')),
                ('source', models.CharField(choices=[('manual', 'Manual'), ('phone', 'Phone'), ('email', 'Email'), ('chat', 'Chat'), ('survey', 'Survey response')], default='manual', max_length=10, verbose_name='source')),
                ('due_at', models.DateTimeField(blank=True, null=True, verbose_name='due')),
                ('opened_at', models.DateTimeField(verbose_name='opened')),
                ('first_response_at', models.DateTimeField(blank=True, null=True, verbose_name='first response')),
                ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='resolved')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed')),
                ('reopened_count', models.PositiveIntegerField(default=0, verbose_name='times reopened')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                ('assignee', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='assigned_cases', to=settings.AUTH_USER_MODEL, verbose_name='assignee')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='cases', to='crm.customer', verbose_name='customer')),
                ('opened_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='opened_cases', to=settings.AUTH_USER_MODEL, verbose_name='opened by')),
            ],
            options={
                'verbose_name': 'case',
                'verbose_name_plural': 'cases',
                'ordering': ['-opened_at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='team',
            name='members',
            field=models.ManyToManyField(blank=True, related_name='case_teams', to=settings.AUTH_USER_MODEL, verbose_name='members'),
        ),
        migrations.AddField(
            model_name='case',
            name='team',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='cases', to='crm.team', verbose_name='team'),
        ),
        migrations.AddConstraint(
            model_name='team',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('name'), name='crm_team_name_ci_unique', violation_error_message='A team with this name already exists.'),
        ),
        migrations.AddConstraint(
            model_name='team',
            constraint=models.CheckConstraint(condition=models.Q(('name', ''), _negated=True), name='crm_team_name_not_blank'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['status', 'due_at'], name='crm_case_status_due_idx'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['assignee', 'status'], name='crm_case_assignee_idx'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['customer', 'opened_at'], name='crm_case_customer_idx'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(('number__gte', 1)), name='crm_case_number_positive'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['new', 'open', 'pending', 'resolved', 'closed'])), name='crm_case_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(('priority__in', ['low', 'normal', 'high', 'urgent'])), name='crm_case_priority_valid'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(('source__in', ['manual', 'phone', 'email', 'chat', 'survey'])), name='crm_case_source_valid'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(('subject', ''), _negated=True), name='crm_case_subject_not_blank'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'resolved'), _negated=True), models.Q(('closed_at', None), ('resolved_at__isnull', False)), _connector='OR'), name='crm_case_resolved_has_time'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'closed'), _negated=True), ('closed_at__isnull', False), _connector='OR'), name='crm_case_closed_has_time'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status__in', ['new', 'open', 'pending']), _negated=True), models.Q(('closed_at', None), ('resolved_at', None)), _connector='OR'), name='crm_case_active_has_no_end'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(('first_response_at', None), ('first_response_at__gte', models.F('opened_at')), _connector='OR'), name='crm_case_response_after_opening'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(('resolved_at', None), ('resolved_at__gte', models.F('opened_at')), _connector='OR'), name='crm_case_resolved_after_opening'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(('closed_at', None), ('closed_at__gte', models.F('opened_at')), _connector='OR'), name='crm_case_closed_after_opening'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(('opened_at__gte', datetime.datetime(1900, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('opened_at__lt', datetime.datetime(2200, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), name='crm_case_opened_at_in_range'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('due_at__gte', datetime.datetime(1900, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('due_at__lt', datetime.datetime(2200, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), ('due_at__isnull', True), _connector='OR'), name='crm_case_due_at_in_range'),
        ),
    ]
