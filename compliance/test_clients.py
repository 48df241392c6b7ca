"""The field's client, PyActiveStorage, end to end through the server under test.

Holds the server, as a real client uses it, to docs/spec.md#clients: netCDF4 files written here
(compliance/netcdf_files.py) are stored in S3 (and the HTTP store), reduced through the server
with PyActiveStorage over whole arrays, slabs, strided and single-point selections and leading
axes; every request the client sends is checked against the suite's oracle, and the client's
final answer against netCDF4 + NumPy on the local file. The client's own limits are strict
xfails that name the client (``LIMITS``); each is checked to be the client's: the server's
answers to every request it sent are right first.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from .client_checks import (
    ClientDiffers,
    assert_answer,
    assert_server_right,
    expected_answer,
    sum_tolerance,
)
from .client_cases import ALL, LIMITS, OPERATIONS, SELECTIONS, VERSION, limit_of, op_id
from .gating import require
from .netcdf_files import BY_NAME, CHUNKS, SHAPE, UNWRITTEN, VARIABLES, Variable, write_file
from .profiles import Profile
from .report import CLIENT_LIMIT
from .pyactive import CLIENT, client_missing, recording_exchanges, reduce_with_client
from .pyactive import reduce_with_counts
from .settings import Settings
from .storage import ObjectStore

pytestmark = [
    pytest.mark.clients,
    # the client's own dependencies (aiohttp, fsspec) warn about how it passes credentials
    pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The 'auth' parameter is deprecated:DeprecationWarning"),
]

if importlib.util.find_spec("activestorage") is None:
    pytest.skip(
        f"the clients area needs the client: {CLIENT} (activestorage) is not installed",
        allow_module_level=True,
    )


@pytest.fixture(scope="session", autouse=True)
def _client_importable(profile: Profile) -> None:
    """The client's import (0.4 s: httpx, rich, ...) is done only by a process that runs a
    clients test, not at collection: a run without this area would pay it in every shard.
    A server without the files' features (0.11.0: API v1) skips the area before the import."""
    _require_the_files_features(profile)
    missing = client_missing()
    if missing:
        pytest.skip(f"the clients area needs the client: {missing}")


def _limited(key: str | None) -> Any:
    """A strict xfail naming the client; any other failure (the server's) stays red."""
    if key is None:
        return ()
    reason = f"{CLIENT_LIMIT}{VERSION}: {LIMITS[key]}"
    return pytest.mark.xfail(reason=reason, strict=True, raises=ClientDiffers)


def _matrix() -> list[Any]:
    cases = []
    for variable in VARIABLES:
        for operation in OPERATIONS:
            for selection in SELECTIONS:
                marks = _limited(limit_of(variable, operation, selection))
                case_id = f"{variable.name}-{op_id(operation)}-{selection}"
                cases.append(pytest.param(variable, operation, selection, id=case_id, marks=marks))
    return cases


# --- fixtures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredFile:
    """The local netCDF4 file and where the server reads its copy."""

    path: Path
    data: bytes
    dataset: str  # "bucket/key" (S3) or "folder/key" (HTTP store)
    store_url: str
    auth: tuple[str, str]
    interface_type: str


def _require_the_files_features(profile: Profile) -> None:
    """The files need the v2 API with zlib, shuffle, both byte orders and the missing_value /
    valid_* descriptors; checked before anything is uploaded."""
    require(profile, "api", "v2")
    require(profile, "compression", "zlib")
    require(profile, "filters", "shuffle")
    require(profile, "byte_order")
    for form in ("missing_value", "valid_min", "valid_max", "valid_range"):
        require(profile, "missing", form)


@pytest.fixture(scope="session")
def netcdf_file(tmp_path_factory: pytest.TempPathFactory, profile: Profile) -> tuple[Path, bytes]:
    _require_the_files_features(profile)
    path = write_file(tmp_path_factory.mktemp("clients") / "clients.nc")
    return path, path.read_bytes()


@pytest.fixture(scope="session")
def s3_file(
    netcdf_file: tuple[Path, bytes], store: ObjectStore, settings: Settings, profile: Profile
) -> StoredFile:
    _require_the_files_features(profile)
    path, data = netcdf_file
    ref = store.put_s3(settings.bucket_name, data, hashlib.sha256(data).hexdigest())
    auth = (settings.aws_id, settings.aws_password)
    return StoredFile(path, data, f"{ref.bucket}/{ref.key}", ref.base, auth, "s3")


