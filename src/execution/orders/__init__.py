"""Order management: the order state machine, validation, brackets, the manager, statistics
and reconciliation. `OrderManager` lives in `execution.orders.manager`."""
