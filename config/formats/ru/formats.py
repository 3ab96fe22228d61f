# Russian: numeric day.month.year (06.08.2024), 24-hour clock.
# Templates use DATE_FORMAT and DATETIME_FORMAT only; the SHORT_ names are the same.
DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1