@pytest.fixture(scope="session")
def http_file(netcdf_file: tuple[Path, bytes], store: ObjectStore, profile: Profile) -> StoredFile:
    _require_the_files_features(profile)
    require(profile, "http_backend")
    path, data = netcdf_file
    ref = store.put_http(data, hashlib.sha256(data).hexdigest(), private=True)
    return StoredFile(path, data, f"{ref.bucket}/{ref.key}", ref.base, store.http_auth, "https")


Reduce = Callable[..., Any]


@pytest.fixture
def through_client(settings: Settings, profile: Profile) -> Callable[..., Any]:
    """Run one client call; check the server's answers to it, then hand back the client's
    answer. A client exception after right server answers becomes ClientDiffers."""

    def run(
        stored: StoredFile, reduce: Reduce = reduce_with_client, tolerant: bool = False, **call: Any
    ) -> Any:
        __tracebackhide__ = True
        raised: Exception | None = None
        with recording_exchanges(settings.request_timeout) as exchanges:
            try:
                answer = reduce(
                    dataset=stored.dataset,
                    server_url=settings.proxy_url,
                    s3_url=stored.store_url,
                    auth=stored.auth,
                    interface_type=stored.interface_type,
                    ca_cert=settings.proxy_ca_cert,
                    **call,
                )
            except Exception as error:  # the client's own failure, or the server's: see below
                raised = error
        assert_server_right(exchanges, stored.data, profile, tolerant)
        if raised is not None:
            message = f"{CLIENT} raised {type(raised).__name__}: {raised}"
            raise ClientDiffers(f"{message} (after {len(exchanges)} right server answers)")
        return answer

    return run


def _tolerance(variable: Variable, operation: str | None, path: Path, index: Any) -> float:
    """Exact (0) unless the data are realistic floats and the operation sums them."""
    if variable.kind != "random" or operation not in ("sum", "mean"):
        return 0.0
    import netCDF4

    with netCDF4.Dataset(path) as dataset:
        data = dataset[variable.name][index]
    axis = tuple(range(data.ndim))
    bound = sum_tolerance(data, axis)
    return bound / max(data.size, 1) if operation == "mean" else bound


# --- tests ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("variable, operation, selection", _matrix())
def test_client_reduction(
    variable: Variable,
    operation: str | None,
    selection: str,
    s3_file: StoredFile,
    through_client: Callable[..., Any],
) -> None:
    """Each variable x operation x selection, the whole array reduced (or selected)."""
    index = SELECTIONS[selection]
    tolerant = variable.kind == "random"
    answer = through_client(
        s3_file, ncvar=variable.name, operation=operation, index=index, tolerant=tolerant
    )
    axis = tuple(range(len(SHAPE)))
    expected, _ = expected_answer(s3_file.path, variable.name, operation, index, axis)
    assert_answer(expected, answer, _tolerance(variable, operation, s3_file.path, index))


AXIS_VARIABLES = ("f32_zlib_fill", "f64_big_fill", "i32_zlib", "f64_contiguous_missing")
LEADING_AXES = {"t": (0,), "t-y": (0, 1)}
TRAILING_AXES = {"y": (1,), "x": (2,), "y-x": (1, 2)}


def _axis_cases() -> list[Any]:
    """Leading axes for every axis variable and operation; the others once per axis."""
    cases = []
    for name in AXIS_VARIABLES:
        for operation in ("min", "max", "sum", "mean"):
            for axes_id, axes in LEADING_AXES.items():
                kept = len(SHAPE) - len(axes)
                limit = "mean-axis-counts" if operation == "mean" and kept >= 2 else None
                marks = _limited(limit)
                case_id = f"{name}-{operation}-{axes_id}"
                cases.append(pytest.param(BY_NAME[name], operation, axes, id=case_id, marks=marks))
    for axes_id, axes in TRAILING_AXES.items():
        case_id = f"f32_zlib_fill-sum-{axes_id}"
        marks = _limited("trailing-axis")
        cases.append(pytest.param(BY_NAME["f32_zlib_fill"], "sum", axes, id=case_id, marks=marks))
    return cases


@pytest.mark.parametrize("variable, operation, axis", _axis_cases())
def test_client_axis(
    variable: Variable,
    operation: str,
    axis: tuple[int, ...],
    s3_file: StoredFile,
    through_client: Callable[..., Any],
) -> None:
    """Reductions over chosen axes of a strided slab (the client sends them to every chunk)."""
    index = SELECTIONS["strided"]
    answer = through_client(
        s3_file, ncvar=variable.name, operation=operation, index=index, axis=axis
    )
    expected, _ = expected_answer(s3_file.path, variable.name, operation, index, axis)
    assert_answer(expected, answer)


