"""The `aster-exec` Typer application and the decorator every command goes through.

`command(...)` adds the shared options (venue and credentials, `--json`, `--debug`) to a
command's signature, builds the `VenueConfig` and `Output` it needs, and turns any error
into one line on stderr and an exit code that says what failed (see `exit_codes`).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import sys
import traceback
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer import _click as click
from typer.core import TyperGroup

from execution.cli.exit_codes import EXIT_CODE_HELP, describe_error, exit_code_for
from execution.cli.options import (
    ApiKeyOption,
    ApiSecretOption,
    AuthOption,
    AuthScheme,
    DebugOption,
    JsonOption,
    LiveOption,
    SeedOption,
    SignerOption,
    TestnetOption,
    TimeoutOption,
    UrlOption,
    UserOption,
    Venue,
    VenueOption,
    WsUrlOption,
    YesOption,
    venue_config,
)
from execution.cli.output import Output

T = TypeVar("T")

_EXIT_CODES_TEXT = "\n".join(f"* {int(code)}: {text}" for code, text in EXIT_CODE_HELP.items())

# The order commands appear in --help: first steps, reading, trading, tools.
COMMAND_ORDER = (
    "demo", "sim", "balance", "positions", "orders", "buy", "sell", "close", "cancel",
    "cancel-all", "leverage", "size", "history",
)


class OneLineErrorGroup(TyperGroup):
    """Usage errors as one line on stderr (exit 2) instead of a usage box; commands listed
    in `COMMAND_ORDER`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        rank = {name: index for index, name in enumerate(COMMAND_ORDER)}
        return sorted(names, key=lambda name: rank.get(name, len(rank)))

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )
        try:
            result = super().main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )
        except click.exceptions.NoArgsIsHelpError as error:
            error.show()
            sys.exit(error.exit_code)
        except click.exceptions.UsageError as error:
            where = error.ctx.command_path if error.ctx is not None else "aster-exec"
            message = " ".join(error.format_message().split())
            sys.stderr.write(f"error: {message} (see '{where} --help')\n")
            sys.exit(error.exit_code)
        except click.exceptions.ClickException as error:
            sys.stderr.write(f"error: {' '.join(error.format_message().split())}\n")
            sys.exit(error.exit_code)
        except typer.Abort:
            sys.stderr.write("error: aborted\n")
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


app = typer.Typer(
    cls=OneLineErrorGroup,
    name="aster-exec",
    help="Order execution for AsterDEX perpetual futures, with a local exchange simulator.\n\n"
    "Commands talk to the venue set by --venue / ASTER_VENUE (default: the simulator). "
    "Without --url, the simulator venue starts an embedded simulator for the one command, "
    "so nothing persists between commands; run 'aster-exec sim' and pass --url to keep "
    "state.\n\nExit codes:\n\n" + _EXIT_CODES_TEXT,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


def _show_version(value: bool) -> None:
    if value:
        from execution import __version__

        print(f"aster-exec {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True,
                     help="Print the version and exit."),
    ] = False,
    env_file: Annotated[
        Path | None,
        typer.Option(
            "--env-file",
            help="Read settings from this file (default: ./.env when present). "
            "Variables already in the environment win.",
            show_default=False,
        ),
    ] = None,
) -> None:
    load_env_file(env_file)


def load_env_file(path: Path | None) -> None:
    """Load `path` (or ./.env when it exists) into the environment, without overriding."""
    from dotenv import load_dotenv

    if path is not None:
        if not path.is_file():
            raise typer.BadParameter(f"no such file: {path}", param_hint="--env-file")
        load_dotenv(path, override=False)
        return
    default = Path.cwd() / ".env"
    if default.is_file():
        load_dotenv(default, override=False)


def configure_logging(debug: bool) -> None:
    """With --debug, log everything to stderr. Without it nothing is configured: Python's
    last-resort handler still shows warnings (e.g. a .env readable by others)."""
    if debug:
        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
        logging.getLogger().setLevel(logging.DEBUG)


_VENUE_PARAMS: list[tuple[str, Any, Any]] = [
    ("venue", VenueOption, Venue.SIMULATOR),
    ("url", UrlOption, None),
    ("ws_url", WsUrlOption, None),
    ("testnet", TestnetOption, False),
    ("live", LiveOption, False),
    ("auth", AuthOption, AuthScheme.AUTO),
    ("api_key", ApiKeyOption, None),
    ("api_secret", ApiSecretOption, None),
    ("user", UserOption, None),
    ("signer", SignerOption, None),
    ("seed", SeedOption, 7),
    ("timeout", TimeoutOption, 10.0),
]
_OUTPUT_PARAMS: list[tuple[str, Any, Any]] = [
    ("json_output", JsonOption, False),
    ("debug", DebugOption, False),
]
_CONFIRM_PARAMS: list[tuple[str, Any, Any]] = [("yes", YesOption, False)]

# Names the decorator fills in for the command function itself.
_INJECTED = ("out", "venue", "yes")


def command(
    name: str,
    *,
    venue: bool = True,
    confirm: bool = False,
    json_option: bool = True,
    help: str | None = None,
    context_settings: dict[str, Any] | None = None,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register `func` as command `name`. The function receives `out: Output`, and
    `venue: VenueConfig` when `venue`, and `yes: bool` when `confirm`."""

    def decorate(func: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(func, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name not in _INJECTED]
        extra = list(_VENUE_PARAMS) if venue else []
        extra += _CONFIRM_PARAMS if confirm else []
        extra += _OUTPUT_PARAMS if json_option else _OUTPUT_PARAMS[1:]
        added = [
            inspect.Parameter(
                param_name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
            )
            for param_name, annotation, default in extra
        ]
        own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own]

        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> None:
            json_mode = bool(kwargs.pop("json_output", False))
            debug = bool(kwargs.pop("debug", False))
            out = Output(json_mode=json_mode)
            configure_logging(debug)
            venue_kwargs = {key: kwargs.pop(key) for key, _, _ in _VENUE_PARAMS if venue}
            confirm_kwargs = {"yes": kwargs.pop("yes")} if confirm else {}

            def body() -> None:
                if venue:
                    kwargs["venue"] = venue_config(**venue_kwargs)
                func(out=out, **confirm_kwargs, **kwargs)

            run_guarded(body, out=out, debug=debug)

        wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=own + added, return_annotation=None
        )
        wrapper.__annotations__ = {p.name: p.annotation for p in own + added}
        app.command(name, help=help or inspect.getdoc(func), context_settings=context_settings)(
            wrapper
        )
        return func

    return decorate


def run_guarded(body: Callable[[], None], *, out: Output, debug: bool) -> None:
    """Run a command body; turn any failure into one line on stderr and an exit code."""
    try:
        body()
    except (typer.Exit, typer.Abort):
        raise
    except typer.BadParameter:
        raise
    except (Exception, KeyboardInterrupt) as error:
        if debug:
            traceback.print_exc()
        code = exit_code_for(error)
        message = describe_error(error)
        out.error(message)
        if out.json_mode:
            out.emit_json(
                {"error": {"exit_code": int(code), "type": type(error).__name__,
                           "message": message}}
            )
        raise typer.Exit(int(code)) from None


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a command's async body on a fresh event loop."""
    return asyncio.run(coroutine)
