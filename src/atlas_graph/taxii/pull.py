"""`atlas-graph import --taxii`: pull a TAXII 2.1 collection page by page through taxii2-client, as one organization.

Each page is imported as a STIX bundle through the STIX import (`stix.importer`, as POST /v1/stix imports it: the
caller's claims, deltas against what is stored, `revoked` objects retracted). A relationship whose ends come on a
later page, and an identity whose `targets` relationship does, are kept aside and imported together once the last
page is in. A `location` comes once (a server adds it with the first `located-at` to it): the state file keeps the
locations seen, and a page's `located-at` gets its location from there when the page lacks it.

**The cursor.** Per source (URL, collection, organization) a small state file remembers an `added_after` cursor.
After each page it is moved to just before the page's last date added (`X-TAXII-Date-Added-Last` less a
microsecond): objects added at that same instant may follow on the next page, and importing one again changes
nothing. After the last page it is that date itself. So an interrupted run resumes at most one instant back, and the
next run asks only for what was added since.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
import requests.auth
import requests.structures
from taxii2client.exceptions import TAXIIServiceException, ValidationError
from taxii2client.v21 import ApiRoot, Server, as_pages

from atlas_graph.errors import AtlasGraphError
from atlas_graph.models.stix import StixImportOut
from atlas_graph.models.vocabulary import Tlp
from atlas_graph.services.caller import Caller
from atlas_graph.stix.importer import import_stix_objects
from atlas_graph.stix.vocabulary import LOCATED_AT
from atlas_graph.store.graph import GraphStore
from atlas_graph.taxii.query import parse_timestamp

DEFAULT_PAGE_SIZE = 500


class TaxiiPullError(AtlasGraphError):
    """The TAXII server cannot be reached, refuses the credentials, or has no such collection."""


class RecordingAuth(requests.auth.AuthBase):
    """HTTP Basic or `Authorization: Bearer <token>` (taxii2-client's own TokenAuth sends `Token <token>`), and the
    headers of the last response: taxii2-client 2.3 gives back only the JSON of a page, not its
    X-TAXII-Date-Added-Last, which the cursor needs."""

    def __init__(self, *, user: str | None = None, password: str | None = None, token: str | None = None) -> None:
        self._basic = requests.auth.HTTPBasicAuth(user or "", password or "") if (user or password) else None
        self._token = token
        self.last_headers: requests.structures.CaseInsensitiveDict[str] = requests.structures.CaseInsensitiveDict()

    def __call__(self, request: Any) -> Any:
        if self._token:
            request.headers["Authorization"] = f"Bearer {self._token}"
        elif self._basic is not None:
            request = self._basic(request)
        request.register_hook("response", self._record)
        return request

    def _record(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self.last_headers = requests.structures.CaseInsensitiveDict(response.headers)


@dataclass(frozen=True)
class TaxiiSource:
    url: str
    collection: str
    user: str | None = None
    password: str | None = None
    token: str | None = None


@dataclass(frozen=True)
class PullProgress:
    page: int
    objects: int
    cursor: str | None


@dataclass
class PullSummary:
    source: str
    collection: str
    organization: str
    started_after: str | None
    cursor: str | None = None
    pages: int = 0
    objects: int = 0
    entities: Counter[str] = field(default_factory=Counter)
    relationships: Counter[str] = field(default_factory=Counter)
    unmapped: Counter[str] = field(default_factory=Counter)
    invalid: int = 0
    skipped: int = 0
    retracted: int = 0
    seconds: float = 0.0
    state_file: str = ""

    def add(self, result: StixImportOut) -> None:
        counts = result.result.counts
        for status in ("created", "merged", "updated"):
            self.entities[status] += getattr(counts.entities, status)
            self.relationships[status] += getattr(counts.relationships, status)
        self.invalid += len(result.invalid)
        self.retracted += len(result.retracted)


def state_path(state_dir: Path, source: TaxiiSource, organization: str) -> Path:
    """The state file of one source: named by a hash of the URL, the collection and the organization."""
    digest = hashlib.sha256("\x1f".join((source.url.rstrip("/"), source.collection, organization)).encode()).hexdigest()
    return state_dir / f"taxii-{digest[:24]}.json"


def _load_state(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _save_state(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)


def _before(timestamp: str) -> str:
    moment = parse_timestamp(timestamp, parameter="X-TAXII-Date-Added-Last") - timedelta(microseconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def pull(
    store: GraphStore,
    *,
    caller: Caller,
    source: TaxiiSource,
    state_dir: Path,
    default_tlp: Tlp,
    default_confidence: int,
    max_items: int,
    page_size: int = DEFAULT_PAGE_SIZE,
    restart: bool = False,
    on_page: Callable[[PullProgress], None] | None = None,
) -> PullSummary:
    """Import what the collection added since the last run, page by page, and move the cursor after each page."""
    started = time.monotonic()
    path = state_path(state_dir, source, caller.organization)
    state = {} if restart else _load_state(path)
    state.update(source=source.url, collection=source.collection, organization=caller.organization)
    deferred: list[dict[str, Any]] = list(state.get("deferred", []))
    summary = PullSummary(
        source=source.url,
        collection=source.collection,
        organization=caller.organization,
        started_after=state.get("added_after"),
        cursor=state.get("added_after"),
        state_file=str(path),
    )

    locations: dict[str, dict[str, Any]] = dict(state.get("locations", {}))

    def store_page(objects: list[dict[str, Any]], *, final: bool) -> StixImportOut:
        # A country's location comes once, with the first located-at to it (maybe pages or runs ago): bring it along.
        locations.update((obj["id"], obj) for obj in objects if _is_location(obj))
        on_page = {obj.get("id") for obj in objects}
        wanted = {obj.get("target_ref") for obj in objects if _is_located_at(obj)} - on_page
        objects = [*objects, *(locations[ref] for ref in sorted(wanted, key=str) if ref in locations)]
        result = import_stix_objects(
            store,
            caller=caller,
            objects=objects,
            default_tlp=default_tlp,
            default_confidence=default_confidence,
            max_items=max_items,
        )
        summary.add(result)
        later = _waiting_for_ends(objects, result) if not final else set()
        deferred.extend(objects[index] for index in sorted(later))
        for issue in result.unmapped:
            if issue.index not in later:
                summary.unmapped[issue.type or "?"] += 1
        summary.skipped += sum(1 for issue in result.skipped if issue.index not in later)
        return result

    for page in _pages(source, page_size=page_size, added_after=state.get("added_after")):
        objects, last_added, more = page
        store_page(objects, final=False)
        summary.pages += 1
        summary.objects += len(objects)
        if last_added is not None:
            state["added_after"] = _before(last_added) if more else last_added
            summary.cursor = state["added_after"]
        state["deferred"] = deferred
        state["locations"] = locations
        _save_state(path, state)
        if on_page is not None:
            on_page(PullProgress(page=summary.pages, objects=summary.objects, cursor=summary.cursor))
    if deferred:
        # Ends and targets that came on later pages are stored now: the deltas of the STIX import find them.
        for start in range(0, len(deferred), max_items):
            store_page(deferred[start : start + max_items], final=True)
        deferred.clear()
    state["deferred"] = []
    state["locations"] = locations
    _save_state(path, state)
    summary.seconds = time.monotonic() - started
    return summary


def _is_location(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("type") == "location" and isinstance(obj.get("id"), str)


def _is_located_at(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("type") == "relationship" and obj.get("relationship_type") == LOCATED_AT


def _waiting_for_ends(objects: list[dict[str, Any]], result: StixImportOut) -> set[int]:
    """Relationships left unmapped and identities skipped on this page: a later page may bring what they need."""
    waiting = {issue.index for issue in result.unmapped if issue.type == "relationship"}
    waiting |= {
        issue.index for issue in result.skipped if issue.type == "identity" and not objects[issue.index].get("revoked")
    }
    return waiting


def _pages(
    source: TaxiiSource, *, page_size: int, added_after: str | None
) -> Iterator[tuple[list[Any], str | None, bool]]:
    """(objects, X-TAXII-Date-Added-Last, more) for each page, with taxii2-client's errors made one-line."""
    auth = RecordingAuth(user=source.user, password=source.password, token=source.token)
    collection = _collection(source, auth)
    filters = {"added_after": added_after} if added_after else {}
    try:
        for envelope in as_pages(collection.get_objects, per_request=page_size, **filters):
            last_added = auth.last_headers.get("X-TAXII-Date-Added-Last")
            yield list(envelope.get("objects", [])), last_added, bool(envelope.get("more"))
    except requests.HTTPError as error:
        raise TaxiiPullError(_http_problem(source, error)) from None
    except requests.RequestException as error:
        raise TaxiiPullError(f"cannot reach the TAXII server at {source.url}: {_reason(error)}") from None
    except TAXIIServiceException as error:
        raise TaxiiPullError(
            f"the TAXII server at {source.url} answered something that is not TAXII 2.1: {error}"
        ) from None


def _collection(source: TaxiiSource, auth: RecordingAuth) -> Any:
    """The collection named by id, alias or title, found from a discovery URL or an API root URL."""
    credentials: dict[str, Any] = {"auth": auth}
    try:
        try:
            roots = list(Server(source.url, **credentials).api_roots)
        except (ValidationError, TAXIIServiceException, KeyError):
            roots = []
        except requests.HTTPError as error:
            if error.response is None or error.response.status_code != 404:
                raise
            roots = []
        if not roots:
            roots = [ApiRoot(source.url, **credentials)]
        seen: list[str] = []
        for root in roots:
            for collection in root.collections:
                if source.collection in {collection.id, collection.alias, collection.title}:
                    if not collection.can_read:
                        raise TaxiiPullError(f"the TAXII server lets these credentials not read {source.collection!r}")
                    return collection
                seen.append(collection.alias or collection.id)
    except requests.HTTPError as error:
        raise TaxiiPullError(_http_problem(source, error)) from None
    except requests.RequestException as error:
        raise TaxiiPullError(f"cannot reach the TAXII server at {source.url}: {_reason(error)}") from None
    except (ValidationError, TAXIIServiceException) as error:
        raise TaxiiPullError(f"{source.url} is not a TAXII 2.1 discovery or API root URL: {error}") from None
    raise TaxiiPullError(
        f"no collection {source.collection!r} at {source.url} (readable there: {', '.join(seen) or 'none'})"
    )


def _http_problem(source: TaxiiSource, error: Any) -> str:
    status = error.response.status_code if error.response is not None else "?"
    if status in (401, 403):
        return f"the TAXII server at {source.url} refused the credentials ({status})"
    return f"the TAXII server at {source.url} answered {status} for {error.request.url if error.request else '?'}"


def _reason(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:200]
