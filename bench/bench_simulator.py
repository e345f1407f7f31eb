"""Signed order requests per second served by the simulator, and its start-up time.

The simulator runs in its own process; this process drives it over N concurrent keep-alive
connections, each placing a resting LIMIT order and cancelling it (HMAC-signed, two requests
a cycle); with `--flow market`, a MARKET buy and a MARKET sell instead (each walks the book
and takes liquidity from it). Prints requests/s and the simulator's CPU time per request
(the throughput one free core would give, whatever else runs on the machine).

    .venv/bin/python bench/bench_simulator.py [--clients 16] [--seconds 5] [--profile]
                                              [--flow limit|market]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from decimal import Decimal
from multiprocessing.connection import Connection
from urllib.parse import urlencode, urlsplit

from execution.auth import hmac_sha256_hex
from execution.simulator import RateLimitConfig, SimAccount, SimulatedExchange

API_KEY = "benchkey"
API_SECRET = "benchsecret"
UNLIMITED = RateLimitConfig(
    weight_per_minute=10**9, orders_per_10s=10**9, orders_per_minute=10**9
)


def _run_simulator(conn: Connection, profile: bool) -> None:
    async def run() -> None:
        account = SimAccount(
            "bench", api_key=API_KEY, api_secret=API_SECRET,
            balances={"USDT": Decimal("100000000")},
        )
        started = time.perf_counter()
        async with SimulatedExchange(seed=1, accounts=[account], rate_limits=UNLIMITED,
                                     request_log_size=1000) as sim:
            conn.send((sim.rest_url, time.perf_counter() - started))
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, conn.recv)  # the load starts
            cpu_start = time.process_time()
            await loop.run_in_executor(None, conn.recv)  # the load ended
            conn.send(time.process_time() - cpu_start)

    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(async_mode="disabled")
        profiler.start()
        asyncio.run(run())
        profiler.stop()
        conn.send(profiler.output_text(unicode=True, color=False, show_all=False))
    else:
        asyncio.run(run())


def _signed(params: dict[str, str]) -> str:
    params["timestamp"] = str(int(time.time() * 1000))
    query = urlencode(params)
    return query + "&signature=" + hmac_sha256_hex(API_SECRET, query)


class _Connection:
    """A minimal keep-alive HTTP/1.1 client: a load generator must cost less than the server
    it measures, and on two cores a full HTTP client library would be the bottleneck."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, url: str) -> _Connection:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(reader, writer, f"{parts.hostname}:{parts.port}")

    async def request(self, method: str, path: str, body: str) -> int:
        payload = body.encode()
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nX-MBX-APIKEY: {API_KEY}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n").encode()
        self.writer.write(head + payload)
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    def close(self) -> None:
        self.writer.close()


async def _client(url: str, deadline: float, counts: list[int], worker: int,
                  market: bool = False) -> None:
    connection = await _Connection.open(url)
    sequence = 0
    try:
        while time.perf_counter() < deadline:
            sequence += 1
            client_order_id = f"b{worker}-{sequence}"
            if market:
                for side in ("BUY", "SELL"):
                    body = _signed({"symbol": "BTCUSDT", "side": side, "type": "MARKET",
                                    "quantity": "0.001",
                                    "newClientOrderId": f"{client_order_id}{side[0]}"})
                    status = await connection.request("POST", "/fapi/v1/order", body)
                    counts[0 if status == 200 else 1] += 1
                continue
            body = _signed({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                            "timeInForce": "GTC", "quantity": "0.001", "price": "30000",
                            "newClientOrderId": client_order_id})
            status = await connection.request("POST", "/fapi/v1/order", body)
            counts[0 if status == 200 else 1] += 1
            body = _signed({"symbol": "BTCUSDT", "origClientOrderId": client_order_id})
            status = await connection.request("DELETE", "/fapi/v1/order", body)
            counts[0 if status == 200 else 1] += 1
    finally:
        connection.close()


async def _drive(url: str, clients: int, seconds: float,
                 market: bool = False) -> tuple[int, int, float]:
    counts = [0, 0]
    await _client(url, time.perf_counter() + 0.5, [0, 0], -1, market)  # warm-up
    start = time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(*(_client(url, deadline, counts, i, market) for i in range(clients)))
    return counts[0], counts[1], time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--flow", choices=("limit", "market"), default="limit")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_run_simulator, args=(child, args.profile))
    process.start()
    url, startup = parent.recv()
    print(f"simulator start (engine, accounts, listening): {startup * 1000:.0f} ms")
    parent.send("start")
    market = args.flow == "market"
    ok, failed, elapsed = asyncio.run(_drive(url, args.clients, args.seconds, market))
    parent.send("stop")
    server_cpu = parent.recv()
    if args.profile:
        print(parent.recv())
    process.join(10)
    total = ok + failed
    print(f"{total} signed order requests in {elapsed:.2f} s over {args.clients} connections: "
          f"{total / elapsed:,.0f} requests/s ({failed} errors)")
    print(f"simulator CPU {server_cpu:.2f} s ({100 * server_cpu / elapsed:.0f}% of one core): "
          f"{1000 * server_cpu / max(1, total):.3f} ms a request, "
          f"{total / max(server_cpu, 1e-9):,.0f} requests/s per core")


if __name__ == "__main__":
    main()
