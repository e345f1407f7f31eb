"""Order management: the order state machine, validation, placement, event application,
the stream/polling feed, cancels and modifies, brackets, the store recorder, statistics
and reconciliation. `OrderManager` (the facade over all of it) lives in
`execution.orders.manager`."""
