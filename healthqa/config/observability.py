"""Logging (plain lines or JSON, by structlog) and who may read /metrics: built for settings.py.

Every log line goes through structlog's ProcessorFormatter, so the request id the web layer
binds (structlog.contextvars) is on each line written while a request is served, whichever
logger wrote it: healthqa's, Django's, structlog's own. Two renderings:

- plain (HEALTHQA_LOG_FORMAT=plain, the default): ``2025-03-04 12:00:00,123 INFO
  healthqa.request: request method=GET view=web:question status=200 ...``, a traceback on the
  lines below, for a person at a terminal;
- json: one JSON object per line (timestamp, level, logger, event, the fields, request_id,
  and a 500's traceback as the ``exception`` field), for a log collector.

What readers type is private, so no line may carry a query string or a body: only the
fields named in LOG_FIELDS are copied from a record's ``extra`` (Django's django.request
passes the request object itself, whose text would show its query string), and tracebacks are
rendered without their local variables.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

import structlog
from django.core.exceptions import ImproperlyConfigured

LOG_FORMATS = ("plain", "json")
# The `extra` fields of a log record that reach the line: the request line's and Django's
# status code. Anything else a library passes in `extra` is left out.
LOG_FIELDS = ("method", "view", "status", "duration_ms", "status_code")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_time = logging.Formatter()


def _plain_line(logger: Any, method_name: str, event_dict: dict[str, Any]) -> str:
    """``<asctime> <LEVEL> <logger>: <event> key=value ...``, then the traceback, if any."""
    record: logging.LogRecord | None = event_dict.pop("_record", None)
    event_dict.pop("_from_structlog", None)
    exception = event_dict.pop("exception", None)
    event = event_dict.pop("event", "")
    level = event_dict.pop("level", method_name).upper()
    name = event_dict.pop("logger", "")
    event_dict.pop("timestamp", None)
    if record is not None:
        level, name = record.levelname, record.name
        head = f"{_time.formatTime(record)} {level} {name}: {event}"
    else:
        head = f"{level} {name}: {event}"
    fields = " ".join(f"{key}={_plain_value(value)}" for key, value in event_dict.items())
    line = f"{head} {fields}" if fields else head
    return f"{line}\n{exception}" if exception else line


def _plain_value(value: Any) -> str:
    text = str(value)
    return text if text and not any(c.isspace() or c in "\"=" for c in text) else repr(text)


def _formatter(log_format: str) -> dict[str, Any]:
    """The dictConfig entry of the formatter for HEALTHQA_LOG_FORMAT."""
    # For records from the standard library's loggers (all of healthqa's, Django's).
    foreign: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.ExtraAdder(allow=LOG_FIELDS),
    ]
    if log_format == "json":
        foreign += [
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ]
        render: list[Any] = [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # The traceback as text, without local variables (dict_tracebacks would show them).
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ]
    else:
        render = [structlog.processors.format_exc_info, _plain_line]
    return {"()": structlog.stdlib.ProcessorFormatter, "foreign_pre_chain": foreign,
            "processors": render}


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """settings.LOGGING: one handler on stderr for healthqa's loggers and django.request."""
    if log_format not in LOG_FORMATS:
        raise ImproperlyConfigured(
            f"HEALTHQA_LOG_FORMAT={log_format!r}: use {' or '.join(LOG_FORMATS)}")
    # structlog's own loggers (structlog.stdlib.get_logger) hand their events to the same
    # handler, as records the formatter above renders.
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {log_format: _formatter(log_format)},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format}},
        "loggers": {
            # healthqa.request writes one INFO line per request (healthqa.web.request_logs).
            "healthqa": {"handlers": ["console"], "level": level},
            # Every page's 500 with its traceback: without this handler, with DEBUG off
            # Django only mails them to ADMINS, which is empty. propagate off: Django's own
            # "django" console handler would print it again in DEBUG.
            "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        },
    }


def metrics_allow(value: str) -> tuple[Network, ...]:
    """HEALTHQA_METRICS_ALLOW as networks: comma-separated addresses or CIDR blocks."""
    networks = []
    for entry in (e.strip() for e in value.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"HEALTHQA_METRICS_ALLOW: {entry!r} is not an IP address or network; write "
                "e.g. 127.0.0.1,::1,10.0.0.0/8"
            ) from None
    return tuple(networks)
