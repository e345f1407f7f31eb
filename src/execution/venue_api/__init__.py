"""The venue's documented futures API as data: endpoints, streams, error codes.

`asterdex_futures.json` was written from the AsterDEX api-docs repository (the v1 and v3
futures documents, the testnet document and the changelog; the commit is in `source`).
It holds facts only: paths, methods, authentication schemes, weights, parameter names and
types, the JSON types of the fields in the docs' example responses, stream names and
event fields, error codes and messages. `load()` reads it into typed records; the
simulator's conformance test and its routing hold themselves to it.
"""

from execution.venue_api.model import (
    DocsContradiction,
    DocumentedEndpoint,
    DocumentedError,
    DocumentedParam,
    DocumentedStream,
    JsonShape,
    VenueApi,
    load,
)

__all__ = [
    "DocsContradiction",
    "DocumentedEndpoint",
    "DocumentedError",
    "DocumentedParam",
    "DocumentedStream",
    "JsonShape",
    "VenueApi",
    "load",
]
