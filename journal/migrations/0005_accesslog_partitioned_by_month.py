"""The access log becomes a table partitioned by month (PostgreSQL declarative partitioning), so
that it can hold a country's years of reads: log review and extracts read only the months they
ask for, and rows past the retention time go by detaching and dropping whole months, never by
deleting rows (docs/operations.md, "The access log's partitions").

- Monthly partitions from the month of the oldest row to twelve months ahead, and a DEFAULT
  partition, so an insert never fails even if no one made next year's months.
- `journal_accesslog_ensure_partitions(months_ahead)`: makes the missing months. SECURITY
  DEFINER, owned by the role that runs migrations: the app's role, which owns nothing, may call it
  (the worker does, nightly: config/jobs.py) but cannot otherwise alter the table.
- The append-only trigger sits on the partitioned table; PostgreSQL gives it to every partition,
  including the ones made later.
- Django keeps seeing `id` as the primary key; in the database it is (id, at), as partitioning
  requires. Indexes and foreign keys keep their names.

Existing rows are copied into the new table inside the migration's transaction."""

# ruff: noqa: S608 - SQL put together from this file's own constants, no input
from django.db import migrations

ZONE = "Europe/Stockholm"  # settings.TIME_ZONE: months begin at local midnight

ENSURE_FUNCTION = f"""
CREATE FUNCTION journal_accesslog_month_start(month date) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$
    SELECT make_timestamptz(extract(year FROM month)::int, extract(month FROM month)::int, 1,
                            0, 0, 0, '{ZONE}')
$$;

CREATE FUNCTION journal_accesslog_ensure_partitions(
    months_ahead integer DEFAULT 12, from_month date DEFAULT NULL
) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    first date := coalesce(
        date_trunc('month', from_month),
        date_trunc('month', now() AT TIME ZONE '{ZONE}')
    )::date;
    last date := (date_trunc('month', now() AT TIME ZONE '{ZONE}')
                  + make_interval(months => months_ahead))::date;
    month date := first;
    lo timestamptz;
    hi timestamptz;
    name text;
    made integer := 0;
BEGIN
    WHILE month <= last LOOP
        name := 'journal_accesslog_p' || to_char(month, 'YYYY_MM');
        IF to_regclass('public.' || name) IS NULL THEN
            lo := journal_accesslog_month_start(month);
            hi := journal_accesslog_month_start((month + interval '1 month')::date);
            IF EXISTS (SELECT 1 FROM journal_accesslog_default WHERE at >= lo AND at < hi) THEN
                -- Rows written while the month had no partition stay in the default one, where
                -- they are read as usual; the retention command handles them there.
                RAISE WARNING 'access log rows for % are in the default partition; % not made',
                    to_char(month, 'YYYY-MM'), name;
            ELSE
                EXECUTE format(
                    'CREATE TABLE %I PARTITION OF journal_accesslog FOR VALUES FROM (%L) TO (%L)',
                    name, lo, hi
                );
                made := made + 1;
            END IF;
        END IF;
        month := (month + interval '1 month')::date;
    END LOOP;
    RETURN made;
END;
$$;
"""

