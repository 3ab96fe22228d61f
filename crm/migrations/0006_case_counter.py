# The last case number given, so numbers never come back.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0005_interaction_case_comments'),
    ]

    operations = [
        migrations.CreateModel(
            name='CaseCounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('last', models.PositiveIntegerField(verbose_name='last number')),
            ],
            options={
                'verbose_name': 'case counter',
                'constraints': [models.CheckConstraint(condition=models.Q(('id', 1)), name='crm_casecounter_one_row')],
            },
        ),
    ]
