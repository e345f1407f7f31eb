"""Shell completion: `aster-exec --show-completion SHELL` prints the script to source, and
the script's callback completes command names.

Typer detects the shell with shellingham unless `_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION`
is set, in which case the shell is given as the option's value: the tests set it so that
they do not depend on the shell they run under."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from execution.cli.main import app


@pytest.fixture
def explicit_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    # read when the command is built, before CliRunner applies its own environment
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_the_script(explicit_shell: None, shell: str) -> None:
    result = CliRunner().invoke(app, ["--show-completion", shell], prog_name="aster-exec")
    assert result.exit_code == 0, result.stderr
    assert f"_ASTER_EXEC_COMPLETE=complete_{shell}" in result.stdout
    assert "aster-exec" in result.stdout


def test_the_root_help_offers_completion(explicit_shell: None) -> None:
    result = CliRunner().invoke(app, ["--help"], prog_name="aster-exec")
    assert result.exit_code == 0
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout


def test_completion_completes_command_names() -> None:
    env = {"_ASTER_EXEC_COMPLETE": "complete_bash", "COMP_WORDS": "aster-exec wat",
           "COMP_CWORD": "1"}
    result = CliRunner().invoke(app, [], env=env, prog_name="aster-exec")
    assert result.exit_code == 0
    assert result.stdout.split() == ["watch"]
