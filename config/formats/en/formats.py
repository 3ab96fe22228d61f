# English for a European business: day before month, 24-hour clock. Templates use
# DATE_FORMAT and DATETIME_FORMAT only; the SHORT_ names are the same, so every date on a
# page reads alike ("6 Aug 2024", "6 Aug 2024, 11:11").
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
