"""The district a database serves: its identity and outline, its reference network, and `init`.

A database holds one district. `init` brings an empty database to the newest schema and loads the
district's reference network (streets, communities and the outline) and nothing else: children,
cases and payments come later through the importer. For Futian the network is bundled
(data_access/districts/futian: public administrative facts, a schematic outline); any other district
brings its own files.

    python -m data_access.district init [--db URL] [--district futian | --network DIR]

A network directory holds ``outline.geojson`` (one polygon feature whose properties name the
district: ``id``, ``code``, ``name_zh``, ``name_en`` and optionally ``crs`` and ``source``),
``streets.csv`` or ``streets.xlsx`` and ``communities.csv`` or ``communities.xlsx``, with the
columns of the importer's kinds of the same names (docs/import.md).
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.geometry import MultiPoint, Point, mapping, shape
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from catalogue.i18n import t
from data_access import config, geo, migrate, schema
from data_access.engine import make_engine

BUNDLED = Path(__file__).with_name("districts")
NETWORK_FILES = ("streets", "communities")
DISTRICT_KEYS = ("district_id", "district_code", "district_name_zh", "district_name_en", "district_outline",
                 "district_outline_source")


def message(key: str, lang: str, **values: object) -> str:
    """A message of the catalogue's district.* block."""
    return t(f"district.{key}", lang, **values)


class NetworkError(ValueError):
    """A network that cannot be loaded; ``key`` names the message, ``values`` fill it."""

    def __init__(self, key: str, **values: object):
        super().__init__(key)
        self.key = key
        self.values = values

    def text(self, lang: str) -> str:
        """The message; a value also given in English as ``<name>_en`` fills ``<name>`` in English."""
        values = {k: v for k, v in self.values.items() if not k.endswith("_en")}
        if lang == "en":
            values |= {k.removesuffix("_en"): v for k, v in self.values.items() if k.endswith("_en")}
        return message(self.key, lang, **values)


@dataclass(frozen=True)
class District:
    """Who the database serves: the district's identity and its outline in WGS84."""

    id: str
    code: str
    name_zh: str
    name_en: str
    outline: dict  # a GeoJSON Polygon or MultiPolygon geometry, WGS84
    outline_source: str = "schematic"

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(lon_min, lat_min, lon_max, lat_max)."""
        return shape(self.outline).bounds

    def contains(self, lat: float, lon: float, margin: float = geo.BBOX_MARGIN) -> bool:
        """Whether a point lies inside the outline, or within ``margin`` degrees (about 100 m) of it."""
        return shape(self.outline).buffer(margin).contains(Point(lon, lat))


def read_district(bind: Engine | Connection) -> District | None:
    """The district the database was initialised for, or None before `init` (or the sample) ran."""
    query = select(schema.dataset_info.c.key, schema.dataset_info.c.value).where(
        schema.dataset_info.c.key.in_(DISTRICT_KEYS))
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            values = dict(conn.execute(query).all())
    else:
        values = dict(bind.execute(query).all())
    if not values.get("district_id") or not values.get("district_outline"):
        return None
    return District(values["district_id"], values.get("district_code", ""), values.get("district_name_zh", ""),
                    values.get("district_name_en", ""), json.loads(values["district_outline"]),
                    values.get("district_outline_source", "schematic"))


def district_rows(district: District) -> list[dict]:
    """The district's identity as dataset_info rows."""
    outline = json.dumps(mapping(shapely.set_precision(shape(district.outline), 1e-6)), separators=(",", ":"))
    values = (district.id, district.code, district.name_zh, district.name_en, outline, district.outline_source)
    return [{"key": key, "value": value} for key, value in zip(DISTRICT_KEYS, values)]


def set_info(conn: Connection, rows: list[dict]) -> None:
    """Write dataset_info keys, replacing what they held."""
    info = schema.dataset_info
    conn.execute(delete(info).where(info.c.key.in_([r["key"] for r in rows])))
    conn.execute(insert(info), rows)


# --- reading a network ----------------------------------------------------------------------

@dataclass(frozen=True)
class NetworkFile:
    name: str
    data: bytes


@dataclass(frozen=True)
class Network:
    district: District
    files: dict[str, NetworkFile] = field(default_factory=dict)  # "streets", "communities"


