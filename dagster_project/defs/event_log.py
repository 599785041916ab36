"""Dagster's SQLite event log, made cheap per event, for the processes that run the pipeline.

A full run stores about 3,000 events (one planned and one materialisation per ingest partition,
one per dbt node and test). Dagster's `SqliteEventLogStorage` opens a new SQLAlchemy engine and
SQLite connection for every read and write and syncs the disk on every commit: at a few
milliseconds each, the run spent more time storing events than loading files. This subclass keeps
one engine (a small connection pool) per database file and commits in WAL mode with
`synchronous=NORMAL`: a killed process (SIGKILL, OOM) loses nothing committed, and after a power
cut the log is still consistent (at most the last events before it are gone). Same files, same
schema, same layout under `$DAGSTER_HOME/history/runs/`: the UI and every other Dagster process
read them as before.

Only `runtime.pipeline_instance()` uses it (the in-process runs of `apbd run` and the tests);
long-lived Dagster processes (`dg dev`, the daemon) keep Dagster's own storage from dagster.yaml.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._serdes import ConfigurableClassData

SQLITE_BUSY_TIMEOUT_SECONDS = 120  # as Dagster's own storage: wait for another writer, not fail
MAX_OPEN_SHARDS = 8  # the index, the current run and a few recent ones (a long-lived UI reads many)


def _tune(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class FastSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` with one pooled engine per shard and no disk sync per commit."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        self._pid = os.getpid()
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> FastSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @classmethod
    def replacing(cls, data: ConfigurableClassData) -> ConfigurableClassData:
        """This storage in place of Dagster's SQLite event log: same configuration, same folder."""
        return ConfigurableClassData(cls.__module__, cls.__name__, data.config_yaml)

    def has_table(self, table_name: str) -> bool:
        """Dagster's answer, kept once the table is there: Dagster asks for every stored event
        that carries tags (each ingest partition's materialisation), opening a new engine and
        connection to the index each time, about 1.3 s of a demo run. Tables are only ever added
        (migrations); one not there yet is asked about again."""
        if table_name not in self._tables and super().has_table(table_name):
            self._tables.add(table_name)
        return table_name in self._tables

    def _engine(self, shard: str) -> sa.Engine:
        with self._engines_lock:
            if self._pid != os.getpid():  # a forked child never uses its parent's connections
                for engine in self._engines.values():
                    engine.dispose(close=False)
                self._engines.clear()
                self._pid = os.getpid()
            engine = self._engines.get(shard)
            if engine is not None:
                self._engines.move_to_end(shard)
                return engine
            engine = sa.create_engine(
                self.conn_string_for_shard(shard),
                pool_size=1,
                max_overflow=4,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            sa.event.listen(engine, "connect", _tune)
            self._engines[shard] = engine
            while len(self._engines) > MAX_OPEN_SHARDS:
                _, old = self._engines.popitem(last=False)
                old.dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _close_engines(self) -> None:
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def wipe(self) -> None:
        self._close_engines()  # before the files go
        super().wipe()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()
