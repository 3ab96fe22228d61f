from django.conf import settings


def retain(request):
    """Values every page shows: the business time zone and currency."""
    return {"BUSINESS_TIME_ZONE": settings.TIME_ZONE, "CURRENCY": settings.CURRENCY}
