"""Fleet soak: several driver processes on two simulated hosts, trading one account.

    python -m bench.fleet --drivers 4 --orders 1000 --kills 12 [--seed 7]

The simulator lives in this process; each driver (an `OrderManager` over an
`AsterDEXExchange`) is a child process with its own client-id prefix, bound to one of two
source addresses (127.0.0.1 and 127.0.0.2: the simulator counts request weight per client
IP, so these are two hosts to it). The drivers share one PostgreSQL store and one Redis
rate budget (started here as throwaway servers), or, without them, each keeps a SQLite
file and its own limits. Drivers are SIGKILLed at random and started again; at the end
every order on the exchange is checked against the one driver whose prefix it carries.
See docs/fleet-soak.md.
"""
