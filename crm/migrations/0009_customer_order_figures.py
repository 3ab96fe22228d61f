# Figures over completed orders stored on each customer (expand; 0010 fills them in).

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0008_import_jobs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='customer',
            name='first_order_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='first order'),
        ),
        migrations.AddField(
            model_name='customer',
            name='last_order_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='last order'),
        ),
        migrations.AddField(
            model_name='customer',
            name='order_count',
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name='orders'),
        ),
        migrations.AddField(
            model_name='customer',
            name='revenue',
            field=models.DecimalField(decimal_places=2, default=0, editable=False, max_digits=14, verbose_name='revenue'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['revenue', 'id'], name='crm_customer_revenue_idx'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['last_order_at', 'id'], name='crm_customer_last_order_idx'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['order_count', 'id'], name='crm_customer_order_count_idx'),
        ),
        migrations.AddConstraint(
            model_name='customer',
            constraint=models.CheckConstraint(condition=models.Q(('revenue__gte', 0)), name='crm_customer_revenue_not_negative'),
        ),
        migrations.AddConstraint(
            model_name='customer',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('first_order_at', None), ('last_order_at', None), ('order_count', 0)), models.Q(('first_order_at__lte', models.F('last_order_at')), ('order_count__gt', 0)), _connector='OR'), name='crm_customer_figures_consistent'),
        ),
    ]
