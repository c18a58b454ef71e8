import logging

from yilian.core.logging import RedactSecretPaths, redact


def test_tokens_of_one_time_links_are_cut_from_log_lines():
    assert redact("Unprocessable Entity: /patients/consent/sign/pAqaSRqh-x_9/") == (
        "Unprocessable Entity: /patients/consent/sign/-/"
    )
    assert redact('1.2.3.4 - "GET /follow-up/answer/AbC123?x=1 HTTP/1.1" 200') == (
        '1.2.3.4 - "GET /follow-up/answer/-?x=1 HTTP/1.1" 200'
    )
    assert redact("GET /patients/42/") == "GET /patients/42/"


def test_the_filter_rewrites_formatted_records():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("10.0.0.1", "POST", "/patients/consent/sign/secret123/", "1.1", 422),
        None,
    )

    assert RedactSecretPaths().filter(record) is True
    assert record.getMessage() == '10.0.0.1 - "POST /patients/consent/sign/-/ HTTP/1.1" 422'


def test_the_console_handler_carries_the_filter(settings):
    console = settings.LOGGING["handlers"]["console"]
    assert "redact_secret_paths" in console["filters"]
    assert settings.LOGGING["loggers"]["uvicorn.access"]["handlers"] == ["console"]