def read_outline(path: Path) -> District:
    """The district's identity and outline from a GeoJSON feature (or a collection of one)."""
    file = path.name
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise NetworkError("outline.unreadable", file=file, detail=exc.strerror or exc) from exc
    except ValueError as exc:
        raise NetworkError("outline.not_geojson", file=file) from exc
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features") or []
        document = features[0] if len(features) == 1 else None
    if not isinstance(document, dict) or document.get("type") != "Feature" or not isinstance(document.get("geometry"), dict):
        raise NetworkError("outline.not_geojson", file=file)
    try:
        geometry = shape(document["geometry"])
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, shapely.errors.ShapelyError) as exc:
        raise NetworkError("outline.not_geojson", file=file) from exc
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise NetworkError("outline.not_polygon", file=file, type=geometry.geom_type)
    if geometry.is_empty or not geometry.is_valid:
        raise NetworkError("outline.invalid", file=file, detail=shapely.is_valid_reason(geometry))
    lon_min, lat_min, lon_max, lat_max = geometry.bounds
    if lon_min < -180 or lon_max > 180 or lat_min < -90 or lat_max > 90:
        raise NetworkError("outline.coordinates", file=file)
    properties = document.get("properties") or {}
    for name, meaning in (("id", "id, e.g. futian"), ("code", "区划代码 / code"), ("name_zh", "中文名称"),
                          ("name_en", "English name")):
        if not str(properties.get(name) or "").strip():
            raise NetworkError("outline.property", file=file, name=name, meaning=meaning)
    district_id = str(properties["id"]).strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", district_id):
        raise NetworkError("outline.id", value=district_id)
    crs = geo.normalise_crs(str(properties.get("crs") or "WGS84"))
    if crs is None:
        raise NetworkError("outline.crs", file=file, value=properties.get("crs"), allowed=", ".join(geo.CRS_NAMES))
    geometry = geo.convert_geometry(geometry, crs, "WGS84")
    source = "official" if properties.get("source") == "official" else "schematic"
    return District(district_id, str(properties["code"]).strip(), str(properties["name_zh"]).strip(),
                    str(properties["name_en"]).strip(), mapping(geometry), source)


def read_network(directory: Path) -> Network:
    """The outline and the network files of a directory."""
    if not directory.is_dir():
        raise NetworkError("network.not_dir", dir=directory)
    outline = next((p for p in (directory / "outline.geojson", directory / "outline.json") if p.exists()), None)
    if outline is None:
        raise NetworkError("outline.missing", dir=directory)
    district = read_outline(outline)
    files = {}
    for name in NETWORK_FILES:
        path = next((directory / f"{name}{s}" for s in (".csv", ".xlsx") if (directory / f"{name}{s}").exists()), None)
        if path is None:
            raise NetworkError("network.missing", dir=directory, name=name)
        files[name] = NetworkFile(path.name, path.read_bytes())
    return Network(district, files)


def bundled_districts() -> tuple[str, ...]:
    return tuple(sorted(p.name for p in BUNDLED.iterdir() if (p / "outline.geojson").exists()))


def bundled_network(name: str = "futian") -> Network:
    return read_network(BUNDLED / name)


# --- schematic street cells -----------------------------------------------------------------

def schematic_cells(outline: dict, centroids: dict[str, tuple[float, float]]) -> dict[str, shapely.Geometry]:
    """Each street's Voronoi cell around its centroid (lat, lon), clipped to the outline."""
    area = shape(outline)
    if len(centroids) == 1:
        return {sid: area for sid in centroids}
    points = {sid: Point(lon, lat) for sid, (lat, lon) in centroids.items()}
    cells = shapely.voronoi_polygons(MultiPoint(list(points.values())), extend_to=area.buffer(0.05))
    out = {}
    for sid, point in points.items():
        cell = next((c for c in cells.geoms if c.contains(point)), None)
        out[sid] = (cell or point.buffer(0.001)).intersection(area)
    return out


def geometry_json(geometry: shapely.Geometry) -> str:
    """GeoJSON text of a geometry with coordinates rounded to about 1 m."""
    return json.dumps(mapping(shapely.set_precision(geometry, 1e-5)), separators=(",", ":"))


def refresh_schematic_cells(conn: Connection) -> None:
    """Redraw the schematic cells of the streets from their centroids (official cells are kept)."""
    district = read_district(conn)
    S = schema.streets
    rows = conn.execute(select(S.c.id, S.c.lat, S.c.lon, S.c.geometry, S.c.geometry_source)).mappings().all()
    if district is None or not rows:
        return
    cells = schematic_cells(district.outline, {r["id"]: (r["lat"], r["lon"]) for r in rows})
    for row in rows:
        if row["geometry_source"] != "schematic":
            continue
        text = geometry_json(cells[row["id"]])
        if row["geometry"] != text:
            conn.execute(update(S).where(S.c.id == row["id"]).values(geometry=text, geometry_crs="WGS84"))