COUNT_VARIABLES = ("f32_zlib_fill", "f64_contiguous_missing", "f32_zlib_range", "f64_empty_chunk")


@pytest.mark.parametrize("selection", ["whole", "strided"])
@pytest.mark.parametrize("operation", ["sum", "max", "mean"])
@pytest.mark.parametrize("name", COUNT_VARIABLES)
def test_client_counts(
    name: str,
    operation: str,
    selection: str,
    s3_file: StoredFile,
    through_client: Callable[..., Any],
) -> None:
    """The client's `components` answer: its count (the sum of the server's counts) is the
    number of elements netCDF4 leaves unmasked, and its value the sum or extreme."""
    index = SELECTIONS[selection]
    value, count = through_client(
        s3_file, reduce_with_counts, ncvar=name, operation=operation, index=index
    )
    axis = tuple(range(len(SHAPE)))
    kind = "sum" if operation == "mean" else operation
    expected, expected_count = expected_answer(s3_file.path, name, kind, index, axis)
    assert_answer(np.ma.masked_array(expected_count), count)
    assert_answer(expected, value)


EMPTY_CHUNK = tuple(slice(0, n) for n in CHUNKS)


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(op, marks=_limited("count-zero-unmasked") if op != "mean" else ())
        for op in ("min", "max", "sum", "mean")
    ],
)
def test_client_fully_missing_selection(
    operation: str, s3_file: StoredFile, through_client: Callable[..., Any]
) -> None:
    """A selection with no valid element: a user expects a masked answer, as netCDF4 + NumPy
    give (the server answers count 0 with the spec's sentinel, or 0 for a sum)."""
    name = "f64_empty_chunk"
    answer = through_client(s3_file, ncvar=name, operation=operation, index=EMPTY_CHUNK)
    axis = tuple(range(len(SHAPE)))
    expected, _ = expected_answer(s3_file.path, name, operation, EMPTY_CHUNK, axis)
    assert expected.mask.all()
    assert_answer(expected, answer)


@pytest.mark.parametrize(
    "operation",
    [pytest.param(op, id=op_id(op), marks=_limited("dropped-axis")) for op in OPERATIONS],
)
def test_client_integer_index(
    operation: str | None, s3_file: StoredFile, through_client: Callable[..., Any]
) -> None:
    """A single point as a user writes it, ``var[5, 3, 6]``."""
    index = (5, 3, 6)
    name = "f32_zlib_fill"
    answer = through_client(s3_file, ncvar=name, operation=operation, index=index)
    expected, _ = expected_answer(s3_file.path, name, operation, index, ())
    assert_answer(expected, answer)


@pytest.mark.xfail(
    reason=f"{CLIENT_LIMIT}{VERSION}: {LIMITS['unwritten-chunk']}",
    strict=True,
    raises=ClientDiffers,
)
def test_client_unwritten_chunk(s3_file: StoredFile, through_client: Callable[..., Any]) -> None:
    """A chunk that was never written reads as fill values in netCDF4."""
    answer = through_client(s3_file, ncvar=UNWRITTEN.name, operation="sum", index=ALL)
    expected, _ = expected_answer(s3_file.path, UNWRITTEN.name, "sum", ALL, (0, 1, 2))
    assert_answer(expected, answer)


HTTP_VARIABLES = ("f32_zlib_fill", "f64_big_fill", "f64_contiguous_missing")


@pytest.mark.parametrize("operation", ["min", "max", "sum", "mean"])
@pytest.mark.parametrize("name", HTTP_VARIABLES)
def test_client_http_backend(
    name: str,
    operation: str,
    http_file: StoredFile,
    through_client: Callable[..., Any],
    settings: Settings,
    request: pytest.FixtureRequest,
) -> None:
    """The same file on the HTTP store (private, Basic auth), `interface_type: https`; over
    TLS the client cannot be handed the server's CA for it."""
    if settings.proxy_url.startswith("https:"):
        request.applymarker(_limited("https-no-ca"))
    index = SELECTIONS["slab"]
    answer = through_client(http_file, ncvar=name, operation=operation, index=index)
    expected, _ = expected_answer(http_file.path, name, operation, index, (0, 1, 2))
    assert_answer(expected, answer)
