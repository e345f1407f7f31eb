"""Market data: the venue's market streams over one WebSocket (`client.MarketStream`),
typed events with Decimal figures (`events`, `parsing`), the public REST reads
(`rest.MarketRest`) and a local order book kept by the docs' recipe (`book`,
`book_keeper.OrderBookKeeper`)."""
