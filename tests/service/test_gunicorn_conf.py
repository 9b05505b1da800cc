"""Tests of ``service/gunicorn_conf.py``'s access log: what people typed stays out of it."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config
from gunicorn.glogging import Logger

from service import gunicorn_conf


def test_access_log_lines_hold_no_query_string_or_referer():
    """``/teachers?q=<a name>`` and a result page's find box put names in the query; gunicorn's
    default format logged the whole request line and the Referer (which repeats them)."""
    cfg = Config()
    cfg.set("access_log_format", gunicorn_conf.access_log_format)
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": "/teachers?q=Sam+Lee", "PATH_INFO": "/teachers", "QUERY_STRING": "q=Sam+Lee",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "192.0.2.1", "HTTP_REFERER": "http://x.example/cohorts/1?q=Sam+Lee", "HTTP_USER_AGENT": "test",
    }
    resp = SimpleNamespace(status="200 OK", status_code=200, sent=10, response_length=10, headers=[])
    req = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    line = gunicorn_conf.access_log_format % Logger(cfg).atoms(resp, req, environ, timedelta(seconds=0.25))
    assert '"GET /teachers HTTP/1.1" 200' in line and "192.0.2.1" in line  # still says who asked for what
    assert "Sam" not in line and "?" not in line


def test_a_worker_freezes_what_it_loaded_out_of_full_collections():
    import gc

    from service import gunicorn_conf

    assert gc.get_freeze_count() == 0
    try:
        gunicorn_conf.post_worker_init(object())
        assert gc.get_freeze_count() > 1000  # the modules and app loaded so far
    finally:
        gc.unfreeze()
