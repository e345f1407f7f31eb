"""Fault soak: a strategy-like driver against the simulator, under faults and SIGKILLs.

    python -m bench.soak --orders 5000 --restarts 20 [--seed 7]

The simulator lives in this process; the driver (an `OrderManager` over an
`AsterDEXExchange`, with a SQLite store) runs in a child process that is killed with SIGKILL
at random points and started again on the same store. At the end the exchange, the last
manager and the store are compared order by order; the report says what was driven, what
was injected and what disagreed.
"""
