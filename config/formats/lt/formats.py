# Lithuanian: ISO year-month-day (2024-08-06), the form Lithuanian uses, 24-hour clock.
# Templates use DATE_FORMAT and DATETIME_FORMAT only; the SHORT_ names are the same.
DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1
