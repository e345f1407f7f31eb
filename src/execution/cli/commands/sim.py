"""`sim`: serve the local exchange simulator for a bot under development."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer

from execution.cli.app import command
from execution.cli.output import Output
from execution.errors import ValidationError
from execution.rules import normalize_symbol

if TYPE_CHECKING:
    from execution.simulator.engine.config import SymbolSpec

PANEL = "Account (default: one generated account, credentials printed)"


def _print_line(text: str) -> None:
    print(text, flush=True)


def _load_symbols(path: str | None) -> tuple[SymbolSpec, ...] | None:
    """The contracts of a saved exchangeInfo JSON file (ValidationError if bad)."""
    if path is None:
        return None
    from execution.simulator.engine.symbols import SymbolFileError, load_symbols

    try:
        return load_symbols(path)
    except SymbolFileError as error:
        raise ValidationError("symbols", path, str(error)) from None


def _load_replays(specs: list[str], symbols: tuple[SymbolSpec, ...] | None = None,
                  ) -> dict[str, list[Decimal]]:
    """`SYMBOL=FILE.csv` options -> kline close prices by symbol (ValidationError if bad)."""
    from execution.simulator.engine import DEFAULT_SYMBOLS, load_klines_csv

    known = {spec.symbol for spec in (symbols or DEFAULT_SYMBOLS)}
    replays: dict[str, list[Decimal]] = {}
    for spec in specs:
        symbol, separator, path = spec.partition("=")
        if not separator or not symbol.strip() or not path.strip():
            raise ValidationError("klines", spec, "must be SYMBOL=FILE.csv")
        if normalize_symbol(symbol) not in known:
            raise ValidationError("klines", spec, f"symbol must be one of {sorted(known)}")
        try:
            replays[normalize_symbol(symbol)] = load_klines_csv(path.strip())
        except (OSError, ValueError) as error:
            raise ValidationError("klines", spec, str(error)) from None
    return replays


@command("sim", venue=False, json_option=False)
def sim(
    out: Output,
    host: Annotated[str, typer.Option("--host", help="Interface to bind. Keep loopback "
                                      "unless you mean to share it.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                      help="First port (0: any free port).")] = 8090,
    endpoints: Annotated[int, typer.Option("--endpoints", min=1, max=8,
                                           help="Endpoints on consecutive ports (for failover "
                                           "tests).")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the price walk and fills.")] = 7,
    tick_interval: Annotated[float, typer.Option(
        "--tick-interval", min=0.01, help="Seconds between price ticks.")] = 0.25,
    no_ticks: Annotated[bool, typer.Option(
        "--no-ticks", help="Keep prices still (they move only on request).")] = False,
    klines: Annotated[list[str] | None, typer.Option(
        "--klines", help="Replay a symbol's kline closes, one per tick, instead of the random "
        "walk: SYMBOL=FILE.csv (exchange column order); repeatable.",
        show_default=False)] = None,
    lenient: Annotated[bool, typer.Option(
        "--lenient", help="Also answer the Binance-style paths the venue's docs do not have "
        "(/fapi/v2 and v1 variants, spot ping/time/exchangeInfo) for third-party bots.")] = False,
    testnet: Annotated[bool, typer.Option(
        "--testnet", help="Verify v3 signatures under the testnet's chain id (714).")] = False,
    dialect: Annotated[str, typer.Option(
        "--dialect", help="asterdex, or binance: run as a Binance USDⓈ-M venue (conditional "
        "orders only through the algo-order API, -4120 on the order endpoint).")] = "asterdex",
    symbols_file: Annotated[str | None, typer.Option(
        "--symbols", help="Contracts from a saved exchangeInfo JSON file instead of BTCUSDT, "
        "ETHUSDT and SOLUSDT (a symbol may add 'startPrice').", show_default=False)] = None,
    api_key: Annotated[str | None, typer.Option(
        "--api-key", help="HMAC API key of the account (env ASTER_API_KEY).",
        rich_help_panel=PANEL, show_default=False)] = None,
    api_secret: Annotated[str | None, typer.Option(
        "--api-secret", help="HMAC secret (env ASTER_API_SECRET).", rich_help_panel=PANEL,
        show_default=False)] = None,
    user: Annotated[str | None, typer.Option(
        "--user", help="v3 main wallet address (env ASTER_USER).", rich_help_panel=PANEL,
        show_default=False)] = None,
    signer: Annotated[list[str] | None, typer.Option(
        "--signer", help="Approved v3 signer address; repeatable (env ASTER_SIGNER).",
        rich_help_panel=PANEL, show_default=False)] = None,
    balance: Annotated[list[str] | None, typer.Option(
        "--balance", help="Starting balance ASSET=AMOUNT; repeatable.", rich_help_panel=PANEL,
        show_default="USDT=10000")] = None,
) -> None:
    """Serve the simulator (REST and WebSocket) until Ctrl-C.

    Point a bot (or 'aster-exec balance --url http://127.0.0.1:8090') at it with the credentials
    it prints. State lives as long as this process.
    """
    from execution.simulator.accounts import SimAccount
    from execution.simulator.endpoints import DIALECTS
    from execution.simulator.serve import (
        account_from_options,
        describe_account,
        parse_balances,
        serve,
    )

    if dialect not in DIALECTS:
        raise ValidationError("dialect", dialect, f"must be one of {', '.join(DIALECTS)}")
    symbols = _load_symbols(symbols_file)
    price_replay = _load_replays(klines or [], symbols)
    balances = parse_balances(balance) if balance else None
    account = account_from_options(
        api_key=api_key, api_secret=api_secret, user=user, signers=signer or (),
        balances=balances,
    )
    if account is None and balances:
        # Generated credentials with the requested balances: print them, as serve() would.
        account = SimAccount.generate("default", balances)
        _print_line("generated credentials (this run only):")
        for line in describe_account(account):
            _print_line(line)
    accounts = [account] if account is not None else None
    async def run_until_stopped() -> None:
        task = asyncio.ensure_future(serve(
            host, port, accounts=accounts, seed=seed, endpoints=endpoints,
            auto_tick=not no_ticks, tick_interval=tick_interval, print_line=_print_line,
            price_replay=price_replay, lenient=lenient, testnet=testnet, symbols=symbols,
            dialect=dialect,
        ))
        loop = asyncio.get_running_loop()
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
                loop.add_signal_handler(stop_signal, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C during shutdown
        asyncio.run(run_until_stopped())
    out.notice("simulator stopped")
