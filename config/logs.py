"""Log formatting shared by web, worker and beat (LOGGING in the settings)."""

import datetime
import logging


class UTCFormatter(logging.Formatter):
    """ISO 8601 times in UTC with a Z, whatever the process time zone (Django sets it
    to TIME_ZONE), so web, worker, beat and honcho lines read on one clock."""

    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging's name)
        moment = datetime.datetime.fromtimestamp(record.created, datetime.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class ClientErrorsWithoutTraceback(logging.Filter):
    """A request that ended in a 4xx answer is one warning line.

    Django logs a refused permission or a bad request with the exception that
    produced it, and a refused body (too many fields, too large) as an ERROR of
    django.security; that is the client's mistake, not ours. 5xx keep their
    traceback and level: they are our bugs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
            if record.levelno > logging.WARNING:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