# --- init -----------------------------------------------------------------------------------

@dataclass
class InitReport:
    district: District
    results: dict = field(default_factory=dict)  # kind → importer.ImportResult
    refusal: NetworkError | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None and all(not r.blocked and not r.problems for r in self.results.values())

    def lines(self, lang: str) -> list[str]:
        if self.refusal is not None:
            return [self.refusal.text(lang), message("init.failed", lang)]
        problems = [line for r in self.results.values() for line in r.report(lang)[:-1] if r.problems]
        if not self.ok:
            return [*problems, message("init.failed", lang)]
        s, c = self.results["streets"], self.results["communities"]
        d = self.district
        return [
            message("init.loaded", lang, name=d.name_en if lang == "en" else d.name_zh, code=d.code,
                    streets=s.rows_read, communities=c.rows_read,
                    source=message(f"source.{d.outline_source}", lang)),
            message("init.changes", lang, s_ins=s.inserted, s_upd=s.updated, s_same=s.unchanged,
                    c_ins=c.inserted, c_upd=c.updated, c_same=c.unchanged),
        ]


def refusal(conn: Connection, district: District) -> NetworkError | None:
    """Why this database cannot take the district's network, or None when it can."""
    info = dict(conn.execute(select(schema.dataset_info.c.key, schema.dataset_info.c.value)).all())
    if info.get("synthetic") == "true":
        return NetworkError("db.synthetic")
    stored = read_district(conn)
    if stored is not None and stored.id != district.id:
        return NetworkError("db.other_district", name=stored.name_zh, name_en=stored.name_en, id=stored.id,
                            wanted=district.name_zh, wanted_en=district.name_en, wanted_id=district.id)
    if stored is None and conn.execute(select(func.count()).select_from(schema.streets)).scalar():
        streets = conn.execute(select(schema.streets.c.id).order_by(schema.streets.c.id).limit(5)).scalars()
        return NetworkError("db.unknown_streets", wanted=district.name_zh, wanted_en=district.name_en,
                            streets=", ".join(streets))
    return None


def load_network(conn: Connection, network: Network, username: str | None = None) -> InitReport:
    """Store the district and upsert its streets and communities on an open transaction.

    The caller commits when the report is ok and rolls back otherwise.
    """
    from data_access import importer

    report = InitReport(network.district)
    set_info(conn, [*district_rows(network.district), {"key": "synthetic", "value": "false"}])
    for name in NETWORK_FILES:
        file = network.files[name]
        result = importer.import_rows(conn, name, file.data, file.name, username=username)
        report.results[name] = result
        if result.blocked or result.problems:
            break
    return report


def init_database(engine: Engine, network: Network, username: str | None = None) -> InitReport:
    """Migrate the database and load the network in one transaction; a refused or bad network changes nothing."""
    migrate.upgrade(engine)
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            problem = refusal(conn, network.district)
            if problem is not None:
                transaction.rollback()
                return InitReport(network.district, refusal=problem)
            report = load_network(conn, network, username)
            if report.ok:
                transaction.commit()
            else:
                transaction.rollback()
        except BaseException:
            transaction.rollback()
            raise
    return report


def main(argv: list[str] | None = None) -> int:
    config.exit_on_bad_settings()
    parser = argparse.ArgumentParser(prog="python -m data_access.district", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="migrate a database and load a district's reference network")
    init.add_argument("--db", help="database URL (default: DATABASE_URL or the bundled SQLite file)")
    source = init.add_mutually_exclusive_group()
    source.add_argument("--district", choices=bundled_districts(), help="a bundled district (default: futian)")
    source.add_argument("--network", type=Path, help="a directory with outline.geojson, streets and communities")
    args = parser.parse_args(argv)
    lang = config.default_language()
    try:
        network = read_network(args.network) if args.network else bundled_network(args.district or "futian")
    except NetworkError as exc:
        print(exc.text(lang), file=sys.stderr)
        print(message("init.failed", lang), file=sys.stderr)
        return 2
    engine = make_engine(args.db or config.database_url())
    try:
        report = init_database(engine, network, getpass.getuser())
    finally:
        engine.dispose()
    stream = sys.stdout if report.ok else sys.stderr
    for line in report.lines(lang):
        print(line, file=stream)
    if report.ok:
        print(message("init.next", lang))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
