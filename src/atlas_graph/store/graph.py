"""The connection to Neo4j: one driver per process, named database on every call, driver errors mapped once here."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, TypeVar

import neo4j
from neo4j import GraphDatabase, ManagedTransaction, RoutingControl
from neo4j.exceptions import (
    AuthError,
    DriverError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from atlas_graph.errors import StoreUnavailable
from atlas_graph.metrics import NEO4J_CALLS_IN_FLIGHT
from atlas_graph.store.cypher import CypherLibrary

SERVER_COMPONENTS = "read/server_components"
QUERIES = (SERVER_COMPONENTS,)
# A node a read reached was deleted by a write that committed meanwhile (see GraphStore._retried).
ENTITY_NOT_FOUND = "Neo.ClientError.Statement.EntityNotFound"

T = TypeVar("T")
P = ParamSpec("P")


@dataclass(frozen=True)
class Neo4jConnection:
    """Where and as whom to connect."""

    uri: str
    user: str
    password: str | None
    database: str
    connection_timeout: float = 10.0
    max_retry_time: float = 15.0


@dataclass(frozen=True)
class ServerInfo:
    address: str
    version: str
    edition: str
    database: str


class GraphStore:
    """The driver, the database name and the Cypher library, handed to every store function."""

    def __init__(
        self, driver: neo4j.Driver, *, database: str, queries: CypherLibrary, max_retry_time: float = 15.0
    ) -> None:
        self.driver = driver
        self.database = database
        self.queries = queries
        self.max_retry_time = max_retry_time

    @classmethod
    def open(cls, connection: Neo4jConnection, *, queries: CypherLibrary) -> GraphStore:
        auth = (connection.user, connection.password) if connection.password is not None else None
        driver = GraphDatabase.driver(
            connection.uri,
            auth=auth,
            connection_timeout=connection.connection_timeout,
            # A lost server must not stall a request for the driver's default 60 s of pool waiting.
            connection_acquisition_timeout=connection.connection_timeout,
            # The retries are ours (GraphStore._retried), which stop at the deadline: the driver checks the time only
            # before a backoff sleep that doubles each time, so its last sleep overshot the window by up to 19 s.
            max_transaction_retry_time=0,
            # Schema-less warnings (an unknown property on an empty graph) are noise for a service; errors still raise.
            notifications_min_severity="OFF",
        )
        return cls(driver, database=connection.database, queries=queries, max_retry_time=connection.max_retry_time)

    def verify(self) -> None:
        """Connect and authenticate once, without the retries a query gets: fail fast on bad settings."""
        with translated_errors():
            self.driver.verify_connectivity()

    def close(self) -> None:
        self.driver.close()

    def read(self, name: str, parameters: dict[str, Any] | None = None) -> list[neo4j.Record]:
        """Run one named read query with automatic retries; returns its records."""
        with translated_errors():
            records, _, _ = self._retried(
                lambda: self.driver.execute_query(
                    self.queries[name], parameters, database_=self.database, routing_=RoutingControl.READ
                ),
                reading=True,
            )
        return records

    def write_transaction(
        self, work: Callable[Concatenate[ManagedTransaction, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run `work` in one write transaction; the driver may call it again on transient failure."""
        with translated_errors(), self.driver.session(database=self.database) as session:
            return self._retried(lambda: session.execute_write(work, *args, **kwargs))

    def read_transaction(
        self, work: Callable[Concatenate[ManagedTransaction, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        with translated_errors(), self.driver.session(database=self.database) as session:
            return self._retried(lambda: session.execute_read(work, *args, **kwargs), reading=True)

    def _retried(self, call: Callable[[], T], *, reading: bool = False) -> T:
        """`call` again on a retryable failure (what the driver would retry), until `max_retry_time` after the first.

        A read is also retried when a node it reached was deleted by a write that committed meanwhile (reads see
        each query's committed state, not a snapshot): a retraction or a merge beside a search or a path is normal
        traffic, and a read has nothing to undo.

        The backoff is the driver's (1 s, doubling, +-20%), but a sleep never passes the deadline: one last attempt
        runs at it, then the failure stands.
        """
        deadline: float | None = None
        delay = 1.0
        while True:
            try:
                return call()
            except (DriverError, Neo4jError) as error:
                if not (error.is_retryable() or (reading and _deleted_meanwhile(error))):
                    raise
                now = time.monotonic()
                deadline = now + self.max_retry_time if deadline is None else deadline
                if now >= deadline:
                    raise
                time.sleep(min(delay * random.uniform(0.8, 1.2), deadline - now))
                delay *= 2

    def server_info(self) -> ServerInfo:
        """Version and edition of the server, proving it answers queries on our database.

        Run once, without the driver's retries, so that readiness answers within the connection timeout.
        """
        with translated_errors(), self.driver.session(database=self.database) as session:
            kernel = session.run(self.queries[SERVER_COMPONENTS]).single(strict=True)
            address = session.run("RETURN 1").consume().server.address
        return ServerInfo(
            address=f"{address[0]}:{address[1]}",
            version=kernel["version"],
            edition=kernel["edition"],
            database=self.database,
        )


@dataclass
class _Outage:
    """The first StoreUnavailable of one request, once there is one."""

    first: StoreUnavailable | None = field(default=None)


_REQUEST_OUTAGE: ContextVar[_Outage | None] = ContextVar("atlas_request_outage", default=None)


@contextmanager
def fail_fast_after_outage() -> Iterator[None]:
    """Within it (one request), once a call to Neo4j has failed as unavailable, every later call fails at once.

    Each call retries for up to ATLAS_NEO4J_MAX_RETRY_TIME; a request makes several (authentication, a read, the
    write, the audit of its failure), so with Neo4j down it took a multiple of that to answer 503. Neo4j does not
    come back within one request often enough to wait for it twice.
    """
    token = _REQUEST_OUTAGE.set(_Outage())
    try:
        yield
    finally:
        _REQUEST_OUTAGE.reset(token)


@contextmanager
def translated_errors() -> Iterator[None]:
    """Map the driver's connectivity and auth errors onto StoreUnavailable, with one readable line.

    Every call to the driver runs inside this, so it also counts the calls in flight, and in a request it fails
    at once after a first StoreUnavailable (fail_fast_after_outage).
    """
    outage = _REQUEST_OUTAGE.get()
    if outage is not None and outage.first is not None:
        raise StoreUnavailable(str(outage.first))
    try:
        with _driver_errors_translated():
            yield
    except StoreUnavailable as error:
        if outage is not None:
            outage.first = error
        raise


@contextmanager
def _driver_errors_translated() -> Iterator[None]:
    NEO4J_CALLS_IN_FLIGHT.inc()
    try:
        yield
    except AuthError as error:
        raise StoreUnavailable(f"Neo4j refused the credentials: {_one_line(error.message)}") from error
    except IncompleteCommit as error:
        raise StoreUnavailable(
            f"Neo4j went away during the commit, so the write may or may not have been stored: {_one_line(str(error))}"
        ) from error
    except (ServiceUnavailable, SessionExpired) as error:
        raise StoreUnavailable(f"Neo4j is unreachable: {_one_line(str(error))}") from error
    except TransientError as error:
        # Still failing after the driver's retries (a database starting or stopping, a lock that never came free):
        # a temporary condition of the store, for the client to retry later, not a fault in the request.
        raise StoreUnavailable(f"Neo4j cannot answer for now: {_one_line(error.message)}") from error
    except Neo4jError as error:
        if error.code and error.code.startswith("Neo.ClientError.Database.DatabaseNotFound"):
            raise StoreUnavailable(f"Neo4j has no database of that name: {error.message}") from error
        raise
    except DriverError as error:
        if isinstance(error, (ValueError, TypeError)):
            raise
        raise StoreUnavailable(f"Neo4j driver error: {_one_line(str(error))}") from error
    finally:
        NEO4J_CALLS_IN_FLIGHT.dec()


def _deleted_meanwhile(error: DriverError | Neo4jError) -> bool:
    return isinstance(error, Neo4jError) and error.code == ENTITY_NOT_FOUND


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())
