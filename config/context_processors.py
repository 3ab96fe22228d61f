from django.conf import settings


def retain(request):
    """Values pages show: the business time zone, the currency, the lockout length."""
    return {
        "BUSINESS_TIME_ZONE": settings.TIME_ZONE,
        "CURRENCY": settings.CURRENCY,
        "LOCKOUT_MINUTES": round(settings.AXES_COOLOFF_TIME * 60),
    }
