# Case comments are interactions linked to their case; replies record when they were emailed.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0004_cases_and_teams'),
    ]

    operations = [
        migrations.AddField(
            model_name='interaction',
            name='emailed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='emailed'),
        ),
        migrations.AddField(
            model_name='interaction',
            name='case',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='crm.case', verbose_name='case'),
        ),
        migrations.AddIndex(
            model_name='interaction',
            index=models.Index(fields=['case', 'occurred_at'], name='crm_interaction_case_idx'),
        ),
    ]
