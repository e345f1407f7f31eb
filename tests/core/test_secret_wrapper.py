"""secrets.py: a Secret never shows its value."""

from __future__ import annotations

import logging
import pickle

import pytest

from execution.secrets import Secret

VALUE = "0xdeadbeefcafebabe-very-secret"


def test_secret_never_prints() -> None:
    secret = Secret(VALUE)
    texts = (
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret:>40}",
        "%s" % secret,  # noqa: UP031 (the old formatting path, on purpose)
        "{}".format(secret),  # noqa: UP032
        repr([secret]),
        repr({"k": secret}),
    )
    for text in texts:
        assert VALUE not in text
        assert "***" in text
    assert secret.reveal() == VALUE


def test_secret_in_exceptions_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(VALUE)
    error = ValueError("bad key", secret)
    assert VALUE not in str(error) and VALUE not in repr(error)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").warning("key %s %r", secret, secret)
    assert VALUE not in caplog.text


def test_secret_cannot_be_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Secret(VALUE))


def test_secret_equality_hash_and_truth() -> None:
    assert Secret(VALUE) == Secret(VALUE)
    assert Secret(VALUE) != Secret("other")
    assert Secret(VALUE) != VALUE
    assert hash(Secret(VALUE)) == hash(Secret(VALUE))
    assert not Secret("") and Secret("x")
    assert Secret(Secret(VALUE)).reveal() == VALUE