FORWARD = (
    """
ALTER TABLE journal_accesslog RENAME TO journal_accesslog_unpartitioned;
ALTER TABLE journal_accesslog_unpartitioned
    RENAME CONSTRAINT journal_accesslog_pkey TO journal_accesslog_unpartitioned_pkey;

CREATE TABLE journal_accesslog (
    LIKE journal_accesslog_unpartitioned INCLUDING DEFAULTS INCLUDING IDENTITY
        INCLUDING CONSTRAINTS
) PARTITION BY RANGE (at);
ALTER TABLE journal_accesslog ADD CONSTRAINT journal_accesslog_pkey PRIMARY KEY (id, at);
CREATE TABLE journal_accesslog_default PARTITION OF journal_accesslog DEFAULT;

-- The indexes and foreign keys move under the same names.
DO $$
DECLARE item record;
BEGIN
    FOR item IN
        SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint
        WHERE conrelid = 'journal_accesslog_unpartitioned'::regclass AND contype = 'f'
    LOOP
        EXECUTE format('ALTER TABLE journal_accesslog_unpartitioned DROP CONSTRAINT %I',
                       item.conname);
        EXECUTE format('ALTER TABLE journal_accesslog ADD CONSTRAINT %I %s',
                       item.conname, item.definition);
    END LOOP;
    FOR item IN
        SELECT indexname, indexdef FROM pg_indexes
        WHERE tablename = 'journal_accesslog_unpartitioned'
          AND indexname <> 'journal_accesslog_unpartitioned_pkey'
    LOOP
        EXECUTE format('DROP INDEX %I', item.indexname);
        EXECUTE replace(item.indexdef, 'public.journal_accesslog_unpartitioned',
                        'public.journal_accesslog');
    END LOOP;
END;
$$;
"""
    + ENSURE_FUNCTION
    + f"""
SELECT journal_accesslog_ensure_partitions(
    12, (SELECT min(at) AT TIME ZONE '{ZONE}' FROM journal_accesslog_unpartitioned)::date
);
INSERT INTO journal_accesslog SELECT * FROM journal_accesslog_unpartitioned;
SELECT setval(pg_get_serial_sequence('journal_accesslog', 'id'),
              coalesce((SELECT max(id) FROM journal_accesslog), 0) + 1, false);
DROP TABLE journal_accesslog_unpartitioned;

CREATE TRIGGER journal_accesslog_append_only
    BEFORE UPDATE OR DELETE ON journal_accesslog
    FOR EACH ROW EXECUTE FUNCTION journal_accesslog_append_only();
"""
)

BACKWARD = """
ALTER TABLE journal_accesslog RENAME TO journal_accesslog_partitioned;
ALTER TABLE journal_accesslog_partitioned
    RENAME CONSTRAINT journal_accesslog_pkey TO journal_accesslog_partitioned_pkey;
CREATE TABLE journal_accesslog (
    LIKE journal_accesslog_partitioned INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS
);
ALTER TABLE journal_accesslog ADD CONSTRAINT journal_accesslog_pkey PRIMARY KEY (id);
DO $$
DECLARE item record;
BEGIN
    FOR item IN
        SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint
        WHERE conrelid = 'journal_accesslog_partitioned'::regclass AND contype = 'f'
    LOOP
        EXECUTE format('ALTER TABLE journal_accesslog_partitioned DROP CONSTRAINT %I',
                       item.conname);
        EXECUTE format('ALTER TABLE journal_accesslog ADD CONSTRAINT %I %s',
                       item.conname, item.definition);
    END LOOP;
    FOR item IN
        SELECT indexname, indexdef FROM pg_indexes
        WHERE tablename = 'journal_accesslog_partitioned'
          AND indexname <> 'journal_accesslog_partitioned_pkey'
    LOOP
        EXECUTE format('DROP INDEX %I', item.indexname);
        EXECUTE replace(replace(item.indexdef, 'public.journal_accesslog_partitioned',
                                'public.journal_accesslog'), ' ON ONLY ', ' ON ');
    END LOOP;
END;
$$;
INSERT INTO journal_accesslog SELECT * FROM journal_accesslog_partitioned;
SELECT setval(pg_get_serial_sequence('journal_accesslog', 'id'),
              coalesce((SELECT max(id) FROM journal_accesslog), 0) + 1, false);
DROP TABLE journal_accesslog_partitioned;
DROP FUNCTION journal_accesslog_ensure_partitions(integer, date);
DROP FUNCTION journal_accesslog_month_start(date);
CREATE TRIGGER journal_accesslog_append_only
    BEFORE UPDATE OR DELETE ON journal_accesslog
    FOR EACH ROW EXECUTE FUNCTION journal_accesslog_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("journal", "0004_defaults_from_project_clock")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
