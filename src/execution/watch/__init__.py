"""`aster-exec watch`: a live terminal view of positions, open orders, fills and PnL.

`model` is what the view shows, built from the order manager's state and events and free
of any widget (tested alone); `feed` wires a manager and a mark source to it; `app` is the
Textual application that draws it and turns keys into cancels and flattens, each after a
confirmation (`confirm`).
"""
