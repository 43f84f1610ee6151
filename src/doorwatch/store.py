"""The local store: every audit, kept as the exact JSON document that was reported.

Each audit is stored whole, as canonical JSON bytes with their SHA-256, beside a
few indexed columns for listing. The document is never rewritten, so the same
bytes can later be signed and sent to a fleet server, which can store them
unchanged and check the digest. One transaction per audit: SQLite either has
the whole record or none of it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import platformdirs
from sqlalchemy import DateTime, Integer, String, Text, create_engine, event, select
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from doorwatch.errors import StoreError
from doorwatch.model import AuditReport, Severity

STORE_FORMAT = "doorwatch-store"
STORE_VERSION = "1"


def default_store_path() -> Path:
    return Path(platformdirs.user_data_dir("doorwatch")) / "audits.sqlite"


def canonical_json(report: AuditReport) -> bytes:
    """The bytes that are stored, hashed and (later) signed: sorted keys, no whitespace."""
    return json.dumps(report.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class Base(DeclarativeBase):
    pass


class Meta(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[str] = mapped_column(String)


class StoredAudit(Base):
    __tablename__ = "audits"
    audit_id: Mapped[str] = mapped_column(String, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    hostname: Mapped[str | None] = mapped_column(String)
    machine_id: Mapped[str | None] = mapped_column(String, index=True)
    policy: Mapped[str] = mapped_column(String)
    clearance: Mapped[str | None] = mapped_column(String)
    verdict: Mapped[str] = mapped_column(String)
    components: Mapped[int] = mapped_column(Integer)
    findings: Mapped[int] = mapped_column(Integer)
    worst: Mapped[str | None] = mapped_column(String)
    sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text)
    signature: Mapped[str | None] = mapped_column(Text, nullable=True)


class Store:
    """An SQLite store of audits. Opening checks that the file is a doorwatch store."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path).expanduser() if path else default_store_path()
        if self.path.exists() and not self.path.is_file():
            raise StoreError(f"store {self.path} is not a file")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(f"cannot create the store's folder {self.path.parent}: {err.strerror or err}") from None
        self.engine = create_engine(f"sqlite:///{self.path}")
        event.listen(self.engine, "connect", _sqlite_pragmas)
        self._check_or_create()

    def _check_or_create(self) -> None:
        try:
            with self.engine.begin() as connection:
                tables = set(connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'").scalars())
                if tables and "meta" not in tables:
                    raise StoreError(f"{self.path} is an SQLite database but not a doorwatch store; choose another --store")
                Base.metadata.create_all(connection)
                rows = dict(connection.execute(select(Meta.key, Meta.value)).all())
                if not rows:
                    connection.execute(Meta.__table__.insert(), [{"key": "format", "value": STORE_FORMAT}, {"key": "version", "value": STORE_VERSION}])
                elif rows.get("format") != STORE_FORMAT:
                    raise StoreError(f"{self.path} is not a doorwatch store; choose another --store")
                elif rows.get("version") != STORE_VERSION:
                    raise StoreError(f"{self.path} is a doorwatch store of version {rows.get('version')}; this doorwatch reads version {STORE_VERSION}")
        except (DatabaseError, OperationalError) as err:
            raise StoreError(f"cannot open store {self.path}: {err.orig if hasattr(err, 'orig') else err}") from None

    def save(self, report: AuditReport) -> str:
        """Keep the audit; returns its SHA-256. All or nothing."""
        document = canonical_json(report)
        digest = hashlib.sha256(document).hexdigest()
        severities = [Severity(finding.severity) for finding in report.findings]
        worst = max(severities, key=lambda sev: sev.rank).value if severities else None
        row = StoredAudit(
            audit_id=report.audit_id,
            created_at=report.collected_at,
            hostname=report.machine.hostname,
            machine_id=report.machine.machine_id,
            policy=report.policy.name,
            clearance=report.policy.clearance,
            verdict=report.verdict,
            components=len(report.components),
            findings=len(report.findings),
            worst=worst,
            sha256=digest,
            document=document.decode(),
        )
        try:
            with Session(self.engine) as session, session.begin():
                session.add(row)
        except (DatabaseError, OperationalError) as err:
            raise StoreError(f"cannot save to store {self.path}: {err.orig if hasattr(err, 'orig') else err}") from None
        return digest

    def list(self, limit: int | None = None) -> list[StoredAudit]:
        with Session(self.engine) as session:
            query = select(StoredAudit).order_by(StoredAudit.created_at.desc())
            if limit:
                query = query.limit(limit)
            rows = list(session.scalars(query))
            session.expunge_all()
            return rows

    def resolve(self, reference: str) -> StoredAudit:
        """An audit by id, unique id prefix, `latest` or `previous`."""
        with Session(self.engine) as session:
            if reference in ("latest", "previous"):
                offset = 0 if reference == "latest" else 1
                row = session.scalars(select(StoredAudit).order_by(StoredAudit.created_at.desc()).offset(offset).limit(1)).first()
                if row is None:
                    raise StoreError(f"the store {self.path} has no {reference} audit")
            else:
                rows = list(session.scalars(select(StoredAudit).where(StoredAudit.audit_id.startswith(reference)).limit(2)))
                if not rows:
                    raise StoreError(f"no audit '{reference}' in {self.path}; see doorwatch history")
                if len(rows) > 1:
                    raise StoreError(f"'{reference}' names more than one audit; give more characters")
                row = rows[0]
            session.expunge(row)
            return row

    def load(self, reference: str) -> AuditReport:
        """The audit as it was reported; its digest is checked first."""
        row = self.resolve(reference)
        if hashlib.sha256(row.document.encode()).hexdigest() != row.sha256:
            raise StoreError(f"audit {row.audit_id} in {self.path} does not match its SHA-256: the store was altered")
        return AuditReport.model_validate_json(row.document)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()
